"""Statistical process control (XmR charts) for monthly performance measures.

Why: a RAG rating compares two numbers, so ordinary month-to-month noise can look like
success or failure. Panels are better served by asking whether the latest figures are
*signal* (special cause variation) or *noise* (common cause). This module implements the
NHS England "Making Data Count" XmR method, in the manner of the NHS-R package
NHSRplotthedots, as one pure function of a series: no plotting and no I/O, so that every
number in a report can be tested and traced.

Method (see ``shared/DOMAIN.md``, section SPC)
------------------------------------------------
* Moving range ``MR_t = |x_t - x_(t-1)|``.
* Centre line = mean of the baseline points (the first ``baseline`` observed points,
  default all); ``mean_moving_range`` = mean of the baseline's moving ranges (``baseline - 1``
  of them). Process limits = centre +/- 2.66 * mean MR; near limits ("2 sigma") =
  centre +/- (2/3) * 2.66 * mean MR. Limits from the baseline are applied to every point.
  Lower limits are not clipped at zero.
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
  better or an increase is the aim, a concern when lower is better), or
  "special cause neutral" for neutral polarity. "not available" if there are no data.
* Assurance (XmR charts with a target only): the target beyond the process limits on the
  bad side (e.g. above the upper limit when higher is better) means the process
  "consistently fails"; beyond them on the good side, "consistently passes"; between or on
  the limits, "inconsistent (hit and miss)". No target gives ``None``; a target on a
  neutral measure is an error because "pass" has no meaning.
* Fewer than 15 observed points: a run chart instead. The centre is the median of the
  baseline points, there are no limits (``None``) and therefore no rules 1 and 4 and no
  assurance; rules 2 (relative to the median) and 3 still apply, using the same 7-point
  runs as the XmR chart. With 15 or more points but a baseline under 12 points the limits
  are trial limits (``trial_limits=True``).
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
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from pcc_report.ratings import POLARITIES, Polarity

LIMIT_FACTOR = 2.66
NEAR_LIMIT_FACTOR = LIMIT_FACTOR * 2 / 3
RUN_LENGTH = 7
MIN_POINTS_FOR_LIMITS = 15
MIN_BASELINE_FOR_FIRM_LIMITS = 12
# How the report names a run chart, so the text states the threshold the code applies.
RUN_CHART_NOTE = f"run chart, fewer than {MIN_POINTS_FOR_LIMITS} points"
_SIDE_PRECEDENCE = (1, 3, 4, 2)
Flags = list[dict[int, str]]  # per point: rule number -> side
_REL_EPS = 1e-9


@dataclass(frozen=True)
class SpcPoint:
    """One observed point with its special-cause flags."""

    label: Hashable
    value: float
    moving_range: float | None
    special_cause: bool
    rules: tuple[int, ...]
    side: Literal["high", "low"] | None
    variation: str


@dataclass(frozen=True)
class SpcResult:
    """Everything a table, chart or narrative needs about one measure's SPC analysis."""

    chart_type: Literal["xmr", "run"]
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

    def to_frame(self) -> pd.DataFrame:
        """One row per observed point, indexed by label, with the lines repeated per row.

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
            }
            for p in self.points
        ]
        columns = ["value", "moving_range", "special_cause", "rules", "side", "variation"]
        frame = pd.DataFrame(rows, columns=columns, index=pd.Index([p.label for p in self.points]))
        for name in ("centre", "upper", "lower", "upper_near", "lower_near", "target"):
            value = getattr(self, name)
            frame[name] = np.nan if value is None else value
        return frame


def spc(
    values: Iterable[float | None] | pd.Series,
    polarity: Polarity,
    *,
    target: float | None = None,
    baseline: int | None = None,
) -> SpcResult:
    """Analyse a monthly series (in time order) with an XmR or run chart.

    ``values`` may be a pandas Series (its index gives the point labels, e.g. months) or
    any sequence (labels are positions 0, 1, ...). ``baseline`` is the number of leading
    observed points used for the centre line and limits (default: all). See the module
    docstring for the rules and every edge case.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, not {polarity!r}")
    labels, x, missing = _observed(values)
    n = len(x)
    if baseline is None:
        baseline = n
    if n and not 1 <= baseline <= n:
        raise ValueError(f"baseline must be between 1 and {n} observed points, not {baseline}")
    if target is not None and (polarity == "neutral" or not math.isfinite(target)):
        raise ValueError("a target needs a finite value and a measure with a better direction")

    eps = _REL_EPS * float(np.max(np.abs(x))) if n else 0.0
    mr = np.abs(np.diff(x))
    flags: Flags = [{} for _ in range(n)]

    if n < MIN_POINTS_FOR_LIMITS:
        chart_type: Literal["xmr", "run"] = "run"
        centre = float(np.median(x[:baseline])) if n else None
        upper = lower = upper_near = lower_near = mean_mr = None
        trial = False
    else:
        if baseline < 2:
            raise ValueError("an XmR baseline needs at least 2 points (one moving range)")
        chart_type = "xmr"
        centre = float(np.mean(x[:baseline]))
        mean_mr = float(np.mean(mr[: baseline - 1]))
        upper, lower = centre + LIMIT_FACTOR * mean_mr, centre - LIMIT_FACTOR * mean_mr
        upper_near = centre + NEAR_LIMIT_FACTOR * mean_mr
        lower_near = centre - NEAR_LIMIT_FACTOR * mean_mr
        trial = baseline < MIN_BASELINE_FOR_FIRM_LIMITS
        _rule_outside(x, upper, lower, eps, flags)
        _rule_two_of_three(x, upper, lower, upper_near, lower_near, eps, flags)
    if centre is not None:
        _rule_shift(x, centre, eps, flags)
    _rule_trend(x, eps, flags)

    points = tuple(
        SpcPoint(
            label=labels[i],
            value=float(x[i]),
            moving_range=float(mr[i - 1]) if i else None,
            special_cause=bool(flags[i]),
            rules=tuple(sorted(flags[i])),
            side=_side(flags[i]),
            variation=_classify(_side(flags[i]), polarity),
        )
        for i in range(n)
    )
    return SpcResult(
        chart_type=chart_type,
        polarity=polarity,
        centre=centre,
        upper=upper,
        lower=lower,
        upper_near=upper_near,
        lower_near=lower_near,
        mean_moving_range=mean_mr,
        points=points,
        variation=points[-1].variation if points else "not available",
        assurance=_assurance(target, upper, lower, polarity, eps),
        trial_limits=trial,
        baseline_points=baseline if n else 0,
        target=None if target is None else float(target),
        missing_points=missing,
    )


def _observed(
    values: Iterable[float | None] | pd.Series,
) -> tuple[list[Hashable], np.ndarray, tuple[Hashable, ...]]:
    """Split a series into observed (label, value) pairs and the labels of missing points."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    numbers = pd.to_numeric(series, errors="raise").astype(float)
    present = numbers.notna().to_numpy()
    x = numbers.to_numpy()[present]
    if not np.all(np.isfinite(x)):
        raise ValueError("values must be finite numbers or missing (NaN/None)")
    labels = list(series.index[present])
    missing = tuple(series.index[~present])
    return labels, x, missing


def _sign(a: float, b: float, eps: float) -> int:
    """-1, 0 or 1 as ``a`` is below, on (within ``eps``) or above ``b``."""
    d = a - b
    return 0 if abs(d) <= eps else (1 if d > 0 else -1)


def _flag(flags: Flags, i: int, rule: int, side: str) -> None:
    flags[i][rule] = side


def _rule_outside(x: np.ndarray, upper: float, lower: float, eps: float, flags: Flags) -> None:
    for i, v in enumerate(x):
        if _sign(v, upper, eps) > 0:
            _flag(flags, i, 1, "high")
        elif _sign(v, lower, eps) < 0:
            _flag(flags, i, 1, "low")


def _rule_two_of_three(
    x: np.ndarray,
    upper: float,
    lower: float,
    upper_near: float,
    lower_near: float,
    eps: float,
    flags: Flags,
) -> None:
    high = [_sign(v, upper_near, eps) > 0 and _sign(v, upper, eps) <= 0 for v in x]
    low = [_sign(v, lower_near, eps) < 0 and _sign(v, lower, eps) >= 0 for v in x]
    for near, side in ((high, "high"), (low, "low")):
        for start in range(len(x) - 2):
            window = range(start, start + 3)
            if sum(near[i] for i in window) >= 2:
                for i in window:
                    if near[i]:
                        _flag(flags, i, 4, side)


def _runs(signs: list[int]) -> list[tuple[int, int, int]]:
    """Maximal runs of equal non-zero signs as (start, stop, sign), stop exclusive."""
    runs: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, len(signs) + 1):
        if i == len(signs) or signs[i] != signs[start]:
            if signs[start] != 0:
                runs.append((start, i, signs[start]))
            start = i
    return runs


def _rule_shift(x: np.ndarray, centre: float, eps: float, flags: Flags) -> None:
    for start, stop, sign in _runs([_sign(v, centre, eps) for v in x]):
        if stop - start >= RUN_LENGTH:
            for i in range(start, stop):
                _flag(flags, i, 2, "high" if sign > 0 else "low")


def _rule_trend(x: np.ndarray, eps: float, flags: Flags) -> None:
    # steps[j] compares point j+1 with point j; a run of k steps spans k+1 points.
    steps = [_sign(x[j + 1], x[j], eps) for j in range(len(x) - 1)]
    for start, stop, sign in _runs(steps):  # in time order, so a later trend wins a tie
        if stop - start + 1 >= RUN_LENGTH:
            for i in range(start, stop + 1):
                _flag(flags, i, 3, "high" if sign > 0 else "low")


def _side(point_flags: dict[int, str]) -> Literal["high", "low"] | None:
    for rule in _SIDE_PRECEDENCE:
        if rule in point_flags:
            return point_flags[rule]  # type: ignore[return-value]
    return None


def _classify(side: str | None, polarity: str) -> str:
    if side is None:
        return "common cause"
    if polarity == "neutral":
        return "special cause neutral"
    good = "low" if polarity == "lower_is_better" else "high"
    return "special cause improvement" if side == good else "special cause concern"


def _assurance(
    target: float | None, upper: float | None, lower: float | None, polarity: str, eps: float
) -> str | None:
    if target is None or upper is None or lower is None:
        return None
    higher_better = polarity != "lower_is_better"
    if _sign(target, upper, eps) > 0:
        return "consistently fails" if higher_better else "consistently passes"
    if _sign(target, lower, eps) < 0:
        return "consistently passes" if higher_better else "consistently fails"
    return "inconsistent (hit and miss)"
