"""Numbers in the analyst's prose: ``{{ measure.field }}`` placeholders, checked and resolved.

Why: a figure typed by hand into the narrative can disagree with the table beside it (a late
return, a corrected month). So the prose never holds a number: it names one, and the build
writes it from the very objects the tables print (:mod:`pcc_report.measures` assessments
worded by :mod:`pcc_report.tables`), so the sentence and the table cannot differ.

Vocabulary (:data:`FIELDS`): ``{{ burglary.latest_12 }}`` is the figure of measure ``burglary``
over a window as the tables print it ("1,536"; "87.4%"; "110 (incomplete data: 1 of 12 months
missing)"), for every window the tables show (:data:`WINDOW_FIELDS`); ``.change`` is the change
of the latest 12 months on the previous 12 ("down 2.3% (36)" for counts, "+1.3 pp" for
percentages, as the comparisons table words it otherwise); ``.rating`` the Part 2 rating
with its arrow ("Green ↓ (no significant change)"); ``.spc`` the SPC reading
("Common cause variation").

Checking (names against the catalogue, before any section runs) and resolving (per edition,
after the sections ran) are separate, so a misspelt name stops the build at once and a
restricted measure is resolved only by the edition allowed to show it: the public edition
writes :func:`withheld_wording` instead (never a restricted figure).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pcc_report import narrative, tables
from pcc_report.measures import MeasureAssessment
from pcc_report.periods import ASSESSMENT_WINDOWS

#: Window fields: each window a measure is assessed over (the tables show every one).
WINDOW_FIELDS: tuple[str, ...] = ASSESSMENT_WINDOWS
#: Every field a placeholder may name, with what it is (the README and template show these).
FIELDS: dict[str, str] = {
    **{w: f"the figure over the window {w}, as the tables print it" for w in WINDOW_FIELDS},
    "change": "the latest 12 months against the previous 12, e.g. 'down 2.3% (36)'",
    "rating": "the Part 2 rating with its arrow, e.g. 'Green ↓ (no significant change)'",
    "spc": "the SPC variation reading, e.g. 'Common cause variation'",
}

#: A well-formed placeholder: ``{{ measure-id.field }}`` (spaces inside the braces optional).
PLACEHOLDER = re.compile(r"\{\{\s*([a-z0-9][a-z0-9-]*)\.([a-z0-9_]+)\s*\}\}")
#: Anything that opens or closes like one: checked so a typo is never printed as it stands.
_BRACES = re.compile(r"\{\{|\}\}")
_MAIN = "latest_12_vs_previous_12"


@dataclass(frozen=True)
class Placeholder:
    """One placeholder found in a file: where it is and what it names."""

    line: int
    text: str
    measure: str
    field: str


class PlaceholderProblem(ValueError):
    """A placeholder that cannot be resolved; ``line`` is 1-based, ``str()`` the reason."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def find(text: str) -> list[Placeholder]:
    """Every placeholder in ``text``; raise :class:`PlaceholderProblem` at a malformed one.

    A ``{{`` or ``}}`` that is not part of a well-formed placeholder is malformed (a missing
    brace, a space in a name, capitals), so it is never printed as it stands.
    """
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        matched = list(PLACEHOLDER.finditer(line))
        rest = PLACEHOLDER.sub("", line)
        stray = _BRACES.search(rest)
        if stray:
            raise PlaceholderProblem(
                number,
                f"malformed placeholder near {rest[max(0, stray.start() - 10):stray.end() + 20]!r}"
                " (write {{ measure-id.field }}, e.g. {{ burglary.latest_12 }})",
            )
        found += [Placeholder(number, m.group(0), m.group(1), m.group(2)) for m in matched]
    return found


def _suggest(name: str, valid: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def check(found: Iterable[Placeholder], measure_ids: Iterable[str]) -> None:
    """Raise :class:`PlaceholderProblem` at the first unknown measure or field."""
    ids = list(measure_ids)
    for p in found:
        if p.measure not in ids:
            raise PlaceholderProblem(
                p.line, f"unknown measure {p.measure!r}{_suggest(p.measure, ids)} (in {p.text}; "
                "measure ids are those of config/measures.yml)")
        if p.field not in FIELDS:
            raise PlaceholderProblem(
                p.line, f"unknown window or field {p.field!r}{_suggest(p.field, FIELDS)} "
                f"(in {p.text}; fields: {', '.join(FIELDS)})")


def withheld_wording(edition: str) -> str:
    """What a withheld measure's placeholder writes in an edition that may not show it."""
    return f"withheld from the {edition} edition"


def change_words(assessment: MeasureAssessment) -> str:
    """The change of the latest 12 months on the previous 12, in the sentences' own words.

    Counts take the headline phrase (:func:`pcc_report.narrative.change_phrase`, "down 2.3%
    (36)"); other units and partial totals take the comparisons table's cell
    (:func:`pcc_report.tables.format_change`), which marks incomplete data.
    """
    m, comparison = assessment.measure, assessment.comparisons[_MAIN]
    latest, previous = comparison.current, comparison.comparator
    if comparison.change is None:
        return tables.NOT_AVAILABLE
    if m.unit == "count" and not comparison.incomplete:
        return narrative.change_phrase(round(latest.value), round(previous.value))
    return tables.format_change(m, comparison)


def value(assessment: MeasureAssessment, field: str) -> str:
    """The text of one field of one assessed measure, from the tables' own wording."""
    m = assessment.measure
    if field in WINDOW_FIELDS:
        return tables.format_window(m, assessment.windows[field])
    if field == "change":
        return change_words(assessment)
    if field == "rating":
        return tables.format_rating(assessment.comparisons[_MAIN])
    if field == "spc":
        return tables.format_spc(assessment.spc)
    raise KeyError(field)


def escape_markdown(text: str) -> str:
    """Backslash every ASCII punctuation mark so a value is read as plain text, never markup."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def substitute(text: str, assessments: Iterable[MeasureAssessment], edition: str,
               withheld: Iterable[str] = ()) -> str:
    """``text`` (already :func:`check`-ed) with every placeholder written as plain text.

    ``assessments`` are the edition's (:func:`pcc_report.measures.assess_all`); a measure in
    ``withheld`` is written as :func:`withheld_wording`, never looked up.
    """
    by_id: Mapping[str, MeasureAssessment] = {a.measure.id: a for a in assessments}
    hidden = set(withheld)

    def one(match: re.Match) -> str:
        measure, field = match.group(1), match.group(2)
        if measure in hidden or measure not in by_id:
            return escape_markdown(withheld_wording(edition))
        return escape_markdown(value(by_id[measure], field))

    return PLACEHOLDER.sub(one, text)
