"""Tests for SPC recalculation at known changes, fixed baselines, p′ charts and readings.

Expected values are worked by hand in the comments (or computed here from the textbook
formulas with plain Python), never copied from the code's output.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pcc_report.spc import (
    ProcessChange,
    latest_reading,
    marked_points,
    spc,
    spc_p,
)

MONTHS = [str(m) for m in pd.period_range("2019-10", periods=36, freq="M")]
# A step change: 18 months alternating 100, 104 (mean 102, every moving range 4), then 18
# months alternating 60, 64 (a lockdown). By hand, one set of limits over all 36: mean 82;
# moving ranges: 35, of which 34 are 4 and one (104 -> 60) is 44, mean MR = (34*4+44)/35.
STEP = [100.0, 104.0] * 9 + [60.0, 64.0] * 9
LOCKDOWN = ProcessChange("2021-04", "first national lockdown")


def series(values, months=MONTHS):
    return pd.Series(values, index=months[: len(values)])


def test_step_change_without_recalculation_marks_nearly_everything():
    r = spc(series(STEP), "lower_is_better")
    mean_mr = (34 * 4 + 44) / 35
    assert r.centre == pytest.approx(82.0)
    assert r.upper == pytest.approx(82 + 2.66 * mean_mr)
    assert len(r.segments) == 1 and not r.recalculated
    # every point is on one side of the mean in a run of 18: all 36 are rule-2 shifts
    assert all(2 in p.rules for p in r.points)


def test_step_change_with_recalculation_has_two_sets_of_limits_and_no_signal():
    r = spc(series(STEP), "lower_is_better", changes=[LOCKDOWN])
    assert r.recalculated
    first, second = r.segments
    assert (first.first, first.last, first.points, first.reason) == (
        "2019-10", "2021-03", 18, None)
    assert (second.first, second.last, second.points) == ("2021-04", "2022-09", 18)
    assert second.reason == "first national lockdown"
    # by hand: segment 1 mean 102, mean MR 4, limits 102 +/- 10.64; segment 2 mean 62
    assert first.centre == pytest.approx(102.0)
    assert first.upper == pytest.approx(112.64) and first.lower == pytest.approx(91.36)
    assert second.centre == pytest.approx(62.0)
    assert second.upper == pytest.approx(72.64)
    assert r.centre == pytest.approx(62.0)  # the result's lines are the latest segment's
    assert not any(p.special_cause for p in r.points)
    assert [p.segment for p in r.points] == [0] * 18 + [1] * 18
    frame = r.to_frame()
    assert frame.loc["2021-03", "centre"] == pytest.approx(102.0)
    assert frame.loc["2021-04", "centre"] == pytest.approx(62.0)


def test_rules_do_not_run_across_a_break():
    # 6 high points then 6 more after a break: 12 in a row above any common mean, but
    # each segment's own mean sits in its middle, and a run of 6 is under 7 anyway.
    values = [10.0, 12.0] * 9 + [30.0] * 6 + [10.0, 12.0] * 6
    months = MONTHS[: len(values)]
    change = ProcessChange(months[18], "recording change")
    r = spc(series(values, months), "higher_is_better", changes=[change])
    assert len(r.segments) == 2
    assert r.segments[1].mean_moving_range is not None


def test_fixed_baseline_is_extended_forward():
    # baseline 12: limits from the first 12 points (10, 12 alternating: mean 11, MR 2,
    # limits 5.68..16.32) applied to the later points, which then rise to 20: rule 1.
    values = [10.0, 12.0] * 6 + [11.0, 20.0, 11.0]
    r = spc(series(values), "higher_is_better", baseline=12)
    assert r.centre == pytest.approx(11.0) and r.upper == pytest.approx(16.32)
    assert r.baseline_points == 12
    assert 1 in r.points[13].rules


def test_changes_outside_the_chart_and_on_one_point():
    values = STEP
    before = ProcessChange("2018-01", "before the chart")
    after = ProcessChange("2030-01", "after the chart")
    a = ProcessChange("2021-04", "lockdown")
    b = ProcessChange("2021-04", "new crime recording system")
    r = spc(series(values), "lower_is_better", changes=[after, b, before, a])
    assert len(r.segments) == 2
    assert r.segments[1].reason == "new crime recording system; lockdown" or \
        r.segments[1].reason == "lockdown; new crime recording system"


def test_change_at_a_missing_month_starts_at_the_next_observed_point():
    values = list(STEP)
    values[18] = math.nan  # 2021-04 missing
    r = spc(series(values), "lower_is_better", changes=[LOCKDOWN])
    assert r.segments[1].first == "2021-05"


def test_short_segment_gets_trial_limits_and_one_point_none():
    values = [10.0, 12.0] * 9 + [11.0]
    months = MONTHS[: len(values)]
    r = spc(series(values, months), "higher_is_better",
            changes=[ProcessChange(months[-1], "new system")])
    assert r.segments[0].trial_limits is False
    last = r.segments[1]
    assert last.points == 1 and last.upper is None and last.centre == pytest.approx(11.0)


# ---- p′ charts -------------------------------------------------------------------------


def _hand_p_limits(num, den, laney):
    """Textbook p and Laney p′ limits in plain Python, point by point (per cent)."""
    p_bar = sum(num) / sum(den)
    sig = [math.sqrt(p_bar * (1 - p_bar) / n) for n in den]
    sigma_z = 1.0
    if laney:
        z = [(x / n - p_bar) / s for x, n, s in zip(num, den, sig, strict=True)]
        sigma_z = sum(abs(b - a) for a, b in zip(z, z[1:], strict=False)) / (len(z) - 1) / 1.128
    upper = [min(100.0, 100 * (p_bar + 3 * s * sigma_z)) for s in sig]
    lower = [max(0.0, 100 * (p_bar - 3 * s * sigma_z)) for s in sig]
    return 100 * p_bar, upper, lower


DEN = [400, 250, 600, 350, 500, 300, 450, 550, 200, 650, 380, 420, 480, 260, 520, 340]
NUM = [312, 190, 474, 280, 385, 228, 351, 440, 150, 507, 300, 323, 379, 200, 400, 270]


@pytest.mark.parametrize("laney", [False, True])
def test_p_chart_limits_per_point_match_hand_calculation(laney):
    num, den = series(NUM), series(DEN)
    r = spc_p(num, den, "higher_is_better", laney=laney)
    centre, upper, lower = _hand_p_limits(NUM, DEN, laney)
    assert r.chart_type == "p"
    frame = r.to_frame()
    assert frame["centre"].tolist() == pytest.approx([centre] * len(NUM))
    assert frame["upper"].tolist() == pytest.approx(upper)
    assert frame["lower"].tolist() == pytest.approx(lower)
    assert frame["value"].tolist() == pytest.approx([100 * x / n for x, n in zip(NUM, DEN,
                                                                                 strict=True)])
    # the limits narrow as the denominator grows
    assert frame["upper"].iloc[9] < frame["upper"].iloc[8]


def test_p_chart_flags_a_point_beyond_its_own_limit():
    num, den = list(NUM), list(DEN)
    num[-1] = 150  # 150 of 340 = 44%, far below a centre near 77%
    r = spc_p(series(num), series(den), "higher_is_better", laney=False, baseline=15)
    assert 1 in r.points[-1].rules and r.variation == "special cause concern"


def test_p_chart_with_few_points_is_a_run_chart_of_percentages():
    r = spc_p(series(NUM[:10]), series(DEN[:10]), "higher_is_better")
    assert r.chart_type == "run"
    assert r.points[0].value == pytest.approx(78.0)


def test_p_chart_rejects_impossible_counts():
    with pytest.raises(ValueError):
        spc_p(series([5]), series([4]), "higher_is_better")


# ---- readings used by captions and verdicts ------------------------------------------


def test_marked_points_grouped_by_rule_and_side():
    values = [10.0, 12.0] * 7 + [11.0, 20.0, 21.0, 11.0]
    r = spc(series(values), "lower_is_better", baseline=14)
    groups = marked_points(r)
    assert (1, "high", ("2021-01", "2021-02")) in groups
    assert latest_reading(r) == "special cause concern"  # two of the last three
    assert r.variation == "common cause"  # the latest point alone is not flagged


def test_latest_reading_mixed_and_common():
    values = [10.0, 12.0] * 7 + [1.0, 21.0, 11.0]
    r = spc(series(values), "higher_is_better", baseline=14)
    assert latest_reading(r) == "mixed"
    assert latest_reading(spc(series([10.0, 12.0] * 8), "higher_is_better")) == "common cause"
    assert latest_reading(spc(series([]), "higher_is_better")) == "not available"
