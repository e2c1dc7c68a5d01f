"""A small Sphinx extension: the main paper's paragraphs numbered 1, 2, 3 ... as panel papers
number them ("1. The Panel will recall ...", ``../shared/seeds/``), so a member can say
"paragraph 12" at the meeting.

Numbered: the body paragraphs of the documents named by the ``pcc_numbered_docs`` setting
(:mod:`pcc_report.book` lists the registry's main part, in the book's order), counted on
through the whole main paper. Not numbered: list items, table cells, figure captions,
admonitions, a section's source note (it starts :data:`UNNUMBERED`), and every appendix.

The paragraphs are chosen while each document is read (and counted per document); the
numbers are written when a document is resolved: the HTML page of a document starts from the
paragraphs of the documents before it, and the PDF (one assembled document) counts straight
through, so both print the same number on the same paragraph.
"""

from __future__ import annotations

from docutils import nodes
from docutils.transforms import Transform

MARK = "pcc-numbered"
#: Paragraphs that are a section's audit note, not the paper's text (context.source_note).
UNNUMBERED = ("Source: computed by the section notebook",)


def body_paragraphs(doctree: nodes.Node) -> list[nodes.paragraph]:
    """Paragraphs directly under a section (or a notebook output inside one), in order."""
    found = []
    for paragraph in doctree.findall(nodes.paragraph):
        parent = paragraph.parent
        while isinstance(parent, nodes.container):
            parent = parent.parent
        if isinstance(parent, nodes.section) and not paragraph.astext().startswith(UNNUMBERED):
            found.append(paragraph)
    return found


def number(paragraphs: list[nodes.paragraph], first: int) -> None:
    """Put "N. " before each paragraph, from ``first``."""
    for n, paragraph in enumerate(paragraphs, start=first):
        paragraph.insert(0, nodes.inline("", f"{n}. ", classes=["pcc-paragraph-number"]))


class MarkParagraphs(Transform):
    """Mark (and count) a main document's body paragraphs while it is read."""

    default_priority = 500

    def apply(self) -> None:
        env = self.document.settings.env
        if env.docname not in env.config.pcc_numbered_docs:
            return
        chosen = body_paragraphs(self.document)
        for paragraph in chosen:
            paragraph["classes"].append(MARK)
        _counts(env)[env.docname] = len(chosen)


def _counts(env) -> dict[str, int]:  # noqa: ANN001 - a Sphinx BuildEnvironment
    if not hasattr(env, "pcc_paragraphs"):
        env.pcc_paragraphs = {}
    return env.pcc_paragraphs


def _write_numbers(app, doctree: nodes.document, docname: str) -> None:  # noqa: ANN001
    marked = [p for p in doctree.findall(nodes.paragraph) if MARK in p["classes"]]
    if not marked:
        return
    first = 1
    if app.builder.format != "latex":  # one page per document: start after the earlier ones
        order = list(app.config.pcc_numbered_docs)
        counts = _counts(app.env)
        first += sum(counts.get(d, 0) for d in order[: order.index(docname)])
    number(marked, first)


def _purge(app, env, docname: str) -> None:  # noqa: ANN001
    count = _counts(env).pop(docname, None)
    if not hasattr(app, "pcc_paragraphs_before"):
        app.pcc_paragraphs_before = {}
    app.pcc_paragraphs_before.setdefault(docname, count)


def renumbered(app, env) -> list[str]:  # noqa: ANN001
    """The HTML pages whose numbers moved: the main documents after the first one read again
    with a different count (a page kept from an earlier build would keep its old numbers)."""
    before, app.pcc_paragraphs_before = getattr(app, "pcc_paragraphs_before", {}), {}
    order = list(env.config.pcc_numbered_docs)
    moved = [order.index(d) for d, n in before.items() if d in order and _counts(env).get(d) != n]
    return order[min(moved) + 1 :] if moved else []


def _merge(app, env, docnames, other) -> None:  # noqa: ANN001
    _counts(env).update({d: n for d, n in _counts(other).items() if d in docnames})


def setup(app) -> dict:  # noqa: ANN001
    app.add_config_value("pcc_numbered_docs", [], "env")
    app.add_transform(MarkParagraphs)
    app.connect("doctree-resolved", _write_numbers)
    app.connect("env-purge-doc", _purge)
    app.connect("env-get-updated", renumbered)
    app.connect("env-merge-info", _merge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
