"""A small Sphinx extension: the panel paper's LaTeX, placed as the book's templates ask.

* myst-nb renders a notebook's ``text/latex`` output as a maths block (it assumes LaTeX is an
  equation); our tables and front sheet (:mod:`pcc_report.typeset`) are marked with
  :data:`~pcc_report.typeset.LATEX_MARK` and become raw LaTeX instead, for the LaTeX builder
  only (the HTML builder picks their ``text/html`` rendering).
* The appendices start at the document named by the ``pcc_appendix_start`` setting
  (:mod:`pcc_report.book` sets it from the registry's parts): a raw ``\\pccAppendix`` there
  letters the chapters from it onwards (defined in ``book/latex/preamble.tex``).
"""

from __future__ import annotations

from docutils import nodes
from docutils.transforms import Transform

from pcc_report.typeset import LATEX_MARK


def pass_latex_through(doctree: nodes.document, appendix_start: str, docname: str) -> None:
    """Marked maths blocks become raw LaTeX; the first appendix document opens the appendices."""
    for block in list(doctree.findall(nodes.math_block)):
        if block.astext().lstrip().startswith(LATEX_MARK):
            block.replace_self(nodes.raw("", block.astext(), format="latex"))
    if appendix_start and docname == appendix_start:
        doctree.insert(0, nodes.raw("", "\\pccAppendix\n", format="latex"))


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
