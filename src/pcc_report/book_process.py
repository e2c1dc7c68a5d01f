"""The child process that builds a book: every builder asked for, Sphinx imported once.

``jupyter-book build`` builds one builder per process, and most of a process is start-up:
importing Sphinx, myst-nb, the themes and the other extensions took about 2.7 s of a 3.3 s
build that had nothing to do. A published report is built to HTML and then to PDF, so two
``jupyter-book build`` processes paid that twice. ``python -m pcc_report.book_process BOOK
BUILDER...`` runs jupyter-book's own ``build`` command for each builder in turn, in this one
process, with the options :mod:`pcc_report.book` always gave it (``--warningiserror
--keep-going``): the configuration, the strictness and the output are those of ``jupyter-book
build`` (each builder is a new Sphinx application; only the imports are shared).

Why still a child process: the book is built in the build environment
(:func:`pcc_report.execution.build_environment`), and Sphinx and docutils keep process-wide
state that should not live in the report's process. This module imports nothing of the
package but :mod:`pcc_report.latex_pdf` (the standard library only), so the child loads only
what the book's extensions need.

A book server (:mod:`pcc_report.kernels` as ``serve-book``: run-all's, shared by its forces,
or a draft's :class:`pcc_report.book.EarlyBookServer`, started with the draft) calls
:func:`preload` once and forks a child per book that calls :func:`main`: what the command line
form does, prints and returns, without the imports.

The ``pdflatex`` builder is jupyter-book's ``latex`` builder (the same Sphinx build and
output folder) followed by :func:`pcc_report.latex_pdf.typeset` where jupyter-book ran ``make``
(latexmk): the same passes to the same PDF, without latexmk's and the preamble's repeats.
Notebooks are executed by papermill before the book is built (``execute_notebooks: off``), so
myst-nb's execution clients, which import jupyter-cache, SQLAlchemy and nbclient (0.45 s of
the child's start-up), are replaced by stand-ins that refuse to run (:func:`without_execution`).

Exit status: 0 when every builder succeeded; ``FAILED + i`` when the ``i``-th builder failed
(its output says why, and the builders after it are not run); anything else is a crash of the
child itself. :func:`pcc_report.book.run_jupyter_book` turns it into the error message.
"""

from __future__ import annotations

import importlib
import sys
import traceback
import types
from pathlib import Path

#: Exit status of a failed builder: ``FAILED`` plus its position in the command line.
FAILED = 100
OPTIONS = ("--warningiserror", "--keep-going")
#: What a build imports besides the book's extensions (each of which a build imports too):
#: jupyter-book's command line and its Sphinx set-up, Sphinx's application and the two
#: builders the reports use, and the extensions' modules that their ``setup`` imports late
#: (myst-nb's alone took about 1 s: its execution cache loads SQLAlchemy).
BUILD_MODULES = ("jupyter_book.cli.main", "jupyter_book.sphinx", "sphinx.application",
                 "sphinx.builders.html", "sphinx.builders.latex", "myst_nb.sphinx_ext",
                 "sphinx_design.extension", "sphinx_external_toc.parsing")
#: ``--formats=DIR`` before the book: the folder of LaTeX formats shared between builds.
FORMATS = "--formats="
#: myst-nb's execution clients (module, class): never used by a book whose notebooks are run.
EXECUTION_CLIENTS = (("myst_nb.core.execute.cache", "NotebookClientCache"),
                     ("myst_nb.core.execute.direct", "NotebookClientDirect"),
                     ("myst_nb.core.execute.inline", "NotebookClientInline"))


class ExecutionIsOff:
    """Stands in for a myst-nb execution client: building a book never executes a notebook."""

    def __init__(self, *_: object, **__: object) -> None:
        raise RuntimeError("the book's notebooks are executed before it is built: set "
                           "execute_notebooks to off in _config.yml")


def without_execution() -> None:
    """Put :class:`ExecutionIsOff` in place of myst-nb's execution clients, before myst-nb is
    imported (this process only: the child's ``__main__``, or a book server's
    :func:`preload`)."""
    for module, name in EXECUTION_CLIENTS:
        stand_in = types.ModuleType(module, "pcc_report.book_process: no notebook execution")
        setattr(stand_in, name, ExecutionIsOff)
        sys.modules.setdefault(module, stand_in)


def run_builder(book_dir: str, builder: str, formats: str | None = None) -> bool:
    """One ``jupyter-book build BOOK --builder BUILDER`` with :data:`OPTIONS`; True if it built.

    ``pdflatex`` is the ``latex`` builder, then :func:`pcc_report.latex_pdf.typeset` of its
    output. jupyter-book reports a failure by ``sys.exit`` (Sphinx's status), by raising its
    own error box or by an exception from Sphinx; pdflatex's by a
    :class:`~pcc_report.latex_pdf.LatexError`: all are a failed builder, and what they said is
    printed as the command line would.
    """
    from jupyter_book.cli.main import build

    sphinx_builder = "latex" if builder == "pdflatex" else builder
    try:
        build.main([book_dir, "--builder", sphinx_builder, *OPTIONS], standalone_mode=False)
    except SystemExit as stop:
        if stop.code not in (0, None):
            return False
    except Exception:  # noqa: BLE001 - whatever jupyter-book raised, the builder failed
        traceback.print_exc()
        return False
    if builder == "pdflatex":
        from pcc_report import latex_pdf

        try:
            latex_pdf.typeset(Path(book_dir) / "_build" / "latex",
                              Path(formats) if formats else None)
        except latex_pdf.LatexError as error:
            print(f"Error: Failed to build pdf: {error}", file=sys.stderr)
            return False
    return True


def main(argv: list[str]) -> int:
    """Build ``argv[0]`` with each builder named after it, in order; the exit status.

    ``--formats=DIR`` may come first (:data:`FORMATS`), or after the book.
    """
    formats = next((a[len(FORMATS):] for a in argv if a.startswith(FORMATS)), None)
    argv = [a for a in argv if not a.startswith(FORMATS)]
    book_dir, builders = argv[0], argv[1:]
    for position, builder in enumerate(builders):
        sys.stdout.flush()
        if not (run_builder(book_dir, builder, formats) if formats else
                run_builder(book_dir, builder)):
            return FAILED + position
    return 0


def preload(modules: list[str]) -> None:
    """What a book server does before it forks: :func:`without_execution`, as the child's
    ``__main__`` does, then import :data:`BUILD_MODULES` and ``modules`` (the extensions).

    A module that fails to import is left alone: the build imports it again and fails as a
    new child would, with the same message and exit status.
    """
    without_execution()
    for module in (*BUILD_MODULES, *modules):
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001, S112 - the build reports it, as it does today
            continue


if __name__ == "__main__":
    without_execution()
    sys.exit(main(sys.argv[1:]))
