"""Statistical process control (XmR, p′ and run charts) for monthly performance measures.

Why: a RAG rating compares two numbers, so ordinary month-to-month noise can look like
success or failure. Panels are better served by asking whether the latest figures are
*signal* (special cause variation) or *noise* (common cause). This module implements the
NHS England "Making Data Count" XmR method, in the manner of the NHS-R package
NHSRplotthedots, as one pure function of a series: no plotting and no I/O, so that every
number in a report can be tested and traced.

Method (see ``shared/DOMAIN.md``, section SPC)
------------------------------------------------
* **Segments and recalculation.** Limits are recalculated ("rebased", NHSRplotthedots'
  ``rebase``) only at known changes in the process: :class:`ProcessChange` (a lockdown, a
  police.uk category change, a new recording system), each with its reason. A change starts
  a new segment at the first observed point on or after its label; a change before the
  first point or after the last is ignored, and changes falling on the same point are one
  break with both reasons. Each segment has its own centre line and limits, and every rule
  runs within a segment only (a run never crosses a break).
* **Fixed baseline** (``fix_after_n_points``): within each segment the centre and limits
  come from its first ``baseline`` observed points (default: all of them) and are extended
  forward unchanged to the segment's later points.
* XmR chart: moving range ``MR_t = |x_t - x_(t-1)|``. Centre line = mean of the baseline
  points; ``mean_moving_range`` = mean of the baseline's moving ranges (``baseline - 1`` of
  them, within the segment). Process limits = centre +/- 2.66 * mean MR; near limits
  ("2 sigma") = centre +/- (2/3) * 2.66 * mean MR. Lower limits are not clipped at zero.
  A segment of one point has a centre but no limits.
* p′ chart (:func:`spc_p`, percentages with a changing denominator such as calls answered
  or survey respondents): centre p̄ = sum of the baseline numerators / sum of their
  denominators; each point i has its own sigma ``s_i = sqrt(p̄(1-p̄)/n_i)``. Laney's p′
  (the default) scales it by ``sigma_z`` = mean moving range of the baseline's z-scores
  ``(p_i - p̄)/s_i`` divided by 1.128, because with thousands of calls a month the plain
  p-chart's limits are so tight that ordinary month-to-month variation breaks them;
  ``laney=False`` gives the plain p-chart (``sigma_z = 1``). Limits = p̄ +/- 3 s_i sigma_z,
  near limits +/- 2 s_i sigma_z, clipped to 0..100%; all in per cent.
* Special-cause rules; every point of a triggering run is flagged:

  1. a point above the upper or below the lower process limit (a point *on* a limit is
     inside);
  2. shift: 7 or more consecutive points on the same side of the centre line; a point on
     the centre line breaks the run;
  3. trend: 7 or more consecutive points each strictly higher (or each strictly lower) than
     the one before; a tie (equal consecutive values) breaks the run;
  4. two of three consecutive points beyond the same near limit but not beyond the process
     limit (points beyond it are rule 1); the third point may be anywhere, and only the
     points beyond the near limit are flagged.

* Side of a flagged point: "high" or "low". When the rules disagree (for example a rising
  trend below the centre line) the side comes from the first of rule 1, rule 3, rule 4,
  rule 2, the precedence used by NHSRplotthedots; a point at the junction of a rising and
  a falling trend takes the side of the later trend.
* Variation of the series = the classification of the **latest observed point only**:
  "common cause" if it is not flagged; otherwise "special cause improvement" or
  "special cause concern" by polarity (a high point is an improvement when higher is
  better or an increase is the aim, a concern when lower is better). "not available" if
  there are no data.
* **No direction, no special cause.** A measure with neutral polarity (officer numbers)
  gets a run chart around the median of each segment with no rules applied: "special
  cause" means better or worse, which such a measure has not. Its points and series read
  :data:`NEUTRAL_VARIATION`.
* Assurance (XmR and p′ charts with a target only), from the latest segment's limits (the
  latest point's, on a p′ chart): the target beyond the process limits on the bad side
  (e.g. above the upper limit when higher is better) means the process "consistently
  fails"; beyond them on the good side, "consistently passes"; between or on the limits,
  "inconsistent (hit and miss)". No target gives ``None``; a target on a neutral measure
  is an error because "pass" has no meaning.
* Fewer than 15 observed points: a run chart instead. The centre is the median of the
  baseline points, there are no limits (``None``) and therefore no rules 1 and 4 and no
  assurance; rules 2 (relative to the median) and 3 still apply, using the same 7-point
  runs as the XmR chart (per segment, each around its own median). With 15 or more points
  but a segment's baseline under 12 points that segment's limits are trial limits
  (``trial_limits`` on the segment; on the result, for the latest segment).
* Missing data: NaN or None values are *not* treated as zero. They are dropped before any
  calculation and listed in ``missing_points`` (by label). The observed points either side
  of a gap are treated as consecutive for moving ranges and runs; the point counts above
  (15 and 12) count observed points only.
* Comparisons against the centre, limits, target and neighbouring values ignore differences
  smaller than 1e-9 of the largest absolute value, so that decimal rounding (such as
  ``0.1 + 0.2``) never turns a point that is on a line into one that is off it.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from pcc_report.ratings import POLARITIES, Polarity
from pcc_report.spc_rules import (
    RUN_LENGTH,
    Flags,
    rule_outside,
    rule_shift,
    rule_trend,
    rule_two_of_three,
    side_of,
    sign,
)

LIMIT_FACTOR = 2.66
NEAR_LIMIT_FACTOR = LIMIT_FACTOR * 2 / 3
D2 = 1.128  # the bias constant of a moving range of two points (2.66 = 3 / 1.128)
MIN_POINTS_FOR_LIMITS = 15
MIN_BASELINE_FOR_FIRM_LIMITS = 12
# How the report names a run chart, so the text states the threshold the code applies.
RUN_CHART_NOTE = f"run chart, fewer than {MIN_POINTS_FOR_LIMITS} points"
NEUTRAL_VARIATION = "no preferred direction (run chart, not assessed)"
# What each rule is, in the words captions and alt text use.
RULE_WORDS: dict[int, str] = {
    1: "outside the process limits",
    2: f"a run of {RUN_LENGTH} or more on one side of the centre line",
    3: f"a trend of {RUN_LENGTH} or more rising or falling points",
    4: "two of three points beyond the near (2-sigma) limit",
}
_REL_EPS = 1e-9
_LINES = ("centre", "upper", "lower", "upper_near", "lower_near")


@dataclass(frozen=True)
class ProcessChange:
    """A known change in the process: limits are recalculated from the point ``at`` on.

    ``at`` is the label of the first point of the new period (a month, "2020-04"); points
    are compared with it by their labels, so the labels and ``at`` must be comparable.
    """

    at: Hashable
    reason: str


@dataclass(frozen=True)
class SpcSegment:
    """One period between known changes, with its own centre line and limits.

    ``reason`` says why the segment starts (None for the first). On a p′ chart the limits
    differ per point, so ``upper``... are those of the segment's last point and
    ``sigma_z`` is Laney's scaling (1 for a plain p-chart, None on other charts).
    """

    first: Hashable
    last: Hashable
    points: int
    reason: str | None
    centre: float | None
    upper: float | None
    lower: float | None
    upper_near: float | None
    lower_near: float | None
    mean_moving_range: float | None
    baseline_points: int
    trial_limits: bool
    sigma_z: float | None = None


@dataclass(frozen=True)
class SpcPoint:
    """One observed point with its special-cause flags and the lines that apply to it."""

    label: Hashable
    value: float
    moving_range: float | None
    special_cause: bool
    rules: tuple[int, ...]
    side: Literal["high", "low"] | None
    variation: str
    segment: int = 0
    centre: float | None = None
    upper: float | None = None
    lower: float | None = None
    upper_near: float | None = None
    lower_near: float | None = None


@dataclass(frozen=True)
class SpcResult:
    """Everything a table, chart or narrative needs about one measure's SPC analysis.

    The centre, limits, ``mean_moving_range``, ``trial_limits`` and ``baseline_points`` are
    the latest segment's (on a p′ chart, the latest point's limits); ``segments`` has all.
    """

    chart_type: Literal["xmr", "p", "run"]
    polarity: str
    centre: float | None
    upper: float | None
    lower: float | None
    upper_near: float | None
    lower_near: float | None
    mean_moving_range: float | None
    points: tuple[SpcPoint, ...]
    variation: str
    assurance: str | None
    trial_limits: bool
    baseline_points: int
    target: float | None = None
    missing_points: tuple[Hashable, ...] = ()
    segments: tuple[SpcSegment, ...] = ()

    @property
    def recalculated(self) -> bool:
        """True when the limits were recalculated at one or more known changes."""
        return len(self.segments) > 1

    def to_frame(self) -> pd.DataFrame:
        """One row per observed point, indexed by label, with the lines that apply to it.

        Missing points are not rows; reindex on the full period index to show the gaps.
        """
        rows = [
            {
                "value": p.value,
                "moving_range": np.nan if p.moving_range is None else p.moving_range,
                "special_cause": p.special_cause,
                "rules": p.rules,
                "side": p.side,
                "variation": p.variation,
                "segment": p.segment,
                **{line: _nan(getattr(p, line)) for line in _LINES},
            }
            for p in self.points
        ]
        columns = ["value", "moving_range", "special_cause", "rules", "side", "variation",
                   "segment", *_LINES]  # fmt: skip
        frame = pd.DataFrame(rows, columns=columns, index=pd.Index([p.label for p in self.points]))
        frame["target"] = _nan(self.target)
        return frame


def _nan(value: float | None) -> float:
    return np.nan if value is None else value


def spc(
    values: Iterable[float | None] | pd.Series,
    polarity: Polarity,
    *,
    target: float | None = None,
    baseline: int | None = None,
    changes: Sequence[ProcessChange] = (),
) -> SpcResult:
    """Analyse a monthly series (in time order) with an XmR or run chart.

    ``values`` may be a pandas Series (its index gives the point labels, e.g. months) or
    any sequence (labels are positions 0, 1, ...). ``baseline`` is the number of leading
    observed points of each segment used for its centre line and limits (default: all);
    ``changes`` are the known changes at which limits are recalculated. See the module
    docstring for the rules and every edge case.
    """
    _check(polarity, target)
    labels, x, missing = _observed(values)
    starts, reasons = _segment_starts(labels, changes)
    n = len(x)
    xmr = n >= MIN_POINTS_FOR_LIMITS and polarity != "neutral"
    if xmr and baseline is not None and baseline < 2:
        raise ValueError("an XmR baseline needs at least 2 points (one moving range)")
    segments, lines = [], np.full((len(_LINES), n), np.nan)
    for number, (a, b) in enumerate(_bounds(starts, n)):
        k = _baseline(baseline, b - a)
        seg = x[a:b]
        if not xmr:
            centre = float(np.median(seg[:k]))
            lines[0, a:b] = centre
            segments.append(_segment(labels, a, b, reasons[number], k, centre))
            continue
        centre = float(np.mean(seg[:k]))
        mean_mr = float(np.mean(np.abs(np.diff(seg[:k])))) if k >= 2 else None
        lines[0, a:b] = centre
        if mean_mr is not None:
            for row, factor in ((1, LIMIT_FACTOR), (2, -LIMIT_FACTOR),
                                (3, NEAR_LIMIT_FACTOR), (4, -NEAR_LIMIT_FACTOR)):  # fmt: skip
                lines[row, a:b] = centre + factor * mean_mr
        segments.append(
            _segment(labels, a, b, reasons[number], k, centre, lines[:, b - 1], mean_mr,
                     trial=k < MIN_BASELINE_FOR_FIRM_LIMITS)  # fmt: skip
        )
    chart: Literal["xmr", "run"] = "xmr" if xmr else "run"
    return _result(chart, polarity, labels, x, missing, lines, starts, segments, target)


def spc_p(
    numerators: pd.Series,
    denominators: pd.Series,
    polarity: Polarity,
    *,
    target: float | None = None,
    baseline: int | None = None,
    changes: Sequence[ProcessChange] = (),
    laney: bool = True,
) -> SpcResult:
    """Analyse a monthly percentage ``100 * numerators / denominators`` on a p′ chart.

    ``numerators`` and ``denominators`` share one index of labels (months); a point whose
    denominator is missing or zero is missing. With fewer than 15 points, or a neutral
    measure, it is a run chart of the percentages as :func:`spc` draws one. See the module
    docstring for the limits.
    """
    _check(polarity, target)
    den = pd.to_numeric(denominators, errors="raise").astype(float)
    num = pd.to_numeric(numerators, errors="raise").astype(float).reindex(den.index)
    if ((num < 0) | (num > den)).any():
        raise ValueError("need 0 <= numerator <= denominator at every point")
    values = (100 * num / den).where(den > 0)
    if values.notna().sum() < MIN_POINTS_FOR_LIMITS or polarity == "neutral":
        return spc(values, polarity, target=target, baseline=baseline, changes=changes)
    labels, x, missing = _observed(values)
    present = values.notna().to_numpy()
    n_i, successes = den.to_numpy()[present], num.to_numpy()[present]
    starts, reasons = _segment_starts(labels, changes)
    segments, lines = [], np.full((len(_LINES), len(x)), np.nan)
    for number, (a, b) in enumerate(_bounds(starts, len(x))):
        k = _baseline(baseline, b - a)
        p_bar = float(successes[a : a + k].sum() / n_i[a : a + k].sum())
        sigma = np.sqrt(p_bar * (1 - p_bar) / n_i[a:b])
        sigma_z = 1.0
        if laney and k >= 2:
            with np.errstate(divide="ignore", invalid="ignore"):
                z = (successes[a : a + k] / n_i[a : a + k] - p_bar) / sigma[:k]
            z = np.nan_to_num(z)
            sigma_z = float(np.mean(np.abs(np.diff(z)))) / D2
        lines[0, a:b] = 100 * p_bar
        for row, factor in ((1, 3), (2, -3), (3, 2), (4, -2)):
            lines[row, a:b] = np.clip(100 * (p_bar + factor * sigma * sigma_z), 0, 100)
        segments.append(
            _segment(labels, a, b, reasons[number], k, 100 * p_bar, lines[:, b - 1], None,
                     trial=k < MIN_BASELINE_FOR_FIRM_LIMITS, sigma_z=sigma_z)  # fmt: skip
        )
    return _result("p", polarity, labels, x, missing, lines, starts, segments, target)


def _check(polarity: str, target: float | None) -> None:
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    if target is not None and (polarity == "neutral" or not math.isfinite(target)):
        raise ValueError("a target needs a finite value and a measure with a better direction")


def _baseline(baseline: int | None, points: int) -> int:
    if baseline is not None and baseline < 1:
        raise ValueError(f"baseline must be 1 or more observed points, not {baseline}")
    return points if baseline is None else min(baseline, points)


def _segment_starts(
    labels: list[Hashable], changes: Sequence[ProcessChange]
) -> tuple[list[int], list[str | None]]:
    """Index of each segment's first point, and why it starts (the first: None)."""
    breaks: dict[int, list[str]] = {}
    for change in sorted(changes, key=lambda c: c.at):
        start = next((i for i, label in enumerate(labels) if label >= change.at), None)
        if start:  # None (after the last point) or 0 (at or before the first) is no break
            breaks.setdefault(start, []).append(change.reason)
    starts = [0, *sorted(breaks)]
    return starts, [None, *("; ".join(breaks[s]) for s in starts[1:])]


def _bounds(starts: list[int], n: int) -> list[tuple[int, int]]:
    if not n:
        return []
    return list(zip(starts, [*starts[1:], n], strict=True))


def _segment(
    labels: list[Hashable],
    a: int,
    b: int,
    reason: str | None,
    k: int,
    centre: float,
    lines: np.ndarray | None = None,
    mean_mr: float | None = None,
    *,
    trial: bool = False,
    sigma_z: float | None = None,
) -> SpcSegment:
    limits = [None] * 4 if lines is None or np.isnan(lines[1]) else [float(v) for v in lines[1:]]
    return SpcSegment(labels[a], labels[b - 1], b - a, reason, centre, *limits, mean_mr, k,
                      trial and limits[0] is not None, sigma_z)  # fmt: skip


def _result(
    chart: Literal["xmr", "p", "run"],
    polarity: str,
    labels: list[Hashable],
    x: np.ndarray,
    missing: tuple[Hashable, ...],
    lines: np.ndarray,
    starts: list[int],
    segments: list[SpcSegment],
    target: float | None,
) -> SpcResult:
    """Apply the rules segment by segment and assemble the result."""
    n = len(x)
    eps = _REL_EPS * float(np.max(np.abs(x))) if n else 0.0
    flags: Flags = [{} for _ in range(n)]
    if polarity != "neutral":
        for a, b in _bounds(starts, n):
            seg, part = x[a:b], flags[a:b]  # the slice shares the per-point dicts
            centre, upper, lower, upper_near, lower_near = lines[:, a:b]
            if chart != "run" and not np.isnan(upper[0]):
                rule_outside(seg, upper, lower, eps, part)
                rule_two_of_three(seg, upper, lower, upper_near, lower_near, eps, part)
            rule_shift(seg, centre, eps, part)
            rule_trend(seg, eps, part)
    segment_of = np.searchsorted(np.array(starts), np.arange(n), side="right") - 1
    points = tuple(
        SpcPoint(
            label=labels[i],
            value=float(x[i]),
            moving_range=float(abs(x[i] - x[i - 1])) if i else None,
            special_cause=bool(flags[i]),
            rules=tuple(sorted(flags[i])),
            side=side_of(flags[i]),
            variation=_classify(side_of(flags[i]), polarity),
            segment=int(segment_of[i]),
            **{line: None if np.isnan(v) else float(v) for line, v in zip(_LINES, lines[:, i],
                                                                          strict=True)},
        )
        for i in range(n)
    )
    last = points[-1] if points else None
    latest = segments[-1] if segments else None
    return SpcResult(
        chart_type=chart,
        polarity=polarity,
        centre=last.centre if last else None,
        upper=last.upper if last else None,
        lower=last.lower if last else None,
        upper_near=last.upper_near if last else None,
        lower_near=last.lower_near if last else None,
        mean_moving_range=latest.mean_moving_range if latest else None,
        points=points,
        variation=last.variation if last else "not available",
        assurance=_assurance(target, last.upper if last else None,
                             last.lower if last else None, polarity, eps),  # fmt: skip
        trial_limits=latest.trial_limits if latest else False,
        baseline_points=latest.baseline_points if latest else 0,
        target=None if target is None else float(target),
        missing_points=missing,
        segments=tuple(segments),
    )


def marked_points(result: SpcResult) -> list[tuple[int, str, tuple[Hashable, ...]]]:
    """The special-cause points grouped by rule and side: ``(rule, side, labels)``.

    In rule order (1 to 4), high before low; a point breaking two rules is in both groups.
    Captions and alt text say which points are marked and why from this.
    """
    groups = []
    for rule in sorted(RULE_WORDS):
        for side in ("high", "low"):
            chosen = tuple(p.label for p in result.points if rule in p.rules and _rule_side(
                result, p, rule) == side)
            if chosen:
                groups.append((rule, side, chosen))
    return groups


def _rule_side(result: SpcResult, point: SpcPoint, rule: int) -> str:
    """The side on which ``point`` broke ``rule`` (above or below its centre, or trend)."""
    if rule == 3:
        return point.side or "high"
    return "high" if point.value > (point.centre or 0.0) else "low"


def latest_reading(result: SpcResult, points: int = 3) -> str:
    """The reading of the last ``points`` points of the latest segment.

    "special cause concern" if any shows concern and none improvement, "special cause
    improvement" the other way round, "mixed" when both occur, else the series' variation
    (common cause, a neutral measure's reading, or "not available").
    """
    if not result.points:
        return "not available"
    segment = result.points[-1].segment
    recent = [p.variation for p in result.points[-points:] if p.segment == segment]
    concern = "special cause concern" in recent
    improvement = "special cause improvement" in recent
    if concern and improvement:
        return "mixed"
    if concern:
        return "special cause concern"
    if improvement:
        return "special cause improvement"
    return result.variation


def _observed(
    values: Iterable[float | None] | pd.Series,
) -> tuple[list[Hashable], np.ndarray, tuple[Hashable, ...]]:
    """Split a series into observed (label, value) pairs and the labels of missing points."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    if series.dtype == np.float64:  # already numbers (a measure's points): no conversion
        numbers = series.to_numpy()
    else:
        numbers = pd.to_numeric(series, errors="raise").astype(float).to_numpy()
    present = ~np.isnan(numbers)
    x = numbers[present]
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite numbers or missing (NaN/None)")
    labels = list(series.index[present])
    missing = tuple(series.index[~present])
    return labels, x, missing


def _classify(side: str | None, polarity: str) -> str:
    if polarity == "neutral":
        return NEUTRAL_VARIATION
    if side is None:
        return "common cause"
    good = "low" if polarity == "lower_is_better" else "high"
    return "special cause improvement" if side == good else "special cause concern"


def _assurance(
    target: float | None, upper: float | None, lower: float | None, polarity: str, eps: float
) -> str | None:
    if target is None or upper is None or lower is None:
        return None
    higher_better = polarity != "lower_is_better"
    if sign(target, upper, eps) > 0:
        return "consistently fails" if higher_better else "consistently passes"
    if sign(target, lower, eps) < 0:
        return "consistently passes" if higher_better else "consistently fails"
    return "inconsistent (hit and miss)"
