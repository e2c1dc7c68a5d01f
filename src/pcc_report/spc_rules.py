"""The four special-cause rules of the Making Data Count XmR method, and their conventions.

Why apart from :mod:`pcc_report.spc`: the rules are the same for every chart (XmR, p′ and
run charts) and every segment, so they take a segment's points with the lines that apply to
each point (arrays, one value per point: a p′ chart's limits differ point by point) and
record their flags; :mod:`pcc_report.spc` decides the charts, segments and lines. The
conventions (a point on a line is on it, ties break trends, every point of a triggering
run is flagged, the side precedence) are documented in :mod:`pcc_report.spc`.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

RUN_LENGTH = 7
SIDE_PRECEDENCE = (1, 3, 4, 2)
Flags = list[dict[int, str]]  # per point: rule number -> side


def sign(a: float, b: float, eps: float) -> int:
    """-1, 0 or 1 as ``a`` is below, on (within ``eps``) or above ``b``."""
    d = a - b
    return 0 if abs(d) <= eps else (1 if d > 0 else -1)


def _flag(flags: Flags, i: int, rule: int, side: str) -> None:
    flags[i][rule] = side


def rule_outside(x: np.ndarray, upper: np.ndarray, lower: np.ndarray, eps: float,
                 flags: Flags) -> None:  # fmt: skip
    """Rule 1: a point above the upper or below the lower process limit (its own limits)."""
    for i, v in enumerate(x):
        if sign(v, upper[i], eps) > 0:
            _flag(flags, i, 1, "high")
        elif sign(v, lower[i], eps) < 0:
            _flag(flags, i, 1, "low")


def rule_two_of_three(
    x: np.ndarray,
    upper: np.ndarray,
    lower: np.ndarray,
    upper_near: np.ndarray,
    lower_near: np.ndarray,
    eps: float,
    flags: Flags,
) -> None:
    """Rule 4: two of three consecutive points beyond the same near limit (inside the limit)."""
    high = [sign(v, upper_near[i], eps) > 0 and sign(v, upper[i], eps) <= 0
            for i, v in enumerate(x)]  # fmt: skip
    low = [sign(v, lower_near[i], eps) < 0 and sign(v, lower[i], eps) >= 0
           for i, v in enumerate(x)]  # fmt: skip
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


def rule_shift(x: np.ndarray, centre: np.ndarray, eps: float, flags: Flags) -> None:
    """Rule 2: 7 or more consecutive points on one side of the centre line."""
    for start, stop, direction in _runs([sign(v, centre[i], eps) for i, v in enumerate(x)]):
        if stop - start >= RUN_LENGTH:
            for i in range(start, stop):
                _flag(flags, i, 2, "high" if direction > 0 else "low")


def rule_trend(x: np.ndarray, eps: float, flags: Flags) -> None:
    """Rule 3: 7 or more consecutive points each higher (or each lower) than the one before."""
    # steps[j] compares point j+1 with point j; a run of k steps spans k+1 points.
    steps = [sign(x[j + 1], x[j], eps) for j in range(len(x) - 1)]
    for start, stop, direction in _runs(steps):  # in time order, so a later trend wins a tie
        if stop - start + 1 >= RUN_LENGTH:
            for i in range(start, stop + 1):
                _flag(flags, i, 3, "high" if direction > 0 else "low")


def side_of(point_flags: dict[int, str]) -> Literal["high", "low"] | None:
    for rule in SIDE_PRECEDENCE:
        if rule in point_flags:
            return point_flags[rule]  # type: ignore[return-value]
    return None
