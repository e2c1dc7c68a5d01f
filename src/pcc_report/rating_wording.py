"""The words of ratings, verdicts and SPC charts: what each rule decided, and why.

Why: a rating, a verdict or a marked point on a chart is only useful if the text says which
rule produced it. These sentences state the results of :mod:`pcc_report.ratings`,
:mod:`pcc_report.verdicts` and :mod:`pcc_report.spc` and compute nothing of their own:
which rule rated a measure and its tolerance (Part 2 notes), how many significance tests
the report makes (method notes), the verdict a councillor can repeat (priority pages and
dashboard), and which points a chart marks, by which rule, and where its limits were
recalculated and why (captions and alt text).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from pcc_report.catalogue import POLICE_UK, Measure
from pcc_report.measures import MeasureAssessment
from pcc_report.periods import Month
from pcc_report.police_uk import ANTI_SOCIAL_BEHAVIOUR
from pcc_report.ratings import LEVEL, SIGNIFICANCE, SIMPLE, change_test, false_alarms
from pcc_report.spc import RUN_LENGTH, SpcResult, marked_points
from pcc_report.verdicts import (
    BASELINE,
    COMPARATORS_DIFFER,
    MAIN,
    PERIODS_DIFFER,
    QUARTER,
    RECENT_POINTS,
    Verdict,
    differs,
)

STATUS_WORDS: dict[str, str] = {
    "improvement": "improving",
    "concern": "a concern",
    "mixed": "mixed signals",
    "no significant change": "no significant change",
    "not rated": "not rated (no preferred direction)",
    "not available": "no data available",
}
COMPARATOR_WORDS: dict[str, str] = {
    MAIN: "the previous 12 months",
    BASELINE: "the baseline year",
    QUARTER: "the same quarter last year",
}
_RULE_SIDES: dict[tuple[int, str], str] = {
    (1, "high"): "above the upper process limit",
    (1, "low"): "below the lower process limit",
    (2, "high"): f"in a run of {RUN_LENGTH} or more above the centre line",
    (2, "low"): f"in a run of {RUN_LENGTH} or more below the centre line",
    (3, "high"): f"in a rising trend of {RUN_LENGTH} or more points",
    (3, "low"): f"in a falling trend of {RUN_LENGTH} or more points",
    (4, "high"): "two of three beyond the upper 2-sigma limit",
    (4, "low"): "two of three beyond the lower 2-sigma limit",
}
_LISTED_POINTS = 6  # more marked points than this are given as a span


def join(items: Iterable[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# ----- ratings ---------------------------------------------------------------------------


def tolerance_text(assessment: MeasureAssessment) -> str:
    """"5% of the comparator" / "2 percentage points" / "none (not rated)"."""
    m = assessment.measure
    if m.polarity == "neutral":
        return "none (not rated)"
    if m.tolerance_kind == "points":
        return f"{m.tolerance:g} percentage points"
    return f"{m.tolerance * 100:g}% of the comparator"


def rule_note(assessment: MeasureAssessment) -> str:
    """Which rule rated a measure, with its test and its tolerance (a Part 2 note)."""
    m = assessment.measure
    rating = assessment.comparisons[MAIN].rating
    test = assessment.comparisons[MAIN].significance
    if m.polarity == "neutral":
        return f"{m.title}: not rated (no preferred direction); direction of change only."
    tolerance = tolerance_text(assessment)
    if rating.rule == SIMPLE and (m.rating == SIMPLE or test is not None):
        how = "the simple rule (at or better than the comparator is Green)"
    elif rating.rule == SIMPLE or test is None:
        kind = "a snapshot" if m.unit == "snapshot" else "a mean"
        how = f"the simple rule, as {kind} has no significance test"
    else:
        how = f"significance at {LEVEL:.0%} ({test.test})"
    return f"{m.title}: rated on {how}; tolerance {tolerance}."


def rule_notes(assessments: Iterable[MeasureAssessment]) -> list[str]:
    """:func:`rule_note` grouped: one note per rule and tolerance, naming its measures."""
    groups: dict[str, list[str]] = {}
    for a in assessments:
        note = rule_note(a)
        how = note[len(a.measure.title) + 2 :]
        groups.setdefault(how, []).append(a.measure.title)
    return [f"{join(titles)}: {how}" for how, titles in groups.items()]


def tests_made(assessments: Iterable[MeasureAssessment], comparisons: Iterable[str]) -> int:
    """How many significance tests the shown comparisons of these measures make."""
    keys = list(comparisons)
    return sum(
        1
        for a in assessments
        for key in keys
        if a.comparisons[key].significance is not None
        and a.comparisons[key].significance.p_value is not None
    )


def false_alarm_note(tests: int) -> str:
    """The method note on how many tests the report makes and what that means."""
    expected, chance = false_alarms(tests)
    return (
        f"This report makes {tests} significance tests at {LEVEL:.0%}. Each has a "
        f"{1 - LEVEL:.0%} chance of calling a change significant when nothing has really "
        f"changed, so about {expected:.1f} of them could be false alarms by chance alone (the "
        f"chance of at least one is {'over 99%' if chance > 0.99 else f'{chance:.0%}'}). Read "
        "a single significant change with this in mind, and give more weight to changes that "
        "the SPC charts also show."
    )


def counts_test_example() -> str:
    """The worked example of the counts test, computed (robbery 256 -> 279)."""
    test = change_test("count", "lower_is_better", (279, None), (256, None))
    return (
        f"For example, 256 robberies becoming 279 is a 9% rise, but for counts that size the "
        f"exact test gives p = {test.p_value:.2f}: {test.classification}, rated Green."
    )


# ----- verdicts --------------------------------------------------------------------------


def _comparison_phrase(assessment: MeasureAssessment, key: str, reading: str) -> str:
    rating = assessment.comparisons[key].rating
    against = COMPARATOR_WORDS[key]
    if rating.direction == "no change":
        return f"the same as {against}"
    way = "higher" if rating.direction == "up" else "lower"
    if reading == "no significant change":
        return f"{way} than {against}, but not significantly"
    if rating.rule == SIGNIFICANCE:
        return f"{way} than {against} (statistically significant)"
    return f"{way} than {against}"


_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _spc_phrase(spc: str) -> str:
    recent = f"the last {_NUMBERS.get(RECENT_POINTS, RECENT_POINTS)} months"
    return {
        "special cause concern": f"{recent} show special cause concern",
        "special cause improvement": f"{recent} show special cause improvement",
        "mixed": f"{recent} show both special cause concern and improvement",
        "common cause": "the monthly figures show only common cause variation",
    }.get(spc, "")


def _target_phrase(assessment: MeasureAssessment, target: str | None) -> str:
    m = assessment.measure
    if m.target is None or target is None:
        return ""
    value = f"{m.target:.0f}%" if m.unit == "percentage" else f"{m.target:,g}"
    return {
        "consistently passes": f"it consistently meets its target of {value}",
        "consistently fails": f"it consistently fails its target of {value}",
        "inconsistent (hit and miss)": f"it meets its target of {value} only some months",
    }[target]


def verdict_sentence(assessment: MeasureAssessment, verdict: Verdict) -> str:
    """The verdict as one statement, with the reason when two views differ.

    E.g. "Vehicle crime: a concern. Lower than the previous 12 months (statistically
    significant), but the last 3 months show special cause concern: the comparison is of
    whole years, the SPC reading of the latest months."
    """
    m = assessment.measure
    head = f"{m.title}: {STATUS_WORDS[verdict.status]}."
    if verdict.status == "not available":
        return head
    if verdict.status == "not rated":
        direction = assessment.comparisons[MAIN].rating.direction
        words = {"up": "up on", "down": "down on", "no change": "unchanged on"}
        return head + (
            f" {words[direction].capitalize()} the previous 12 months." if direction else ""
        )
    main = _comparison_phrase(assessment, MAIN, verdict.readings[MAIN])
    if verdict.readings[MAIN] == "not available":
        main = "no comparison with the previous 12 months is available"
    parts = [main]
    if COMPARATORS_DIFFER in verdict.differences:
        for key in (BASELINE, QUARTER):
            if differs(verdict.readings[MAIN], verdict.readings[key]):
                parts.append(_comparison_phrase(assessment, key, verdict.readings[key]))
    spc = _spc_phrase(verdict.spc)
    target = _target_phrase(assessment, verdict.target)
    text = "; ".join(parts)
    if spc:
        text += (", but " if PERIODS_DIFFER in verdict.differences else "; ") + spc
    if target:
        text += "; " + target
    text = head + " " + text[0].upper() + text[1:] + "."
    reasons = []
    if COMPARATORS_DIFFER in verdict.differences:
        reasons.append(
            "the comparisons differ because they compare with different periods (the "
            "previous 12 months, the baseline year, the same quarter last year)"
        )
    if PERIODS_DIFFER in verdict.differences:
        reasons.append(
            "the 12-month comparison and the SPC reading differ because they cover different "
            "periods: a whole year's total against the pattern of the last "
            f"{_NUMBERS.get(RECENT_POINTS, RECENT_POINTS)} months"
        )
    if reasons:
        text += " " + join(reasons).capitalize() + "."
    return text


def exception_sentence(assessment: MeasureAssessment, verdict: Verdict) -> str:
    """Why a measure is an exception (:func:`pcc_report.verdicts.exception_reasons`), one line.

    E.g. "Higher than the previous 12 months (statistically significant, rated Red); the last
    three months show special cause concern."
    """
    parts = []
    for reason in verdict.exception_reasons:
        if reason in COMPARATOR_WORDS:
            phrase = _comparison_phrase(assessment, reason, verdict.readings[reason])
            rag = assessment.comparisons[reason].rating.rag
            phrase = (phrase[:-1] + f", rated {rag})" if phrase.endswith(")")
                      else phrase + f" (rated {rag})")  # fmt: skip
        elif reason == "spc":
            phrase = _spc_phrase(verdict.spc)
        else:
            phrase = _target_phrase(assessment, verdict.target)
        parts.append(phrase)
    if not parts:
        return ""
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


# ----- SPC captions and alt text ---------------------------------------------------------


def _month(label: Hashable) -> str:
    try:
        return Month.parse(str(label)).name
    except ValueError:
        return str(label)


def points_phrase(labels: tuple[Hashable, ...]) -> str:
    """"May, June and July 2022"; a long list as "9 points from May 2021 to January 2022"."""
    if len(labels) > _LISTED_POINTS:
        return f"from {_month(labels[0])} to {_month(labels[-1])}"
    names = [_month(label).split(" ") for label in labels]
    if all(len(n) == 2 for n in names):
        by_year: dict[str, list[str]] = {}
        for month, year in names:
            by_year.setdefault(year, []).append(month)
        if len(by_year) == 1:
            ((year, months),) = by_year.items()
            return f"{join(months)} {year}"
    return join(_month(label) for label in labels)


def marked_sentences(result: SpcResult) -> list[str]:
    """"3 points above the upper process limit: May, June and July 2022", per rule."""
    sentences = []
    for rule, side, labels in marked_points(result):
        count = f"{len(labels)} point{'s' if len(labels) != 1 else ''}"
        sentences.append(f"{count} {_RULE_SIDES[(rule, side)]}: {points_phrase(labels)}")
    return sentences


def recalculation_sentence(result: SpcResult) -> str:
    """Where and why the limits were recalculated ("" when they were not)."""
    later = result.segments[1:]
    if not later:
        return ""
    if result.chart_type == "run":
        return (
            "Centre line recalculated from "
            + join(f"{_month(s.first)} ({s.reason})" for s in later)
            + "; each period has its own median, and the rules run within it."
        )
    return (
        "Limits recalculated from "
        + join(f"{_month(s.first)} ({s.reason})" for s in later)
        + "; each period has its own centre line and limits, and the rules run within it."
    )


def chart_kind(result: SpcResult) -> str:
    return {
        "xmr": "XmR (statistical process control) chart",
        "p": "p' chart (statistical process control, limits from each month's denominator)",
        "run": "Run chart",
    }[result.chart_type]


def spc_caption(assessment: MeasureAssessment, reading: str) -> str:
    """The caption: the reading, the marked points and the rule each broke, recalculations."""
    result = assessment.spc
    marked = marked_sentences(result)
    text = f"{assessment.measure.title}: {reading}."
    if result.chart_type != "run" or marked:
        text += " " + ("; ".join(marked) + "." if marked else "No points marked.")
    recalculated = recalculation_sentence(result)
    return text + (" " + recalculated if recalculated else "")


def axis_label(measure: Measure) -> str:
    """What a measure's chart counts, for its y-axis: "Recorded crimes per month"."""
    period = "quarter" if measure.quarterly else "month"
    if measure.unit == "percentage":
        of = "calls offered" if measure.denominator == "offered" else measure.denominator
        return f"Per cent of {(of or 'cases').replace('_', ' ')}"
    if measure.source == POLICE_UK:
        if measure.crime_types == (ANTI_SOCIAL_BEHAVIOUR,):
            return f"ASB incidents per {period}"
        return f"Recorded crimes per {period}"
    what = (measure.value or "value").replace("_", " ")
    if measure.unit == "snapshot":
        return f"{what.capitalize()} at month end"
    if measure.unit == "mean":
        return what.capitalize()
    return f"{what.capitalize()} per {period}"
