"""The performance tables and the words they print: what a reader of the book sees.

Why: the Part 2 table (Lancashire layout), the dashboard (Leicestershire layout), the
comparison tables of the priority pages and the definitions appendix all print the figures
of :mod:`pcc_report.measures`; keeping their wording here, apart from the computation,
means the same figure is written the same way everywhere ("87.4%", "Green ↓",
"110 (incomplete data: 1 of 12 months missing)") and the sentences of
:mod:`pcc_report.narrative` can reuse it. Every table also has a ``raw=True`` form with the
same rows as numbers and codes, for the CSV audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from pcc_report.catalogue import (
    POLARITY_WORDS,
    SOURCE_WORDS,
    UNIT_WORDS,
    Measure,
    in_edition,
    plan_priorities,
)
from pcc_report.measures import Assessments, Comparison, MeasureAssessment, WindowValue
from pcc_report.periods import Window
from pcc_report.ratings import SIGNIFICANCE, is_missing
from pcc_report.spc import NEUTRAL_VARIATION, RUN_CHART_NOTE, SpcResult
from pcc_report.verdicts import verdict

NOT_AVAILABLE = "not available"
INCOMPLETE = "incomplete data"
# A verdict's status as a table cell (the sentences are pcc_report.rating_wording's).
VERDICT_WORDS: dict[str, str] = {
    "improvement": "Improving",
    "concern": "Concern",
    "mixed": "Mixed signals",
    "no significant change": "No significant change",
    "not rated": "Not rated",
    "not available": "Not available",
}


def withheld_statement(assessments: Assessments) -> str:
    """E.g. "2 measures are withheld from the public edition." ("" when none)."""
    n = len(assessments.withheld)
    if not n:
        return ""
    noun, verb = ("measure", "is") if n == 1 else ("measures", "are")
    return f"{n} {noun} {verb} withheld from the {assessments.edition} edition."


def format_value(measure: Measure, value: float | None) -> str:
    """A figure as printed: 12,345 or 87.4%. FTE snapshots are shown to the whole number, as
    panels print them; the raw tables keep the decimals."""
    if is_missing(value):
        return NOT_AVAILABLE
    if measure.unit == "percentage":
        return f"{value:.1f}%"
    if measure.unit == "mean":
        return f"{value:,.1f}"
    return f"{round(value):,}"


def format_window(measure: Measure, wv: WindowValue) -> str:
    """A window's figure, with "incomplete data" and how much is missing when it applies."""
    text = format_value(measure, wv.value)
    if wv.status == "incomplete":
        points = "quarters" if measure.quarterly else "months"
        gap = len(wv.missing)
        text += f" ({INCOMPLETE}: {gap} of {wv.months_expected} {points} missing)"
    return text


def format_rating(comparison: Comparison) -> str:
    """RAG word and arrow, never colour alone: "Green ↓", "Green ↑ (no significant change)".

    A rating by the significance rule says what the test found; one by the simple rule
    does not (its meaning is the plain key's, stated in the notes).
    """
    rating = comparison.rating
    if rating.rag == "Not available":
        incomplete = comparison.current.available and comparison.comparator.available
        return f"{NOT_AVAILABLE} ({INCOMPLETE})" if incomplete else NOT_AVAILABLE
    text = f"{rating.rag} {rating.arrow}"
    if rating.rule == SIGNIFICANCE and comparison.significance is not None:
        text += f" ({comparison.significance.classification})"
    if comparison.incomplete:
        text += f" ({INCOMPLETE})"
    return text


def format_change(measure: Measure, comparison: Comparison) -> str:
    """% variance for counts and snapshots ("-4.2%"), points for percentages ("+1.3 pp")."""
    if comparison.change is None:
        return NOT_AVAILABLE
    if measure.unit == "percentage":
        text = f"{comparison.change:+.1f} pp"
    elif comparison.pct_change is None:
        text = f"{comparison.change:+,.0f} (no % change: comparator is zero)"
    else:
        text = f"{comparison.pct_change:+.1f}%"
    return text + (f" ({INCOMPLETE})" if comparison.incomplete else "")


def plan_ordered(
    assessments: Iterable[MeasureAssessment], priorities: Mapping[str, str] | None
) -> tuple[list[MeasureAssessment], dict[str, str]]:
    """The assessments grouped by plan priority (plan order, then catalogue order), and the
    priorities' titles: every table grouped by priority lists its groups in this order."""
    titles = dict(plan_priorities() if priorities is None else priorities)
    rank = {pid: i for i, pid in enumerate(titles)}
    items = list(assessments)
    items.sort(key=lambda a: rank.get(a.measure.priority, len(rank)))  # stable: catalogue order
    return items, titles


def _window(items: list[MeasureAssessment], key: str) -> Window | None:
    """The window behind a column: the same for every measure of one report."""
    return next((a.windows[key].window for a in items if a.windows[key].window), None)


def _spanned(title: str, window: Window | None) -> str:
    """A column header naming its months: "Latest 12 months (October 2021 to September 2022)"."""
    return f"{title} ({window.span})" if window else title


def part2_table(
    assessments: Iterable[MeasureAssessment],
    *,
    priorities: Mapping[str, str] | None = None,
    raw: bool = False,
) -> pd.DataFrame:
    """The Lancashire Part 2 table, grouped by plan priority (plan order, then catalogue).

    Display strings by default; ``raw=True`` gives the same rows as numbers and codes for the
    CSV audit trail. ``priorities`` maps priority id -> title (default: config/plan.yml).
    """
    items, titles = plan_ordered(assessments, priorities)
    if raw:
        rows = [
            {
                "priority_id": a.measure.priority,
                "measure_id": a.measure.id,
                "measure": a.measure.title,
                "unit": a.measure.unit,
                "previous_12_value": a.previous_12.value,
                "previous_12_status": a.previous_12.status,
                "previous_rag": a.previous_rating.rag,
                "previous_direction": a.previous_rating.direction,
                "latest_12_value": a.latest_12.value,
                "latest_12_status": a.latest_12.status,
                "latest_rag": a.latest_rating.rag,
                "latest_direction": a.latest_rating.direction,
                "latest_change": a.comparisons["latest_12_vs_previous_12"].change,
                "latest_pct_change": a.comparisons["latest_12_vs_previous_12"].pct_change,
                "last_fy_value": a.last_fy.value,
                "last_fy_status": a.last_fy.status,
            }
            for a in items
        ]
        return pd.DataFrame(rows, columns=_PART2_RAW)
    previous = _spanned("Previous 12 months", _window(items, "previous_12"))
    latest = _spanned("Latest 12 months", _window(items, "latest_12"))
    last_fy = _window(items, "last_fy")
    march = f"Position as at {last_fy.last.name}" if last_fy else "Position as at March"
    rows = [
        {
            "Priority": titles.get(a.measure.priority, a.measure.priority),
            "Measure": a.measure.title,
            previous: format_window(a.measure, a.previous_12),
            "Rating (against the 12 months before)": format_rating(
                a.comparisons["previous_12_vs_prior_12"]
            ),
            latest: format_window(a.measure, a.latest_12),
            "Rating (against previous 12 months)": format_rating(
                a.comparisons["latest_12_vs_previous_12"]
            ),
            march: format_window(a.measure, a.last_fy),
        }
        for a in items
    ]
    columns = [
        "Priority", "Measure", previous, "Rating (against the 12 months before)", latest,
        "Rating (against previous 12 months)", march,
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


_PART2_RAW = [
    "priority_id", "measure_id", "measure", "unit", "previous_12_value", "previous_12_status",
    "previous_rag", "previous_direction", "latest_12_value", "latest_12_status", "latest_rag",
    "latest_direction", "latest_change", "latest_pct_change", "last_fy_value", "last_fy_status",
]  # fmt: skip


def format_spc(result: SpcResult) -> str:
    """The variation icon's words; run charts and trial limits say so."""
    if not result.points:
        return NOT_AVAILABLE
    if result.variation == NEUTRAL_VARIATION:
        return result.variation
    if result.chart_type == "run":
        return f"{result.variation} ({RUN_CHART_NOTE})"
    return result.variation + (" (trial limits)" if result.trial_limits else "")


def format_assurance(measure: Measure, result: SpcResult) -> str:
    """Whether the process can be expected to meet the measure's target, in words."""
    if measure.target is None:
        return "no target"
    if not result.points:
        return NOT_AVAILABLE
    if result.assurance is None:
        return f"not assessed ({RUN_CHART_NOTE})"
    return result.assurance


def dashboard_table(
    assessments: Iterable[MeasureAssessment],
    *,
    priorities: Mapping[str, str] | None = None,
    raw: bool = False,
) -> pd.DataFrame:
    """The Leicestershire dashboard: baseline year against the latest 12 months.

    Change is the % variance for counts and snapshots and the percentage-point change for
    percentages; counts and percentages add the significance of the change against the
    baseline. The verdict (:mod:`pcc_report.verdicts`) leads each row, so a reader sees the
    reconciled reading before the separate views. ``raw=True`` gives numbers and codes for
    the CSV audit trail.
    """
    items, titles = plan_ordered(assessments, priorities)
    if raw:
        rows = []
        for a in items:
            c = a.comparisons["latest_12_vs_baseline"]
            rows.append(
                {
                    "priority_id": a.measure.priority,
                    "measure_id": a.measure.id,
                    "measure": a.measure.title,
                    "unit": a.measure.unit,
                    "verdict": verdict(a).status,
                    "baseline_value": a.windows["baseline"].value,
                    "baseline_status": a.windows["baseline"].status,
                    "latest_12_value": a.latest_12.value,
                    "latest_12_status": a.latest_12.status,
                    "change": c.change,
                    "pct_change": c.pct_change,
                    "spc_chart": a.spc.chart_type if a.spc.points else None,
                    "spc_variation": a.spc.variation,
                    "significance": c.significance.classification if c.significance else None,
                    "p_value": c.significance.p_value if c.significance else None,
                    "target": a.measure.target,
                    "assurance": a.spc.assurance,
                }
            )
        return pd.DataFrame(rows, columns=_DASHBOARD_RAW)
    baseline_window = _window(items, "baseline")
    baseline = baseline_window.label if baseline_window else "Baseline (none set)"
    latest = _spanned("Latest 12 months", _window(items, "latest_12"))
    rows = []
    for a in items:
        c = a.comparisons["latest_12_vs_baseline"]
        if c.significance is not None:
            significance = c.significance.classification
        else:
            significance = f"no test (a {a.measure.unit})"
        rows.append(
            {
                "Priority": titles.get(a.measure.priority, a.measure.priority),
                "Measure": a.measure.title,
                "Verdict": VERDICT_WORDS[verdict(a).status],
                baseline: format_window(a.measure, a.windows["baseline"]),
                latest: format_window(a.measure, a.latest_12),
                "Change on baseline": format_change(a.measure, c),
                "SPC variation": format_spc(a.spc),
                "Significance of the change": significance,
                "Target": "none"
                if a.measure.target is None
                else format_value(a.measure, a.measure.target),
                "Target assurance": format_assurance(a.measure, a.spc),
            }
        )
    columns = [
        "Priority", "Measure", "Verdict", baseline, latest, "Change on baseline",
        "SPC variation", "Significance of the change", "Target", "Target assurance",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


_DASHBOARD_RAW = [
    "priority_id", "measure_id", "measure", "unit", "verdict", "baseline_value",
    "baseline_status",
    "latest_12_value", "latest_12_status", "change", "pct_change", "spc_chart", "spc_variation",
    "significance", "p_value", "target", "assurance",
]  # fmt: skip


def definitions_table(
    catalogue: Iterable[Measure],
    *,
    priorities: Mapping[str, str] | None = None,
    edition: str = "public",
) -> pd.DataFrame:
    """The appendix of measure definitions; the public edition leaves restricted ones out."""
    shown, _ = in_edition(catalogue, edition)
    titles = dict(plan_priorities() if priorities is None else priorities)
    rows = [
        {
            "Measure": m.title,
            "Priority": titles.get(m.priority, m.priority),
            "Unit": UNIT_WORDS[m.unit],
            "Polarity": POLARITY_WORDS[m.polarity],
            "Source": SOURCE_WORDS[m.source],
            "Definition": m.definition,
            "Target": "none" if m.target is None else format_value(m, m.target),
        }
        for m in shown
    ]
    columns = ["Measure", "Priority", "Unit", "Polarity", "Source", "Definition", "Target"]
    return pd.DataFrame(rows, columns=columns)


# Every comparison shown on a priority page, in reading order, with its plain name.
COMPARISON_NAMES: dict[str, str] = {
    "latest_12_vs_previous_12": "Latest 12 months against the previous 12",
    "latest_quarter_vs_previous_quarter": "Latest quarter against the previous quarter",
    "latest_quarter_vs_same_quarter_last_year": "Latest quarter against the same quarter last year",
    "fytd_vs_last_ytd": "Financial year to date against the same period last year",
    "latest_12_vs_baseline": "Latest 12 months against the baseline year",
}


def comparisons_table(
    assessments: Iterable[MeasureAssessment], *, raw: bool = False
) -> pd.DataFrame:
    """Every comparison window of each measure: periods, values, change and rating.

    One row per measure and comparison, so the latest quarter, the financial year to date
    and the baseline are read the same way as the 12-month view. ``raw=True`` gives numbers
    and codes for the CSV audit trail.
    """
    rows = []
    for a in assessments:
        for key, name in COMPARISON_NAMES.items():
            c = a.comparisons[key]
            if raw:
                rows.append(
                    {
                        "measure_id": a.measure.id,
                        "comparison": key,
                        "current_first": str(c.current.window.first) if c.current.window else None,
                        "current_last": str(c.current.window.last) if c.current.window else None,
                        "current_value": c.current.value,
                        "current_status": c.current.status,
                        "comparator_first": (
                            str(c.comparator.window.first) if c.comparator.window else None
                        ),
                        "comparator_last": (
                            str(c.comparator.window.last) if c.comparator.window else None
                        ),
                        "comparator_value": c.comparator.value,
                        "comparator_status": c.comparator.status,
                        "change": c.change,
                        "pct_change": c.pct_change,
                        "rag": c.rating.rag,
                        "direction": c.rating.direction,
                    }
                )
                continue
            rows.append(
                {
                    "Measure": a.measure.title,
                    "Comparison": name,
                    "Period": c.current.window.span if c.current.window else NOT_AVAILABLE,
                    "Value": format_window(a.measure, c.current),
                    "Comparator period": (
                        c.comparator.window.span if c.comparator.window else NOT_AVAILABLE
                    ),
                    "Comparator value": format_window(a.measure, c.comparator),
                    "Change": format_change(a.measure, c),
                    "Rating": format_rating(c),
                }
            )
    return pd.DataFrame(rows)


def series_break_note(types: Iterable[str], first: str, last: str) -> str:
    """"series break: categories changed in May 2013" when a count of ``types`` over the months
    ``first``..``last`` (YYYY-MM) crosses a police.uk change that splits what it counts; "".

    ``types`` are the counted types (with the retired ones the catalogue maps onto them).
    """
    from pcc_report.police_uk import series_breaks

    changes = series_breaks(tuple(types), first, last)
    if not changes:
        return ""
    return "series break: categories changed in " + " and ".join(c.label for c in changes)
