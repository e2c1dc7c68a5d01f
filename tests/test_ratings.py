"""Tests for RAG ratings, the survey rule, the incomplete-data override and significance.

Expected values are worked by hand here or computed independently with scipy.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from pcc_report.ratings import (
    RAG_KEY,
    change_test,
    compare,
    false_alarms,
    poisson_change,
    proportion_change,
    rag_key,
    rate,
    wilson_interval,
)

STYLESHEET = Path(__file__).resolve().parents[1] / "book" / "_static" / "report.css"

# ----- compare -----------------------------------------------------------------------------


def test_green_better_lower_is_better():
    r = compare(90, 100, "lower_is_better", tolerance=0.05)
    assert (r.rag, r.direction, r.arrow) == ("Green", "down", "↓")
    assert r.change == -10 and r.pct_change == pytest.approx(-10.0)


def test_green_when_equal():
    r = compare(100, 100, "lower_is_better")
    assert (r.rag, r.direction, r.arrow, r.change) == ("Green", "no change", "→", 0.0)


def test_amber_and_red_relative_tolerance_edges():
    # 5% of 100 is 5: 105 is exactly at the tolerance (Amber), 105.01 just beyond (Red)
    at = compare(105, 100, "lower_is_better", tolerance=0.05)
    assert (at.rag, at.direction, at.arrow) == ("Amber", "up", "↑")
    assert at.pct_change == pytest.approx(5.0)
    assert compare(103, 100, "lower_is_better", tolerance=0.05).rag == "Amber"
    assert compare(105.01, 100, "lower_is_better", tolerance=0.05).rag == "Red"
    assert compare(101, 100, "lower_is_better").rag == "Red"  # default tolerance 0


def test_points_tolerance_edges_for_percentages():
    # satisfaction 80.0% -> 78.0% is 2 points worse: Amber at 2 points, Red beyond
    assert compare(78.0, 80.0, "higher_is_better", 2.0, "points").rag == "Amber"
    assert compare(77.9, 80.0, "higher_is_better", 2.0, "points").rag == "Red"
    # 84.3 - 82.1 is 2.200000000000003 in binary floating point; still "at" 2.2 points
    assert compare(82.1, 84.3, "higher_is_better", 2.2, "points").rag == "Amber"
    # the same 2-point fall is 2.5% relative, so a 5% relative tolerance is Amber too,
    # but a 2% relative one is Red: the unit matters
    assert compare(78.0, 80.0, "higher_is_better", 0.05, "relative").rag == "Amber"
    assert compare(78.0, 80.0, "higher_is_better", 0.02, "relative").rag == "Red"


def test_increase_is_aim():
    up = compare(1100, 1000, "increase_is_aim", tolerance=0.05)
    assert (up.rag, up.direction, up.pct_change) == ("Green", "up", pytest.approx(10.0))
    assert compare(950, 1000, "increase_is_aim", tolerance=0.05).rag == "Amber"
    assert compare(940, 1000, "increase_is_aim", tolerance=0.05).rag == "Red"


def test_neutral_is_not_rated_with_direction():
    r = compare(120, 100, "neutral", tolerance=0.05)
    assert (r.rag, r.direction, r.arrow) == ("Not rated", "up", "↑")


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, float("nan")])
def test_missing_is_not_available_never_zero(missing):
    for r in (
        compare(missing, 100, "lower_is_better"),
        compare(100, missing, "lower_is_better"),
    ):
        assert r.rag == "Not available"
        assert (r.direction, r.arrow, r.change, r.pct_change) == (None, None, None, None)


def test_zero_comparator():
    r = compare(3, 0, "lower_is_better", tolerance=0.5)
    assert r.rag == "Red" and r.pct_change is None and r.change == 3
    assert compare(3, 0, "higher_is_better").rag == "Green"
    same = compare(0, 0, "lower_is_better")
    assert same.rag == "Green" and same.pct_change is None
    # with a points tolerance a zero comparator is no problem
    assert compare(1.0, 0.0, "lower_is_better", 1.0, "points").rag == "Amber"


def test_invalid_arguments():
    with pytest.raises(ValueError):
        compare(1, 2, "up")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        compare(1, 2, "neutral", tolerance_kind="percent")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        compare(1, 2, "neutral", tolerance=-0.1)


def _luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance, written out from the specification."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _stylesheet_colours() -> dict[str, tuple[str, str]]:
    """RAG -> (background, text) as the book's stylesheet colours the rating cells."""
    rule = re.compile(r"td\.rag-(\w+)\s*\{\s*background:\s*(#[0-9a-fA-F]{6})[^;]*;\s*"
                      r"color:\s*(#[0-9a-fA-F]{6})")  # fmt: skip
    css = STYLESHEET.read_text(encoding="utf-8")
    return {m.group(1).capitalize(): (m.group(2), m.group(3)) for m in rule.finditer(css)}


def test_every_coloured_rating_has_a_colour_pair_in_the_book():
    # the ratings compare() gives that carry a judgement are the ones the book colours
    judged = {
        compare(90, 100, "lower_is_better").rag,
        compare(104, 100, "lower_is_better", 0.05).rag,
        compare(200, 100, "lower_is_better").rag,
    }
    assert set(_stylesheet_colours()) == judged == {"Green", "Amber", "Red"}


@pytest.mark.parametrize("rag", ["Green", "Amber", "Red"])
def test_rating_colours_in_the_book_meet_wcag_aa(rag):
    background, text = _stylesheet_colours()[rag]
    light, dark = sorted((_luminance(background), _luminance(text)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 4.5


def test_rag_key_explains_every_rating_the_tables_give():
    given = {
        compare(90, 100, "lower_is_better").rag,
        compare(104, 100, "lower_is_better", 0.05).rag,
        compare(200, 100, "lower_is_better").rag,
        compare(200, 100, "neutral").rag,
    }
    assert set(RAG_KEY) == given
    key = rag_key()
    assert all(f"{rag} = {meaning}" in key for rag, meaning in RAG_KEY.items())


# ----- the survey rule and the incomplete-data override ----------------------------------------


@pytest.mark.parametrize(
    ("now", "plain", "classification", "rag"),
    [
        # 80 of 100 before. pooled p = 170/200 = .85, se = sqrt(.85*.15*(2/100)) = .050498,
        # z = .10/.0505 = 1.98, two-sided p = .048 < .05
        (90, "Green", "significant improvement", "Green"),
        # pooled .825, se = .053735, z = .05/.0537 = 0.93: better but not significant
        (85, "Green", "no significant change", "Green"),
        # pooled .75, se = .061237, z = -.10/.0612 = -1.63, p = .10: 10 points worse would be
        # plain Red, but the fall is not significant: no significant change, Green
        (70, "Red", "no significant change", "Green"),
        # pooled .70, se = .064807, z = -.20/.0648 = -3.09
        (60, "Red", "significant deterioration", "Red"),
    ],
)
def test_survey_rating_follows_significance(now, plain, classification, rag):
    significance = proportion_change(now, 100, 80, 100)
    assert significance.classification == classification
    assert compare(now, 80, "higher_is_better", 2.0, "points").rag == plain
    r = rate(now, 80, "higher_is_better", 2.0, "points", test=significance)
    assert r.rag == rag
    assert r.change == pytest.approx(now - 80) and r.direction == ("up" if now > 80 else "down")


def test_survey_rule_keeps_not_available_and_not_rated():
    significant = proportion_change(90, 100, 60, 100)
    assert rate(None, 60, "higher_is_better", test=significant).rag == "Not available"
    assert rate(90, 60, "neutral", test=significant).rag == "Not rated"


def test_partial_total_is_not_rated():
    # 11 months of 10 against 12 months of 10 is a fall of 10: it would be Green
    assert rate(110, 120, "lower_is_better", 0.05).rag == "Green"
    r = rate(110, 120, "lower_is_better", 0.05, partial_total=True)
    assert (r.rag, r.direction, r.arrow, r.change, r.pct_change) == (
        "Not available", None, None, None, None,
    )  # fmt: skip


# ----- Wilson interval ------------------------------------------------------------------------


def test_wilson_81_of_263_by_hand_and_scipy():
    # Hand formula with z = 1.959964: p = 81/263 = 0.307985
    z = stats.norm.ppf(0.975)
    n, p = 263, 81 / 263
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    lo, hi = wilson_interval(81, 263)
    assert (lo, hi) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)  # worked on paper
    ci = stats.binomtest(81, 263).proportion_ci(confidence_level=0.95, method="wilson")
    assert (lo, hi) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_wilson_edges_and_level():
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and 0 < hi < 1
    lo, hi = wilson_interval(10, 10)
    assert 0 < lo < 1 and hi == 1.0
    ci = stats.binomtest(30, 40).proportion_ci(confidence_level=0.9, method="wilson")
    assert wilson_interval(30, 40, level=0.9) == pytest.approx((ci.low, ci.high), abs=1e-9)
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


# ----- two-proportion z-test --------------------------------------------------------------------


def test_significant_improvement_by_hand_and_scipy():
    # 850/1000 now vs 800/1000 before. Pooled P = 1650/2000 = 0.825;
    # SE = sqrt(0.825 * 0.175 * (2/1000)) = sqrt(0.00028875) = 0.0169926;
    # z = 0.05 / 0.0169926 = 2.94245; two-sided p = 0.003257
    r = proportion_change(850, 1000, 800, 1000)
    assert (r.p_now, r.p_before) == (0.85, 0.8)
    assert r.difference_pp == pytest.approx(5.0)
    assert r.z == pytest.approx(0.05 / math.sqrt(0.825 * 0.175 * 0.002))
    assert r.z == pytest.approx(2.94245, abs=1e-5)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(r.z))
    # independent check: the uncorrected chi-squared test on the 2x2 table is z squared
    chi2, p, _, _ = stats.chi2_contingency([[850, 150], [800, 200]], correction=False)
    assert r.z**2 == pytest.approx(chi2) and r.p_value == pytest.approx(p)
    assert r.classification == "significant improvement"
    assert r.ci_now == pytest.approx(wilson_interval(850, 1000))


def test_polarity_of_significance():
    assert proportion_change(800, 1000, 850, 1000).classification == "significant deterioration"
    lower = proportion_change(850, 1000, 800, 1000, polarity="lower_is_better")
    assert lower.classification == "significant deterioration"
    neutral = proportion_change(850, 1000, 800, 1000, polarity="neutral")
    assert neutral.classification == "significant increase"


def test_no_significant_change_small_samples():
    # 85/100 vs 80/100: P = 0.825, SE = sqrt(0.825 * 0.175 * 0.02) = 0.053735, z = 0.9305,
    # p = 0.352 -> not significant
    r = proportion_change(85, 100, 80, 100)
    assert r.z == pytest.approx(0.9305, abs=1e-4)
    assert r.classification == "no significant change"


def test_significance_threshold_is_p_below_005():
    # choose counts either side of z = 1.96 with equal n = 1000: before 800/1000
    # 834/1000: P = 0.817, SE = sqrt(0.817 * 0.183 * 0.002) = 0.017292, z = 1.966 (p = 0.049)
    # 833/1000: P = 0.8165, SE = 0.017316, z = 1.906 (p = 0.057)
    assert proportion_change(834, 1000, 800, 1000).p_value == pytest.approx(0.0493, abs=5e-4)
    assert proportion_change(834, 1000, 800, 1000).classification == "significant improvement"
    assert proportion_change(833, 1000, 800, 1000).classification == "no significant change"


def test_degenerate_and_missing_samples():
    same = proportion_change(10, 10, 20, 20)
    assert (same.z, same.p_value, same.classification) == (0.0, 1.0, "no significant change")
    for args in ((0, 0, 5, 10), (5, 10, 0, 0), (None, 10, 5, 10)):
        r = proportion_change(*args)
        assert r.classification == "not available"
        assert r.p_now is None and r.z is None and r.ci_now is None
    with pytest.raises(ValueError):
        proportion_change(11, 10, 5, 10)


# ----- the significance rule: counts (exact Poisson) and percentages --------------------------


def test_robbery_256_to_279_is_no_significant_change():
    """DOMAIN example: p ~ 0.3, checked against scipy's exact binomial test."""
    test = poisson_change(279, 256, "lower_is_better")
    assert test.p_value == pytest.approx(stats.binomtest(279, 535, 0.5).pvalue, rel=1e-9)
    assert 0.3 < test.p_value < 0.4
    assert test.classification == "no significant change"
    r = rate(279, 256, "lower_is_better", 0.05, test=test)
    assert (r.rag, r.arrow, r.rule, r.significant) == ("Green", "↑", "significance", False)
    # the simple rule would call the same change Red (9% worse, beyond 5%)
    assert rate(279, 256, "lower_is_better", 0.05, test=test, rule="simple").rag == "Red"


@pytest.mark.parametrize(
    ("now", "before", "exposures"),
    [(120, 80, (1, 1)), (5, 0, (1, 1)), (0, 0, (1, 1)), (30, 60, (3, 12)), (1040, 1000, (1, 1))],
)
def test_poisson_test_matches_scipy(now, before, exposures):
    q = exposures[0] / sum(exposures)
    expected = 1.0 if now + before == 0 else stats.binomtest(now, now + before, q).pvalue
    got = poisson_change(now, before, exposure_now=exposures[0], exposure_before=exposures[1])
    assert got.p_value == pytest.approx(expected, rel=1e-9)


def test_significant_worsening_is_amber_within_and_red_beyond_tolerance():
    # 10,400 against 10,000: 4% worse (within 5%). By hand: z ~ (10400-10000)/sqrt(20400) = 2.8
    within = rate(10400, 10000, "lower_is_better", 0.05,
                  test=poisson_change(10400, 10000, "lower_is_better"))
    assert (within.rag, within.significant) == ("Amber", True)
    beyond = rate(12000, 10000, "lower_is_better", 0.05,
                  test=poisson_change(12000, 10000, "lower_is_better"))
    assert beyond.rag == "Red"
    better = rate(9000, 10000, "lower_is_better", 0.05,
                  test=poisson_change(9000, 10000, "lower_is_better"))
    assert (better.rag, better.significant) == ("Green", True)


def test_a_999_change_of_0_0007_points_is_no_change():
    # 90.0007% of 1,000,000 calls against 90.0000%: by hand z = 0.000007 / sqrt(.9*.1*2e-6)
    # = 0.0165, p = 0.987
    test = change_test("percentage", "higher_is_better", (900_007, 1_000_000),
                       (900_000, 1_000_000))
    assert test.test == "two-proportion z-test"
    assert test.p_value == pytest.approx(math.erfc(0.000007 / math.sqrt(.9 * .1 * 2e-6)
                                                   / math.sqrt(2)), rel=1e-3)
    r = rate(90.0007, 90.0, "higher_is_better", 2.0, "points", test=test)
    assert (r.rag, r.significant) == ("Green", False)


def test_change_test_by_unit():
    assert change_test("count", "lower_is_better", (5, None), (3, None)).test.startswith("exact")
    assert change_test("snapshot", "neutral", (5, None), (3, None)) is None
    assert change_test("mean", "lower_is_better", (5, 1), (3, 1)) is None
    assert change_test("percentage", "higher_is_better", (None, None), (3, 4)).classification \
        == "not available"


def test_no_test_falls_back_to_the_simple_rule_and_says_so():
    r = rate(110, 100, "lower_is_better", 0.05, test=None)
    assert (r.rag, r.rule) == ("Red", "simple")
    assert rate(110, 100, "neutral", test=None).rule is None


def test_unknown_rule_is_an_error():
    with pytest.raises(ValueError):
        rate(1, 2, "lower_is_better", rule="lenient")


def test_false_alarms_by_hand():
    # 20 tests at 95%: 1 expected; 1 - 0.95**20 = 0.6415
    expected, chance = false_alarms(20)
    assert expected == pytest.approx(1.0) and chance == pytest.approx(0.641514, abs=1e-6)
    assert false_alarms(0) == (0.0, 0.0)


def test_rag_key_states_each_rule():
    assert rag_key().startswith("Green = better than the comparator, or no significant change")
    assert rag_key("simple").startswith("Green = at or better than the comparator")
