"""What the main paper shows, and what it leaves to the appendices.

Why: the panel reads the main paper (front sheet to the last main part) at the meeting, so it
must be short: on the demonstration quarter under about 20 pages, as the papers in
``../shared/seeds/`` are short with their detail appended. A priority's page keeps its
verdicts, its summary, its crime types, its key measures table and the SPC charts of the
measures with a current signal; its appendix (the ``comparisons`` sections of
:data:`pcc_report.sections.REGISTRY`, ``comparisons-<priority id>``) holds every comparison
period, each measure's figures in words, the district breakdowns, the monthly trend by crime
type and the other SPC charts. The split is decided here, once, so that a chart is drawn on
exactly one of the two and each main page names the appendix that holds its detail.
"""

from __future__ import annotations

from string import ascii_uppercase

from pcc_report.config import ForceConfig, Priority
from pcc_report.measures import MeasureAssessment
from pcc_report.sections import REGISTRY
from pcc_report.spc import latest_reading

#: The readings of a measure's last three points that put its SPC chart on the main page.
SIGNALS = ("special cause concern", "special cause improvement", "mixed")
#: The registry section that holds a priority's detail (one per priority).
DETAIL = "comparisons"


def has_current_signal(assessment: MeasureAssessment) -> bool:
    """The last three points of the measure's SPC chart show special cause variation."""
    return bool(assessment.spc.points) and latest_reading(assessment.spc) in SIGNALS


def charted_on_page(assessments: list[MeasureAssessment]) -> list[MeasureAssessment]:
    """The measures whose SPC chart the priority page shows (a current signal)."""
    return [a for a in assessments if has_current_signal(a)]


def charted_in_appendix(assessments: list[MeasureAssessment]) -> list[MeasureAssessment]:
    """Every other measure: its chart (or its note that there is nothing to chart) is in the
    priority's appendix."""
    return [a for a in assessments if not has_current_signal(a)]


def appendix_letters(force: ForceConfig) -> dict[str, str]:
    """The letter of each appendix section, by section name, in the book's order (the
    registry's appendix entries; the PDF letters its appendix chapters A, B, ... in that
    order, ``book/latex/preamble.tex``)."""
    names = []
    for spec in REGISTRY:
        if spec.part != "appendix":
            continue
        if spec.per_priority:
            names += [f"{spec.name}-{p.id}" for p in force.priorities]
        else:
            names.append(spec.name)
    return {name: ascii_uppercase[i] for i, name in enumerate(names[: len(ascii_uppercase)])}


def appendix_name(force: ForceConfig, section: str) -> str:
    """E.g. "Appendix C" for a section name; "the appendices" if it has no letter."""
    letter = appendix_letters(force).get(section)
    return f"Appendix {letter}" if letter else "the appendices"


def detail_reference(force: ForceConfig, priority: Priority) -> str:
    """The priority page's one line naming its appendix."""
    return (f"{appendix_name(force, f'{DETAIL}-{priority.id}')} gives every comparison period "
            "for each measure of this priority, each measure's figures, the district "
            "breakdowns, the monthly trend by crime type and the other SPC charts.")


def charts_notes(force: ForceConfig, priority: Priority,
                 assessments: list[MeasureAssessment]) -> list[str]:
    """Which SPC charts the priority page shows, and where the others are (nothing to say
    for a priority without measures)."""
    shown, other = charted_on_page(assessments), charted_in_appendix(assessments)
    where = appendix_name(force, f"{DETAIL}-{priority.id}")
    if not assessments:
        return []
    if not shown:
        return [f"No measure of this priority shows special cause variation in its last three "
                f"months; the SPC charts are in {where}."]
    verb, follows = (("shows", "its SPC chart follows") if len(shown) == 1
                     else ("show", "their SPC charts follow"))
    lead = (f"{_count(shown)} of this priority {verb} special cause variation in the last "
            f"three months; {follows}.")
    if other:
        lead += f" The charts of the other {_count(other)} are in {where}."
    return [lead]


def detail_intro(priority: Priority) -> str:
    """The first line of a priority's appendix."""
    return (f"The detail behind the page for the priority {priority.title}: each measure's "
            "figures, the district breakdowns, the monthly trend by crime type, the SPC charts "
            "not shown on that page, and every comparison period for each measure.")


def crime_detail_reference(force: ForceConfig) -> str:
    """The recorded-crime page's line naming the district and outcome appendices."""
    return (f"{appendix_name(force, 'districts')} gives recorded crime by district and "
            f"{appendix_name(force, 'outcomes')} the outcomes of recorded crimes.")


def _count(assessments: list[MeasureAssessment]) -> str:
    return f"{len(assessments)} measure{'' if len(assessments) == 1 else 's'}"
