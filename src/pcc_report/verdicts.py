"""One verdict per measure: the comparisons, the SPC reading and the target, reconciled.

Why: a measure's page shows several views that can seem to disagree ("Green" against the
previous 12 months, "special cause concern" on its chart, "significant deterioration"
against the baseline). A councillor needs one statement to repeat, and where two views
differ, the reason (different comparators, different periods). The verdict is a pure
function of a :class:`pcc_report.measures.MeasureAssessment`, with explicit rules (below)
and a plain data structure that later stages (performance by exception) can filter on;
its words are :mod:`pcc_report.rating_wording`'s.

The rules, in order:

1. No figure for the latest 12 months: "not available".
2. A measure with no preferred direction: "not rated" (its direction is reported only).
3. Signals. Concern: the main comparison (latest 12 months against the previous 12) is
   worse (Amber or Red); the SPC reading of the latest points (the last
   :data:`RECENT_POINTS` of the latest segment) is special cause concern; the process
   consistently fails its target. Improvement: the main comparison is better (significant
   under the significance rule); the SPC reading is special cause improvement.
4. Status: concern and improvement signals both -> "mixed"; only concern -> "concern";
   only improvement -> "improvement"; neither -> "no significant change".
5. Differences explained: the baseline comparison (or the latest quarter against the same
   quarter last year) reading differently from the main comparison where either of the two
   is a significant signal (better or worse) -> "comparators differ" (the status still
   rests on the main comparison: the others are context); the main comparison and the SPC
   reading pointing different ways (one a signal, the other not the same signal) ->
   "periods differ" (a year's total against the latest months).
6. Exception (performance by exception: the measure needs the panel's attention), for a
   rated measure with data, when any of: the main comparison or the baseline comparison is
   worse (:func:`reading`: Amber or Red, which under the significance rule means a
   statistically significant worsening; :data:`EXCEPTION_COMPARISONS`), the SPC reading of
   the latest points shows special cause concern (alone or mixed), or the process
   consistently fails its target. ``exception_reasons`` names which, in that order; the
   exceptions page (:mod:`pcc_report.exceptions`) says why in one sentence from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pcc_report.measures import Comparison, MeasureAssessment
from pcc_report.ratings import SIGNIFICANCE
from pcc_report.spc import latest_reading

RECENT_POINTS = 3  # the SPC reading looks at the latest three points (months)
MAIN = "latest_12_vs_previous_12"
BASELINE = "latest_12_vs_baseline"
QUARTER = "latest_quarter_vs_same_quarter_last_year"

Reading = Literal["better", "worse", "no significant change", "no change", "not rated",
                  "not available"]  # fmt: skip
Status = Literal["improvement", "concern", "mixed", "no significant change", "not rated",
                 "not available"]  # fmt: skip
#: The comparisons whose worsening makes an exception: the previous 12 months, the baseline.
EXCEPTION_COMPARISONS = (MAIN, BASELINE)
COMPARATORS_DIFFER = "comparators differ"
PERIODS_DIFFER = "periods differ"


@dataclass(frozen=True)
class Verdict:
    """The reconciled reading of one measure.

    ``readings`` maps each comparison key (:data:`MAIN`, :data:`BASELINE`, :data:`QUARTER`)
    to its :data:`Reading`; ``spc`` is the SPC reading of the latest points
    (:func:`pcc_report.spc.latest_reading`); ``target`` the assurance (None: no target or
    not assessed); ``concerns``/``improvements`` name the views that signal each
    ("comparison", "spc", "target"); ``differences`` the reasons views disagree.
    """

    measure_id: str
    status: Status
    readings: dict[str, Reading]
    spc: str
    target: str | None
    concerns: tuple[str, ...]
    improvements: tuple[str, ...]
    differences: tuple[str, ...]
    exception: bool
    # why it is an exception (rule 6): comparison keys of EXCEPTION_COMPARISONS that are
    # worse, then "spc" and "target"
    exception_reasons: tuple[str, ...] = ()


def reading(comparison: Comparison) -> Reading:
    """Better, worse or no (significant) change, from a comparison's rating."""
    rating = comparison.rating
    if rating.rag == "Not available":
        return "not available"
    if rating.rag == "Not rated":
        return "not rated"
    if rating.rag in ("Amber", "Red"):
        return "worse"
    if rating.rule == SIGNIFICANCE:
        return "better" if rating.significant else "no significant change"
    return "no change" if rating.direction == "no change" else "better"


def verdict(assessment: MeasureAssessment) -> Verdict:
    """Apply the module's rules to one assessed measure."""
    m = assessment.measure
    readings = {key: reading(assessment.comparisons[key]) for key in (MAIN, BASELINE, QUARTER)}
    spc_now = latest_reading(assessment.spc, RECENT_POINTS)
    target = assessment.spc.assurance if m.target is not None else None
    if not assessment.latest_12.available:
        return Verdict(m.id, "not available", readings, spc_now, target, (), (), (), False)
    if m.polarity == "neutral":
        return Verdict(m.id, "not rated", readings, spc_now, None, (), (), (), False)
    concerns = tuple(
        view
        for view, signal in (
            ("comparison", readings[MAIN] == "worse"),
            ("spc", spc_now in ("special cause concern", "mixed")),
            ("target", target == "consistently fails"),
        )
        if signal
    )
    improvements = tuple(
        view
        for view, signal in (
            ("comparison", readings[MAIN] == "better"),
            ("spc", spc_now in ("special cause improvement", "mixed")),
        )
        if signal
    )
    status: Status
    if concerns and improvements:
        status = "mixed"
    elif concerns:
        status = "concern"
    elif improvements:
        status = "improvement"
    else:
        status = "no significant change"
    differences = []
    if any(differs(readings[MAIN], readings[other]) for other in (BASELINE, QUARTER)):
        differences.append(COMPARATORS_DIFFER)
    spc_way = {"special cause concern": "worse", "special cause improvement": "better",
               "mixed": "mixed"}  # fmt: skip
    if spc_now in spc_way and differs(readings[MAIN], spc_way[spc_now]):
        differences.append(PERIODS_DIFFER)
    reasons = exception_reasons(readings, spc_now, target)
    return Verdict(m.id, status, readings, spc_now, target, concerns, improvements,
                   tuple(differences), bool(reasons), reasons)  # fmt: skip


def exception_reasons(
    readings: dict[str, Reading], spc_now: str, target: str | None
) -> tuple[str, ...]:
    """Rule 6: why a rated measure with data needs the panel's attention (empty: it does not)."""
    worse = tuple(key for key in EXCEPTION_COMPARISONS if readings[key] == "worse")
    spc = ("spc",) if spc_now in ("special cause concern", "mixed") else ()
    missed = ("target",) if target == "consistently fails" else ()
    return worse + spc + missed


_SIGNALS = ("better", "worse", "mixed")


def differs(a: str, b: str) -> bool:
    """Two readings differ when they are not the same and either is a signal.

    "not available" never differs (nothing to reconcile).
    """
    if "not available" in (a, b) or "not rated" in (a, b):
        return False
    return a != b and (a in _SIGNALS or b in _SIGNALS)


def verdicts(assessments: list[MeasureAssessment]) -> list[Verdict]:
    """The verdict of every assessed measure, in the assessments' order."""
    return [verdict(a) for a in assessments]
