"""Putting the analyst's narrative into the book's pages, after the sections ran.

Why here, at the book stage: the narrative is the book's, not a section's. Editing a sentence
must rebuild the book only, never re-run a notebook (so no section reads a prose file or is
keyed on it, :mod:`pcc_report.cache`), and ``verify`` re-executes the published notebooks
exactly as the sections wrote them. So each page's *book copy* of its executed notebook gets
Markdown cells (tagged ``narrative``) while the executed notebook itself is kept, untouched,
for the report folder's ``notebooks/`` (:func:`executed_notebook`).

Where each piece goes: the summary on the front sheet's page after the front sheet's fields
(in the PDF the contents follow it, so it is on the front pages); each Part 1 file on its
priority's page, first; Part 3 first on the page ``part3``; the files and their SHA-256 at
the end of the audit trail. A piece not written shows a "Narrative not yet written" box
(the optional summary only when no narrative folder was given).
Numbers are filled in per edition from the same assessments the tables print
(:mod:`pcc_report.placeholders`), so the public edition never holds a withheld figure.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from pcc_report import narrative_files, placeholders, sections
from pcc_report.context import SectionContext
from pcc_report.execution import Section
from pcc_report.manifest import sha256_file
from pcc_report.narrative_files import MISSING_TITLE, Narrative, Piece

TAG = "narrative"
EXECUTED_DIR = ".executed"  # beside the book: the executed notebooks as the sections wrote them
FRONT_SHEET_PAGE = "front-sheet"
PART3_PAGE = "part3"
AUDIT_PAGE = "audit-trail"
FRONT_SHEET_MARK = "pccFrontSheet"  # in the front sheet output's LaTeX (book/latex/front-sheet.tex)
# The front sheet's LaTeX puts the contents right after its fields unless told otherwise;
# with a summary, the contents follow the summary instead.
_CONTENTS_LATER = "```{raw} latex\n\\renewcommand{\\pccAfterFrontSheet}{}\n```\n"
_CONTENTS_NOW = "```{raw} latex\n\\clearpage\\tableofcontents\\clearpage\n```\n"


def executed_notebook(book_dir: Path, name: str) -> Path:
    """The executed notebook of a section as it ran (not the book's copy with narrative)."""
    kept = Path(book_dir).parent / EXECUTED_DIR / f"{name}.ipynb"
    return kept if kept.is_file() else Path(book_dir) / f"{name}.ipynb"


def missing_box(piece: Piece) -> str:
    """The draft's visible box where a piece goes that is not written yet."""
    return (f":::{{admonition}} {MISSING_TITLE}\n:class: warning\n"
            f"The analyst's text for this part goes here: the file {piece.relative} of the "
            "narrative folder (pcc-report narrative-template writes a skeleton).\n:::\n")


def _cell(name: str, source: str) -> dict:
    return {"cell_type": "markdown", "id": f"narrative-{name}"[:64],
            "metadata": {"tags": [TAG]}, "source": source}


def _edit(book_dir: Path, page: str, edit) -> None:  # noqa: ANN001 - cells -> None
    """Apply ``edit`` to a page's cells, keeping the executed notebook aside first."""
    path = Path(book_dir) / f"{page}.ipynb"
    if not path.is_file():
        return
    kept = Path(book_dir).parent / EXECUTED_DIR / path.name
    if not kept.is_file():
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, kept)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    edit(notebook["cells"])
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _front_sheet_index(cells: list[dict]) -> int:
    """The index after the cell showing the front sheet's fields (after the title if none)."""
    for index, cell in enumerate(cells):
        if FRONT_SHEET_MARK in json.dumps(cell.get("outputs", [])):
            return index + 1
    return 1


def audit_text(narrative: Narrative) -> str:
    """The audit trail's list of narrative files and their SHA-256."""
    lines = ["## Narrative", ""]
    if not narrative.sources:
        return "\n".join([*lines, "No narrative files were given for this report.", ""])
    lines.append(f"The analyst's narrative, copied into the report folder's "
                 f"{narrative_files.REPORT_FOLDER}:")
    lines.append("")
    for path in narrative.sources:
        name = path.relative_to(narrative.folder).as_posix()
        lines.append(f"- {name}: SHA-256 {sha256_file(path)}")
    return "\n".join([*lines, ""])


def place(book_dir: Path, planned: list[Section], narrative: Narrative) -> None:
    """Write every piece (or its box) into the book copies of its page (see the docstring)."""
    book_dir = Path(book_dir)
    first = planned[0].parameters
    ctx = SectionContext.load(**{**{k: first[k] for k in sections.RUN_PARAMETERS},
                                 "data_dir": str(book_dir.parent / "data")})
    named = {placeholder.measure for piece in narrative.pieces.values() if piece.written
             for placeholder in placeholders.find(piece.text)}
    assessments = ctx.assessed(only=named)  # only what the placeholders name: a draft's edit
    withheld = [m.id for m in assessments.withheld]

    def markdown(piece: Piece) -> str:
        if not piece.written:
            # an optional piece (the summary) is boxed only when there is no narrative at all:
            # the final report, which may leave it out, would show no box there
            return missing_box(piece) if piece.required or narrative.folder is None else ""
        return narrative_files.rendered(piece, assessments, ctx.edition, withheld)

    names = {s.name for s in planned}
    summary = narrative.pieces[narrative_files.SUMMARY]
    if FRONT_SHEET_PAGE in names:
        def front(cells: list[dict]) -> None:
            at = _front_sheet_index(cells)
            cells[at:at] = [_cell("summary", markdown(summary) + "\n" + _CONTENTS_NOW)]
            cells.insert(1, _cell("contents-later", _CONTENTS_LATER))
        _edit(book_dir, FRONT_SHEET_PAGE, front)
    for priority in ctx.force.priorities:
        piece = narrative.pieces[narrative_files.part1_name(priority.id)]
        _edit(book_dir, f"priority-{priority.id}",
              lambda cells, p=piece: cells.insert(1, _cell("part1", markdown(p))))
    if PART3_PAGE in names:
        piece = narrative.pieces[narrative_files.PART3]
        _edit(book_dir, PART3_PAGE, lambda cells: cells.insert(1, _cell("part3", markdown(piece))))
    if AUDIT_PAGE in names:
        _edit(book_dir, AUDIT_PAGE, lambda cells: cells.append(_cell("audit",
                                                                     audit_text(narrative))))
