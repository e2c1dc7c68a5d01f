"""The main paper's numbered paragraphs: which paragraphs, and the same numbers in HTML and PDF."""

from __future__ import annotations

from types import SimpleNamespace

from docutils import nodes
from docutils.utils import new_document

from pcc_report import sphinx_paragraphs as sp


def _page(name: str, *texts: str) -> nodes.document:
    """A page as myst-nb makes it: a section whose notebook outputs sit in containers, with a
    list, a figure and a source note beside the body paragraphs ``texts``."""
    doc = new_document(name)
    section = nodes.section()
    section += nodes.title("", "Recorded crime")
    section += nodes.paragraph("", texts[0])
    output = nodes.container(classes=["cell_output"])
    output += [nodes.paragraph("", t) for t in texts[1:]]
    cell = nodes.container(classes=["cell"])
    cell += output
    section += cell
    item = nodes.list_item()
    item += nodes.paragraph("", "a bullet")
    section += nodes.bullet_list("", item)
    figure = nodes.figure()
    figure += nodes.caption("", "Fig. 1")
    legend = nodes.legend()
    legend += nodes.paragraph("", "a legend")
    figure += legend
    section += figure
    section += nodes.paragraph("", "Source: computed by the section notebook x.ipynb from ...")
    doc += section
    return doc


def test_body_paragraphs_are_those_of_sections_and_outputs_not_lists_figures_or_notes():
    doc = _page("a", "First.", "Second.", "Third.")
    assert [p.astext() for p in sp.body_paragraphs(doc)] == ["First.", "Second.", "Third."]


def _app(fmt: str, docs: list[str], counts: dict[str, int]) -> SimpleNamespace:
    env = SimpleNamespace(pcc_paragraphs=counts)
    return SimpleNamespace(builder=SimpleNamespace(format=fmt), env=env,
                           config=SimpleNamespace(pcc_numbered_docs=docs))


def _marked(doc: nodes.document) -> nodes.document:
    for paragraph in sp.body_paragraphs(doc):
        paragraph["classes"].append(sp.MARK)
    return doc


def test_an_html_page_counts_on_from_the_pages_before_it():
    docs = ["front-sheet", "performance", "recorded-crime"]
    app = _app("html", docs, {"front-sheet": 2, "performance": 3, "recorded-crime": 2})
    doc = _marked(_page("recorded-crime", "First.", "Second."))
    sp._write_numbers(app, doc, "recorded-crime")
    assert [p.astext() for p in sp.body_paragraphs(doc)] == ["6. First.", "7. Second."]
    # the bullet is not numbered
    assert [p.astext() for p in doc.findall(nodes.paragraph)][2] == "a bullet"


def test_the_pdf_one_assembled_document_counts_straight_through():
    app = _app("latex", ["a", "b"], {"a": 1, "b": 2})
    doc = _marked(_page("a", "One.", "Two.", "Three."))
    sp._write_numbers(app, doc, "a")
    assert [p.astext() for p in sp.body_paragraphs(doc)] == ["1. One.", "2. Two.", "3. Three."]


def test_an_unmarked_document_is_left_alone():
    doc = _page("definitions", "Appendix text.")
    sp._write_numbers(_app("html", ["a"], {"a": 4}), doc, "definitions")
    assert sp.body_paragraphs(doc)[0].astext() == "Appendix text."


def test_a_changed_count_renumbers_the_html_pages_after_it_only():
    docs = ["front-sheet", "performance", "recorded-crime", "outcomes"]
    env = SimpleNamespace(pcc_paragraphs={"front-sheet": 2, "performance": 3,
                                          "recorded-crime": 2, "outcomes": 4},
                          config=SimpleNamespace(pcc_numbered_docs=docs))
    app = SimpleNamespace()
    sp._purge(app, env, "performance")  # read again: 3 paragraphs before, now 4
    env.pcc_paragraphs["performance"] = 4
    assert sp.renumbered(app, env) == ["recorded-crime", "outcomes"]
    sp._purge(app, env, "outcomes")  # read again with the count it had: nothing moved
    env.pcc_paragraphs["outcomes"] = 4
    assert sp.renumbered(app, env) == []
