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

from pcc_report.typeset import LATEX_MARK


def _raw_latex(app, doctree: nodes.document) -> None:  # noqa: ANN001
    for block in list(doctree.findall(nodes.math_block)):
        if block.astext().lstrip().startswith(LATEX_MARK):
            block.replace_self(nodes.raw("", block.astext(), format="latex"))
    start = app.config.pcc_appendix_start
    if start and app.env.docname == start:
        doctree.insert(0, nodes.raw("", "\\pccAppendix\n", format="latex"))


def setup(app) -> dict:  # noqa: ANN001
    app.add_config_value("pcc_appendix_start", "", "env")
    app.connect("doctree-read", _raw_latex)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
