"""A small Sphinx extension: the panel paper's LaTeX, placed as the book's templates ask.

* myst-nb renders a notebook's ``text/latex`` output as a maths block (it assumes LaTeX is an
  equation); our tables and front sheet (:mod:`pcc_report.typeset`) are marked with
  :data:`~pcc_report.typeset.LATEX_MARK` and become raw LaTeX instead, for the LaTeX builder
  only (the HTML builder picks their ``text/html`` rendering).
* A table set on landscape pages starts a new page. When it is the first thing under its
  heading (after at most a short lead), the heading would be left alone at the foot of a
  portrait page; the heading and its lead go onto the landscape page with the table instead
  (an outer ``pccLandscape``, in which the table's own adds no page; ``book/latex/preamble.tex``).
* The appendices start at the document named by the ``pcc_appendix_start`` setting
  (:mod:`pcc_report.book` sets it from the registry's parts): a raw ``\\pccAppendix`` there
  letters the chapters from it onwards (defined in ``book/latex/preamble.tex``).
"""

from __future__ import annotations

from docutils import nodes
from docutils.transforms import Transform

from pcc_report.typeset import LATEX_MARK

LANDSCAPE, LANDSCAPE_END = r"\begin{pccLandscape}", r"\end{pccLandscape}"
#: The most words of lead text (between a heading and its landscape table) that move onto the
#: landscape page with the heading; a longer lead stays on the portrait page it fills.
LEAD_WORDS = 120


def pass_latex_through(doctree: nodes.document, appendix_start: str, docname: str) -> None:
    """Marked maths blocks become raw LaTeX; the first appendix document opens the appendices."""
    for block in list(doctree.findall(nodes.math_block)):
        if block.astext().lstrip().startswith(LATEX_MARK):
            block.replace_self(nodes.raw("", block.astext(), format="latex"))
    for raw in list(doctree.findall(nodes.raw)):
        if raw.get("format") == "latex" and LANDSCAPE in raw.astext():
            _keep_heading_with(raw)
    if appendix_start and docname == appendix_start:
        doctree.insert(0, nodes.raw("", "\\pccAppendix\n", format="latex"))


def _keep_heading_with(table: nodes.raw) -> None:
    """Open the landscape before the outermost heading that has only a short lead before
    ``table`` (nothing but the heading's title, a nested heading, or a few paragraphs)."""
    node, start, words = table, None, 0
    while isinstance(node.parent, nodes.container):
        node = node.parent
    cell = node  # the notebook cell: LaTeX wraps it in environments (sphinxuseclass)
    while isinstance(node.parent, nodes.section):
        section = node.parent
        lead = section.children[: section.index(node)]
        text = [n for n in lead if not isinstance(n, nodes.title)]
        if any(n.next_node(_not_prose) is not None or _not_prose(n) for n in text):
            break
        words += sum(len(n.astext().split()) for n in text)
        if words > LEAD_WORDS:
            break
        start, node = section, section
    if start is None:
        return
    # both ends outside the cell's environments: before the heading, after the cell
    body = table.astext().replace(LANDSCAPE, "", 1)
    at = body.rfind(LANDSCAPE_END)
    table.replace_self(nodes.raw("", body[:at] + body[at + len(LANDSCAPE_END):], format="latex"))
    cell.parent.insert(cell.parent.index(cell) + 1,
                       nodes.raw("", LANDSCAPE_END + "\n", format="latex"))
    start.parent.insert(start.parent.index(start), nodes.raw("", LANDSCAPE + "\n",
                                                             format="latex"))


def _not_prose(node: nodes.Node) -> bool:
    return isinstance(node, (nodes.raw, nodes.image, nodes.figure, nodes.table))


class PassLatexThrough(Transform):
    """Run while the document is parsed, before Sphinx's maths domain counts equations (a page
    counted as having maths would load MathJax from its CDN)."""

    default_priority = 100

    def apply(self) -> None:
        env = self.document.settings.env
        pass_latex_through(self.document, env.config.pcc_appendix_start, env.docname)


def setup(app) -> dict:  # noqa: ANN001
    app.add_config_value("pcc_appendix_start", "", "env")
    app.add_transform(PassLatexThrough)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
