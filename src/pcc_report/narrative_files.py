"""The analyst's narrative folder: which files, checked before anything is built.

Why: the panel paper is mostly prose written by the OPCC (Part 1 progress per plan priority,
Part 3 the Commissioner's activity, the executive summary, the front sheet of the meeting).
The analyst writes it in Markdown next to the data, in ``narrative/<force>/<quarter>/``
(or ``--narrative DIR``)::

    summary.md                  the executive summary (optional), on the front sheet's page
    part1/<priority id>.md      one per priority of the force's plan, on the priority's page
    part3.md                    Part 3, at the top of the Part 3 page
    front-sheet.yml             this meeting's front sheet (pcc_report.front_matter)

Everything is checked when the run starts, before any section runs: markup
(:mod:`pcc_report.prose`), placeholders against the measure catalogue
(:mod:`pcc_report.placeholders`), the front sheet, and that no file is there that the build
would ignore (a misspelt priority id). A problem names the file and line and stops the run
(exit code 9) with nothing published. A draft shows a "Narrative not yet written" box for a
missing piece; ``--final`` refuses while a piece is missing or still holds
:data:`TEMPLATE_MARKER` (``pcc-report narrative-template`` writes it into every file).
"""

from __future__ import annotations

import difflib
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pcc_report import front_matter, placeholders, prose
from pcc_report.errors import NarrativeRefused

#: In every file the template writes; ``--final`` refuses a file that still holds it.
TEMPLATE_MARKER = "(template text: replace it before the final report)"
SUMMARY = "summary.md"
PART3 = "part3.md"
PART1 = "part1"
#: What a draft shows where a piece is missing.
MISSING_TITLE = "Narrative not yet written"
#: Where the report folder keeps its copy of the narrative (self-contained, hashed).
REPORT_FOLDER = "data/narrative"
#: Files the loader reads but that are not part of the book (the template's guide).
GUIDE = "README.md"


def default_dir(force: str, quarter: str) -> Path:
    """``narrative/<force>/<quarter>`` in the working folder (used when it exists)."""
    return Path("narrative") / force / str(quarter)


def part1_name(priority_id: str) -> str:
    return f"{PART1}/{priority_id}.md"


@dataclass(frozen=True)
class Piece:
    """One narrative file the book places: its path in the folder and its text (if written)."""

    relative: str
    required: bool
    text: str | None = None

    @property
    def written(self) -> bool:
        return self.text is not None


@dataclass
class Narrative:
    """The checked narrative of one report (no folder: every piece missing, defaults)."""

    folder: Path | None
    pieces: dict[str, Piece]
    front_sheet: front_matter.FrontSheetFields = field(
        default_factory=front_matter.FrontSheetFields)

    @property
    def sources(self) -> list[Path]:
        """Every file the report depends on, in a stable order (for the copy and manifest)."""
        if self.folder is None:
            return []
        names = [p.relative for p in self.pieces.values() if p.written]
        if (self.folder / front_matter.FILE_NAME).is_file():
            names.append(front_matter.FILE_NAME)
        return [self.folder / name for name in sorted(names)]

    def meeting(self, override: str | None) -> str | None:
        """The meeting date: ``--meeting`` if given, else the front sheet's."""
        return override or self.front_sheet.meeting_date

    def final_problems(self) -> list[str]:
        """Why this narrative cannot go into a final report ([] when it can)."""
        problems = [f"{p.relative} is missing" for p in self.pieces.values()
                    if p.required and not p.written]
        for path in self.sources:
            if TEMPLATE_MARKER in path.read_text(encoding="utf-8"):
                problems.append(f"{path.relative_to(self.folder).as_posix()} still holds the "
                                f"template text {TEMPLATE_MARKER!r}")
        return problems

    def copy_to(self, data_dir: Path) -> None:
        """Copy the sources into ``<report>/data/narrative`` (same relative paths)."""
        for path in self.sources:
            target = Path(data_dir) / "narrative" / path.relative_to(self.folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def expected(priority_ids: Iterable[str]) -> list[Piece]:
    """The pieces of a report of this plan, in book order, without text."""
    return [Piece(SUMMARY, False), *(Piece(part1_name(p), True) for p in priority_ids),
            Piece(PART3, True)]


def _refuse(folder: Path, relative: str, line: int, message: str) -> NarrativeRefused:
    where = f"{folder / relative}" + (f" line {line}" if line else "")
    return NarrativeRefused(f"narrative {where}: {message}; nothing was built")


def _unexpected(folder: Path, wanted: set[str]) -> None:
    """A file the build would not place is a mistake (a misspelt priority id or file name)."""
    allowed = wanted | {front_matter.FILE_NAME, GUIDE}
    for path in sorted(folder.rglob("*")):
        if path.is_dir() or path.name.startswith("."):
            continue
        relative = path.relative_to(folder).as_posix()
        if relative not in allowed:
            close = difflib.get_close_matches(relative, sorted(allowed), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise _refuse(folder, relative, 0,
                          f"not a narrative file of this report{hint} (expected: "
                          f"{', '.join(sorted(wanted))}, {front_matter.FILE_NAME})")


def check_text(text: str, measure_ids: Iterable[str]) -> None:
    """Raise ``MarkupProblem``/``PlaceholderProblem`` at the first problem of one piece."""
    prose.check(text)
    prose.to_page_level(text)
    placeholders.check(placeholders.find(text), measure_ids)


def load(folder: Path | None, priority_ids: Iterable[str], measure_ids: Iterable[str]
         ) -> Narrative:
    """Read and check the narrative folder; raise :class:`NarrativeRefused` at a problem."""
    pieces = expected(priority_ids)
    if folder is None:
        return Narrative(None, {p.relative: p for p in pieces})
    folder = Path(folder)
    if not folder.is_dir():
        raise NarrativeRefused(f"narrative folder not found: {folder}; nothing was built")
    _unexpected(folder, {p.relative for p in pieces})
    ids = list(measure_ids)
    loaded = {}
    for piece in pieces:
        path = folder / piece.relative
        text = None
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise _refuse(folder, piece.relative, 0, f"not UTF-8 text ({exc})") from exc
            try:
                check_text(text, ids)
            except (prose.MarkupProblem, placeholders.PlaceholderProblem) as exc:
                raise _refuse(folder, piece.relative, exc.line, str(exc)) from exc
        loaded[piece.relative] = Piece(piece.relative, piece.required, text)
    try:
        sheet = front_matter.read(folder / front_matter.FILE_NAME)
    except front_matter.FrontSheetProblem as exc:
        raise _refuse(folder, front_matter.FILE_NAME, exc.line, str(exc)) from exc
    return Narrative(folder, loaded, sheet)


def refuse_unless_final(narrative: Narrative) -> None:
    """``--final``: raise :class:`NarrativeRefused` listing every missing or template piece."""
    problems = narrative.final_problems()
    if problems:
        where = narrative.folder or "(no narrative folder: give --narrative DIR)"
        raise NarrativeRefused(
            f"--final: the narrative in {where} is not finished: " + "; ".join(problems)
            + "; nothing was built (build a draft, or finish the files)")


def rendered(piece: Piece, assessments: list, edition: str, withheld: Iterable[str]) -> str:
    """A written piece as the page's Markdown: headings at the page's level, numbers filled."""
    text = prose.to_page_level(piece.text or "")
    return placeholders.substitute(text, assessments, edition, withheld)
