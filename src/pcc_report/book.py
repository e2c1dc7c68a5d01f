"""Assembling the Jupyter Book from the executed sections, and building it to HTML and PDF.

The book's configuration is the project's ``_config.yml`` with the report's title, author
and meeting filled in; its table of contents follows the planned sections (the registry's
order and parts, :mod:`pcc_report.sections`) followed by the static pages in ``book/``.

The restricted edition (:mod:`pcc_report.editions`) is marked so that no page of it can be
taken for the public one: its title and front sheet heading carry the banner text, every HTML
page shows it as the theme's announcement bar, and every PDF page has it in the header (the
LaTeX page styles ``normal`` and ``plain`` redefined with fancyhdr).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import yaml

from pcc_report import book_process, kernels, latex_pdf, yaml_files
from pcc_report.config import PROJECT_ROOT, ForceConfig
from pcc_report.editions import Edition
from pcc_report.errors import ReportError
from pcc_report.execution import Section
from pcc_report.periods import Quarter
from pcc_report.publish import STAGING_DIR, Reservation

BOOK_DIR = PROJECT_ROOT / "book"
BOOK_CONFIG = PROJECT_ROOT / "_config.yml"
#: The panel paper's LaTeX templates: page layout, then the front sheet (see each file).
LATEX_TEMPLATES = (BOOK_DIR / "latex" / "preamble.tex", BOOK_DIR / "latex" / "front-sheet.tex")
#: The running header's edition marking of an edition without a banner (the public one); a
#: restricted edition's header carries its banner, "RESTRICTED: not for publication".
PUBLIC_MARKING = "Public edition"


def latex_preamble(panel: str, meeting: str | None, marking: str = PUBLIC_MARKING) -> str:
    """The paper's preamble: the templates, then the running header's values as macros.

    ``marking`` is printed in bold in the header of every page (``book/latex/preamble.tex``
    uses it in the ``normal`` and ``plain`` page styles, front sheet and landscape pages too).
    The templates use the macros only when a page is made, so they come last, after the end
    of the part of the preamble that is the same for every report (the PDF's passes start from
    a format of that part, shared between reports: :mod:`pcc_report.latex_pdf`).
    """
    from pcc_report.typeset import latex_escape

    values = {"pccPanel": panel, "pccMeeting": f"Meeting {meeting or 'date to be confirmed'}",
              "pccEdition": marking}
    macros = "".join(rf"\newcommand{{\{name}}}{{{latex_escape(value)}}}" + "\n"
                     for name, value in values.items())
    templates = "".join(path.read_text(encoding="utf-8") for path in LATEX_TEMPLATES)
    return templates + latex_pdf.END_OF_DUMP + "\n" + macros


def book_config(
    force: ForceConfig,
    quarter: Quarter,
    meeting: str | None,
    reservation: Reservation,
    edition: Edition | None = None,
) -> dict:
    """``_config.yml`` for this report: its title (demonstration, revision), author, meeting,
    and for a restricted edition its banner on every HTML page and PDF page header."""
    config = yaml_files.read(BOOK_CONFIG)
    title = f"{force.name}: performance report, {quarter.title}"
    if force.demonstration:
        title += " (demonstration data)"
    if reservation.replaces:
        title += f", revised ({reservation.revision})"
    if edition is not None and edition.banner:
        title += f" ({edition.banner})"
    config["title"] = title
    config["author"] = f"Report of the {force.report_of}"
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["today"] = f"{force.panel}: meeting {meeting or 'date to be confirmed'}"
    sphinx_config["html_title"] = title
    if edition is not None and edition.banner:
        config.setdefault("html", {})["announcement"] = edition.banner
    marking = edition.banner if edition is not None and edition.banner else PUBLIC_MARKING
    sphinx_config.setdefault("latex_elements", {})["preamble"] = latex_preamble(
        force.panel, meeting, marking)
    return config


def mark_sections(edition: Edition, planned: list[Section]) -> list[Section]:
    """The sections with the restricted banner in the front sheet's (the book root's) title."""
    if not edition.banner or not planned:
        return planned
    first = planned[0]
    return [dataclasses.replace(first, title=f"{first.title} ({edition.banner})"), *planned[1:]]


def table_of_contents(sections: list[Section], static_pages: list[str],
                      first_pages: tuple[str, ...] = ()) -> dict:
    """``_toc.yml``: the first section is the root; then the main part (``first_pages`` at
    its head, e.g. a reissue's "What changed"); then the appendices."""
    main = [{"file": page} for page in first_pages]
    main += [{"file": s.name} for s in sections[1:] if s.part == "main"]
    appendix = [{"file": s.name} for s in sections if s.part == "appendix"]
    appendix += [{"file": page} for page in static_pages]
    return {
        "format": "jb-book",
        "root": sections[0].name,
        "parts": [
            {"caption": "Performance", "chapters": main},
            {"caption": "Appendices", "chapters": appendix},
        ],
    }


def assemble(
    book_dir: Path,
    sections: list[Section],
    force: ForceConfig,
    quarter: Quarter,
    meeting: str | None,
    reservation: Reservation,
    edition: Edition | None = None,
    first_pages: tuple[str, ...] = (),
) -> None:
    """Static pages, configuration and table of contents beside the executed notebooks.

    ``first_pages`` are pages already written into ``book_dir`` that open the main part.
    """
    static_pages = []
    for page in sorted(BOOK_DIR.glob("*.md")):
        shutil.copy(page, book_dir / page.name)
        static_pages.append(page.stem)
    config = book_config(force, quarter, meeting, reservation, edition)
    appendix = [s.name for s in sections if s.part == "appendix"] + static_pages
    config["sphinx"]["config"]["pcc_appendix_start"] = appendix[0] if appendix else ""
    config["sphinx"]["config"]["pcc_numbered_docs"] = [s.name for s in sections
                                                       if s.part == "main"]
    (book_dir / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False),
                                          encoding="utf-8")
    (book_dir / "_toc.yml").write_text(
        yaml.safe_dump(table_of_contents(sections, static_pages, first_pages), sort_keys=False),
        encoding="utf-8",
    )
    for extra in ("_static", "_templates"):
        if (BOOK_DIR / extra).is_dir():
            shutil.copytree(BOOK_DIR / extra, book_dir / extra)


def book_extensions() -> list[str]:
    """The Sphinx extensions of the project's ``_config.yml``: what a book server imports."""
    config = yaml_files.read(BOOK_CONFIG)
    return [str(name) for name in config.get("sphinx", {}).get("config", {}).get("extensions", [])]


class EarlyBookServer:
    """A book server started before the book exists, so that its imports overlap a draft's
    earlier stages.

    The server (:class:`pcc_report.kernels.ForkServer` as ``serve-book``) spends about
    1.6 CPU-seconds importing Sphinx, myst-nb, the theme and the extensions, once; each book
    builder (a draft's HTML and PDF builders, side by side) is then a child forked from it,
    which runs what ``python -m pcc_report.book_process`` would run. It inherits the
    environment of the moment it is started, so :meth:`start` is called inside
    :func:`pcc_report.execution.build_environment`, where a new child would have started.
    :meth:`stop` (in a ``finally``) stops it and every child it forked, so none outlives a
    draft that failed, was refused or reused its book outright. Where it cannot run, the
    builders start new processes.
    """

    def __init__(self) -> None:
        self._server: kernels.ForkServer | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the server, unless it is running or this platform cannot fork one."""
        with self._lock:
            if self._server is None and kernels.supported() is None:
                self._server = kernels.ForkServer.start(
                    lambda _line: None, book_extensions=book_extensions())

    def address(self) -> str | None:
        """The serving server's socket (waiting for its imports), or None."""
        with self._lock:
            server = self._server
        return server.address if server is not None and server.ready() else None

    def stop(self) -> None:
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()


def run_jupyter_book(book_dir: Path, *builders: str, warm: EarlyBookServer | None = None,
                     formats: Path | None = None) -> None:
    """jupyter-book's ``builders`` in turn, in one child process (:mod:`pcc_report.book_process`:
    Sphinx and the extensions imported once); it inherits the build environment
    (execution.build_environment). The first builder that fails stops it, and is named.

    The child is forked from ``warm`` (:class:`EarlyBookServer`) when it serves. ``formats``
    is the folder of LaTeX formats shared between builds (:func:`pcc_report.latex_pdf.typeset`).
    """
    shared = [f"{book_process.FORMATS}{formats}"] if formats is not None else []
    server = warm.address() if warm is not None else None
    status, stdout, stderr = _run_child([*shared, str(book_dir), *builders], server)
    if status != 0:
        position = status - book_process.FAILED
        builder = builders[position] if 0 <= position < len(builders) else "/".join(builders)
        tail = "\n".join((stdout + stderr).splitlines()[-25:])
        raise ReportError(f"jupyter-book {builder} build failed:\n{tail}")


def _run_child(argv: list[str], server: str | None = None) -> tuple[int, str, str]:
    """``python -m pcc_report.book_process ARGV``: its exit status, standard output and error.

    Forked from the book server at ``server`` (a draft's :class:`EarlyBookServer`), else from
    run-all's (:data:`pcc_report.kernels.SHARED_BOOK_SERVER`: one for every force) when there
    is one, else a new process; a server that is gone or that stops before its child ran
    gives a new process.
    """
    server = server or os.environ.get(kernels.SHARED_BOOK_SERVER)
    if server and Path(server).exists():
        command = [sys.executable, "-m", "pcc_report.kernels", "launch", server, *argv]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != kernels.EX_SERVER:
            return done.returncode, done.stdout, done.stderr
    command = [sys.executable, "-m", "pcc_report.book_process", *argv]
    done = subprocess.run(command, capture_output=True, text=True)
    return done.returncode, done.stdout, done.stderr


def shared_formats(staging: Path) -> Path | None:
    """``<out>/.cache/latex``: the LaTeX formats of the reports folder whose staging folder
    (:data:`pcc_report.publish.STAGING_DIR`) holds ``staging``; None outside one."""
    for folder in (staging, *staging.parents):
        if folder.name == STAGING_DIR:
            return folder.parent / ".cache" / "latex"
    return None


def build(book_dir: Path, staging: Path, pdf_name: str) -> None:
    """Build the HTML into ``staging/html`` and the PDF into ``staging/<pdf_name>``, both in one
    child process, HTML first (as two ``jupyter-book build`` commands would)."""
    run_jupyter_book(book_dir, "html", "pdflatex", formats=shared_formats(Path(staging)))
    shutil.move(book_dir / "_build" / "html", staging / "html")
    pdfs = sorted((book_dir / "_build" / "latex").glob("*.pdf"))
    if not pdfs:
        raise ReportError("the PDF build produced no PDF")
    shutil.move(pdfs[0], staging / pdf_name)
