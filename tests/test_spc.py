"""Tests for the XmR / run chart analysis.

Expected numbers are worked by hand in comments, or computed by an independent exact
(Fraction-based, brute-force window) reference in this file, never copied from output.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pcc_report.spc import NEUTRAL_VARIATION, spc

# Baseline used by most rule tests: 14 points alternating 12, 10 (ends low, so it cannot
# extend a run above the mean). By hand: mean = (7*12 + 7*10) / 14 = 11; all 13 moving
# ranges are 2, so mean MR = 2. Limits 11 +/- 2.66*2 = 16.32 / 5.68; near limits
# 11 +/- (2/3)*2.66*2 = 11 +/- 3.546667 = 14.546667 / 7.453333.
BASE = [12.0, 10.0] * 7


def analyse(tail, polarity="higher_is_better", **kwargs):
    return spc(BASE + list(tail), polarity, baseline=len(BASE), **kwargs)


def flagged(result, rule):
    """Positions (relative to the end of BASE) of points flagged by ``rule``."""
    return [i - len(BASE) for i, p in enumerate(result.points) if rule in p.rules]


def test_limits_match_hand_calculation():
    r = analyse([11.0])
    assert r.chart_type == "xmr"
    assert r.centre == pytest.approx(11.0)
    assert r.mean_moving_range == pytest.approx(2.0)
    assert r.upper == pytest.approx(16.32)
    assert r.lower == pytest.approx(5.68)
    assert r.upper_near == pytest.approx(11 + 3.546667, abs=1e-6)
    assert r.lower_near == pytest.approx(11 - 3.546667, abs=1e-6)
    assert not r.trial_limits
    assert not any(p.special_cause for p in r.points)


def test_limits_whole_series_by_hand():
    # 15 points 10, 12, 10, ..., 10: eight 10s and seven 12s. Mean = 164/15 = 10.9333;
    # fourteen moving ranges of 2, mean MR = 2; limits = 164/15 +/- 5.32.
    xs = [10.0, 12.0] * 7 + [10.0]
    r = spc(xs, "higher_is_better")
    assert r.centre == pytest.approx(164 / 15)
    assert r.upper == pytest.approx(164 / 15 + 5.32)
    assert r.lower == pytest.approx(164 / 15 - 5.32)
    assert r.points[0].moving_range is None
    assert [p.moving_range for p in r.points[1:]] == [2.0] * 14
    assert r.baseline_points == 15


def test_rule1_point_outside_limits():
    r = analyse([17.0])
    assert flagged(r, 1) == [0]
    assert r.points[-1].side == "high"
    low = analyse([5.0])
    assert flagged(low, 1) == [0] and low.points[-1].side == "low"


def test_rule1_point_on_limit_is_inside():
    for value in (16.32, 16.3, 5.68):
        r = analyse([value])
        assert not any(p.special_cause for p in r.points), value


def test_rule2_shift_of_seven_but_not_six():
    assert flagged(analyse([11.5] * 7), 2) == list(range(7))
    assert all(p.side == "high" for p in analyse([11.5] * 7).points[-7:])
    # BASE ends with 10, below the mean, so six more low points make a run of seven
    low = analyse([10.5] * 6)
    assert flagged(low, 2) == list(range(-1, 6))
    assert low.points[-1].side == "low"
    assert flagged(analyse([10.5] * 5), 2) == []
    assert not any(p.special_cause for p in analyse([11.5] * 6).points)


def test_rule2_point_on_mean_breaks_shift():
    broken = analyse([11.5] * 3 + [11.0] + [11.5] * 4)
    assert flagged(broken, 2) == []
    unbroken = analyse([11.5] * 3 + [11.25] + [11.5] * 4)
    assert flagged(unbroken, 2) == list(range(8))


def test_rule3_trend_of_seven_but_not_six():
    # previous point is 10, so 8 starts a fresh rise: 8..14 is 7 rising points, all
    # inside the near limits and crossing the mean (no shift)
    up = analyse([8.0, 9, 10, 11, 12, 13, 14])
    assert flagged(up, 3) == list(range(7))
    assert flagged(up, 2) == [] and flagged(up, 4) == []
    assert up.points[-1].side == "high"
    # 10 -> 9 falls, so 9..14 is a rise of only 6 points
    assert not any(p.special_cause for p in analyse([9.0, 10, 11, 12, 13, 14]).points)
    # previous point 10 -> 14 rises, then 14..8 is 7 falling points
    down = analyse([14.0, 13, 12, 11, 10, 9, 8])
    assert flagged(down, 3) == list(range(7))
    assert down.points[-1].side == "low"


def test_rule3_tie_breaks_trend():
    r = analyse([8.0, 9, 10, 10, 11, 12, 13])
    assert flagged(r, 3) == []


def test_rule4_two_of_three_beyond_near_limit():
    r = analyse([15.0, 11.0, 15.0])
    assert flagged(r, 4) == [0, 2]  # the middle point is not flagged
    assert r.points[-1].side == "high"
    low = analyse([7.0, 7.2])
    assert flagged(low, 4) == [0, 1] and low.points[-1].side == "low"


def test_rule4_not_triggered():
    # two near-limit points four apart: no window of three holds both
    assert flagged(analyse([15.0, 11.0, 11.0, 15.0]), 4) == []
    # opposite sides
    assert flagged(analyse([15.0, 11.0, 7.0]), 4) == []
    # a point beyond the process limit is rule 1, not a near-limit point
    r = analyse([17.0, 11.0, 15.0])
    assert flagged(r, 1) == [0] and flagged(r, 4) == []


def test_run_chart_below_fifteen_points():
    xs = [5.0, 3, 8, 1, 9, 2, 7, 4, 6, 100, 3, 5, 4]  # 13 points, median 5 by hand
    r = spc(xs, "lower_is_better", target=2.0)
    assert r.chart_type == "run"
    assert r.centre == 5.0
    assert (r.upper, r.lower, r.upper_near, r.lower_near, r.mean_moving_range) == (None,) * 5
    assert r.assurance is None
    assert not r.trial_limits
    assert not any(p.special_cause for p in r.points)  # no rule 1 without limits


def test_run_chart_applies_shift_about_median():
    xs = [1.0] * 7 + [5.0] * 7  # median 3; two runs of 7
    r = spc(xs, "higher_is_better")
    assert r.chart_type == "run" and r.centre == 3.0
    assert all(p.rules == (2,) for p in r.points)
    assert r.variation == "special cause improvement"


def test_trial_limits_for_short_baseline():
    xs = [12.0, 10.0] * 10
    assert spc(xs, "higher_is_better", baseline=10).trial_limits
    assert not spc(xs, "higher_is_better", baseline=12).trial_limits
    assert not spc(xs, "higher_is_better").trial_limits


@pytest.mark.parametrize(
    ("polarity", "high", "low"),
    [
        ("higher_is_better", "special cause improvement", "special cause concern"),
        ("increase_is_aim", "special cause improvement", "special cause concern"),
        ("lower_is_better", "special cause concern", "special cause improvement"),
    ],
)
def test_variation_by_polarity(polarity, high, low):
    assert analyse([17.0], polarity).variation == high
    assert analyse([5.0], polarity).variation == low
    # an earlier special cause does not decide: only the latest point does
    assert analyse([17.0, 11.0], polarity).variation == "common cause"


@pytest.mark.parametrize(
    ("polarity", "target", "expected"),
    [
        ("higher_is_better", 20.0, "consistently fails"),  # target above UPL 16.32
        ("higher_is_better", 3.0, "consistently passes"),  # target below LPL 5.68
        ("higher_is_better", 10.0, "inconsistent (hit and miss)"),
        ("higher_is_better", 16.32, "inconsistent (hit and miss)"),  # on the limit
        ("increase_is_aim", 20.0, "consistently fails"),
        ("lower_is_better", 20.0, "consistently passes"),
        ("lower_is_better", 3.0, "consistently fails"),
        ("lower_is_better", 10.0, "inconsistent (hit and miss)"),
        ("higher_is_better", None, None),
    ],
)
def test_assurance(polarity, target, expected):
    assert analyse([11.0], polarity, target=target).assurance == expected


def test_neutral_measure_is_a_run_chart_without_special_cause():
    # 14 + 1 points would be an XmR chart; with no preferred direction it is a run chart
    # around the median, and even a far-out point is not called special cause.
    r = analyse([40.0], "neutral")
    assert r.chart_type == "run" and r.upper is None
    assert r.centre == pytest.approx(11.0)  # median of the baseline: seven 12s, seven 10s
    assert not any(p.special_cause for p in r.points)
    assert {p.variation for p in r.points} == {NEUTRAL_VARIATION}
    assert r.variation == NEUTRAL_VARIATION


def test_target_on_neutral_measure_is_an_error():
    with pytest.raises(ValueError):
        analyse([11.0], "neutral", target=10.0)


def test_missing_values_dropped_not_zero():
    months = pd.period_range("2023-04", periods=17, freq="M")
    values = BASE + [np.nan, 11.0, None]
    s = pd.Series(values, index=months, dtype=object)
    r = spc(s, "lower_is_better", baseline=14)
    assert r.missing_points == (months[14], months[16])
    assert [p.label for p in r.points] == list(months[:14]) + [months[15]]
    assert r.centre == pytest.approx(11.0)  # a zero would drag the mean down
    assert r.points[-1].moving_range == pytest.approx(1.0)  # 10 -> 11 across the gap
    assert not any(p.special_cause for p in r.points)
    frame = r.to_frame()
    assert list(frame.index) == [p.label for p in r.points]
    assert frame["centre"].iloc[0] == pytest.approx(11.0)


def test_missing_points_count_towards_nothing():
    # 15 months, one missing: 14 observed points, so a run chart
    r = spc([1.0, 2, 3, 4, 5, 6, 7, math.nan, 9, 10, 11, 12, 13, 14, 15], "higher_is_better")
    assert r.chart_type == "run" and r.missing_points == (7,)


def test_empty_and_all_missing():
    for values in ([], [None, math.nan]):
        r = spc(values, "higher_is_better")
        assert r.points == () and r.centre is None and r.variation == "not available"


def test_invalid_input():
    with pytest.raises(ValueError):
        spc([1.0] * 20, "up_is_good")  # type: ignore[arg-type]
    assert spc([1.0] * 20, "higher_is_better", baseline=21).baseline_points == 20  # all
    with pytest.raises(ValueError):
        spc([1.0] * 20, "higher_is_better", baseline=1)
    with pytest.raises(ValueError):
        spc([1.0, math.inf] * 10, "higher_is_better")


def test_to_frame_columns():
    frame = analyse([17.0]).to_frame()
    assert frame.shape[0] == 15
    assert frame["special_cause"].iloc[-1]
    assert frame["rules"].iloc[-1] == (1,)
    assert {"value", "moving_range", "upper", "lower", "upper_near", "lower_near"} <= set(
        frame.columns
    )


# ----- property-based tests ----------------------------------------------------------------

# Small integers keep every comparison exact enough that shifting or scaling the data cannot
# move a point across a line by floating-point rounding alone.
series = st.lists(st.integers(min_value=0, max_value=100), min_size=0, max_size=50)


def signature(result):
    return [(p.special_cause, p.rules, p.side) for p in result.points]


def lines(result):
    return [result.centre, result.upper, result.lower, result.upper_near, result.lower_near]


@given(
    c=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_subnormal=False),
    n=st.integers(min_value=0, max_value=40),
)
def test_constant_series_has_no_special_cause(c, n):
    r = spc([c] * n, "higher_is_better", target=c)
    assert not any(p.special_cause for p in r.points)
    assert r.variation == ("common cause" if n else "not available")
    if n >= 15:
        assert r.mean_moving_range == 0
        for line in lines(r):
            assert line == pytest.approx(c)
        assert r.assurance == "inconsistent (hit and miss)"


@settings(max_examples=200)
@given(xs=series, c=st.integers(min_value=-100, max_value=100), data=st.data())
def test_adding_constant_moves_lines_keeps_flags(xs, c, data):
    baseline = data.draw(st.integers(min_value=2, max_value=len(xs))) if len(xs) >= 2 else None
    a = spc([float(x) for x in xs], "higher_is_better", baseline=baseline)
    b = spc([float(x + c) for x in xs], "higher_is_better", baseline=baseline)
    assert signature(a) == signature(b)
    for la, lb in zip(lines(a), lines(b), strict=True):
        assert (la is None and lb is None) or lb == pytest.approx(la + c, abs=1e-9)


@settings(max_examples=200)
@given(xs=series, k=st.integers(min_value=1, max_value=20))
def test_scaling_scales_lines_keeps_flags(xs, k):
    a = spc([float(x) for x in xs], "lower_is_better")
    b = spc([float(x * k) for x in xs], "lower_is_better")
    assert signature(a) == signature(b)
    for la, lb in zip(lines(a), lines(b), strict=True):
        assert (la is None and lb is None) or lb == pytest.approx(la * k, abs=1e-9)
    if a.mean_moving_range is not None:
        assert b.mean_moving_range == pytest.approx(a.mean_moving_range * k)


SWAP = {
    "special cause improvement": "special cause concern",
    "special cause concern": "special cause improvement",
}


@settings(max_examples=200)
@given(xs=series, target=st.integers(min_value=-50, max_value=150))
def test_reversing_polarity_swaps_improvement_and_concern(xs, target):
    up = spc([float(x) for x in xs], "higher_is_better", target=target)
    down = spc([float(x) for x in xs], "lower_is_better", target=target)
    assert signature(up) == signature(down)
    assert [SWAP.get(p.variation, p.variation) for p in up.points] == [
        p.variation for p in down.points
    ]
    assert SWAP.get(up.variation, up.variation) == down.variation
    swap_assurance = {"consistently fails": "consistently passes"}
    swap_assurance |= {v: k for k, v in swap_assurance.items()}
    assert swap_assurance.get(up.assurance, up.assurance) == down.assurance


def reference_rules(xs: list[int]) -> list[set[int]]:
    """Independent brute-force rules with exact Fraction arithmetic (XmR, baseline = all)."""
    n = len(xs)
    mean = Fraction(sum(xs), n)
    mean_mr = Fraction(sum(abs(b - a) for a, b in zip(xs, xs[1:], strict=False)), n - 1)
    upl, lpl = mean + Fraction(266, 100) * mean_mr, mean - Fraction(266, 100) * mean_mr
    unl, lnl = mean + Fraction(532, 300) * mean_mr, mean - Fraction(532, 300) * mean_mr
    out: list[set[int]] = [set() for _ in xs]
    for i, x in enumerate(xs):
        if x > upl or x < lpl:
            out[i].add(1)
    for s in range(n - 6):
        w = xs[s : s + 7]
        if all(v > mean for v in w) or all(v < mean for v in w):
            for i in range(s, s + 7):
                out[i].add(2)
        pairs = list(zip(w, w[1:], strict=False))
        if all(b > a for a, b in pairs) or all(b < a for a, b in pairs):
            for i in range(s, s + 7):
                out[i].add(3)
    for s in range(n - 2):
        for beyond in (lambda v: unl < v <= upl, lambda v: lpl <= v < lnl):
            hits = [i for i in range(s, s + 3) if beyond(xs[i])]
            if len(hits) >= 2:
                for i in hits:
                    out[i].add(4)
    return out


@settings(max_examples=300)
@given(xs=st.lists(st.integers(min_value=0, max_value=30), min_size=15, max_size=50))
def test_rules_match_brute_force_reference(xs):
    r = spc([float(x) for x in xs], "higher_is_better")
    assert [set(p.rules) for p in r.points] == reference_rules(xs)


@settings(max_examples=100)
@given(xs=st.lists(st.integers(min_value=0, max_value=30), min_size=15, max_size=40))
def test_rules_fire_on_planted_patterns(xs):
    # Planting a long monotone run must set rule 3 on it, whatever surrounds it.
    planted = xs + [1000 + 10 * i for i in range(8)]
    r = spc([float(x) for x in planted], "higher_is_better")
    assert all(3 in p.rules for p in r.points[-7:])
