"""The front sheet of one meeting's paper: ``front-sheet.yml`` in the narrative folder.

Why: the front sheet names the meeting (date, agenda item), who reports and who to contact,
the purpose and recommendation; these change per meeting while the force's configuration
(``config/forces/<force>.yml``) holds what stays the same, which is the default of every
field here. The file is data, checked like an input: an unknown key is an error naming the
file and line with the closest valid key, a value that is not text is an error, so a typo
never silently leaves a default on the paper.

``--meeting`` still overrides the meeting date (it is a run parameter every section gets).
The front sheet section reads this file (``data/narrative/front-sheet.yml`` in the report
folder, a declared input in :mod:`pcc_report.sections`), so editing it re-runs that one
section, not the others; the prose files re-run none.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

FILE_NAME = "front-sheet.yml"


@dataclass(frozen=True)
class FrontSheetFields:
    """What one meeting's front sheet says; ``None`` takes the default (force file, quarter)."""

    meeting_date: str | None = None
    agenda_item: str | None = None
    report_of: str | None = None
    subject: str | None = None
    author: str | None = None
    contact: str | None = None
    purpose: str | None = None
    recommendation: str | None = None
    period_covered: str | None = None
    publication_status: str | None = None


#: Every key the file may hold, with what it is (the template writes these as comments).
KEYS: dict[str, str] = {
    "meeting_date": "date of the panel meeting, e.g. 12 December 2022 (--meeting overrides it)",
    "agenda_item": "the item's number on the agenda, e.g. 7",
    "report_of": "who presents the report (default: the force file's report_of)",
    "subject": "the paper's subject (default: the plan's performance monitoring report, quarter)",
    "author": "author's name and role (default: the force file's author)",
    "contact": "contact for further information (default: the force file's contact)",
    "purpose": "the purpose of the report (default: to update the Panel on performance)",
    "recommendation": "what the Panel is asked to do (default: the force file's)",
    "period_covered": "the period the report covers (default: from the quarter)",
    "publication_status": "the public edition's, e.g. 'Open: for publication' (the default); "
                          "the restricted edition always says it is restricted",
}
assert set(KEYS) == {f.name for f in fields(FrontSheetFields)}


def publication_status(edition: str, sheet: FrontSheetFields | None = None) -> str:
    """The publication status an edition's front sheet prints: the file's in the public
    edition (default "Open: for publication"); the restricted edition always says it is
    restricted, whatever the file says, so it is never taken for the open paper."""
    if edition == "public":
        given = sheet.publication_status if sheet is not None else None
        return given or "Open: for publication"
    return "Restricted: not for publication (Panel members and officers only)"


class FrontSheetProblem(ValueError):
    """``front-sheet.yml`` cannot be used; ``line`` is 1-based (0 when not known)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def _text(key: str, value: object, line: int) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FrontSheetProblem(line, f"{key} must be text, not {type(value).__name__}")
    text = str(value).strip()
    if not text:
        raise FrontSheetProblem(line, f"{key} is empty (leave it out to take the default)")
    return text


def parse(text: str) -> FrontSheetFields:
    """The fields of a ``front-sheet.yml`` text; raise :class:`FrontSheetProblem`."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FrontSheetProblem(mark.line + 1 if mark else 0, f"not valid YAML ({exc})") from exc
    if data is None:
        return FrontSheetFields()
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise FrontSheetProblem(1, "expected keys and values (key: value), one a line")
    lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    values = {}
    for key, value in data.items():
        line = lines.get(str(key), 0)
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), list(KEYS), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else f" (keys: {', '.join(KEYS)})"
            raise FrontSheetProblem(line, f"unknown key {key!r}{hint}")
        values[key] = _text(key, value, line)
    return FrontSheetFields(**values)


def read(path: Path) -> FrontSheetFields:
    """The fields of the file at ``path``; every default when there is none."""
    path = Path(path)
    if not path.is_file():
        return FrontSheetFields()
    return parse(path.read_text(encoding="utf-8"))


def template(marker: str) -> str:
    """The skeleton ``front-sheet.yml``: every key as a comment, the meeting date to fill in."""
    lines = [
        f"# Front sheet of this meeting's paper {marker}",
        "# Every key is optional: a key left out takes the default from the force's",
        "# configuration (config/forces/<force>.yml) or the quarter. Remove the first line",
        "# once the values are right.",
    ]
    for key, meaning in KEYS.items():
        lines.append(f"# {key}: {meaning}")
    lines += ["meeting_date: null", "agenda_item: null", ""]
    return "\n".join(lines)
