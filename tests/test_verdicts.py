"""Tests for the one verdict per measure and its wording (rules in pcc_report.verdicts).

Assessments are built from small hand-made series, so each expected reading follows from
the numbers in the comments, not from the code under test.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from measurecases import CALLS_999, calls, measure, months, tidy_of

from pcc_report.measures import Settings, assess
from pcc_report.periods import Month, report_windows
from pcc_report.rating_wording import rule_note, verdict_sentence
from pcc_report.verdicts import (
    COMPARATORS_DIFFER,
    MAIN,
    PERIODS_DIFFER,
    differs,
    reading,
    verdict,
)


def assessed(counts: dict[str, int], m=None, baseline_fy=None, rule="significance"):
    return assess(m or measure(), tidy_of(counts), {},
                  report_windows(Month(2022, 12), baseline_fy), settings=Settings(rule=rule))


def steady(first="2020-01", value=100):
    return {m: value for m in months(first, "2022-12")}


def test_no_change_and_common_cause_is_no_significant_change():
    counts = {m: 100 + (3 if i % 2 else -3) for i, m in enumerate(months("2020-01", "2022-12"))}
    a = assessed(counts)
    v = verdict(a)
    assert v.status == "no significant change" and not v.exception
    assert v.readings[MAIN] == "no significant change"
    assert verdict_sentence(a, v).startswith("Burglary: no significant change. The same as")


def test_lower_than_last_year_but_latest_months_show_concern():
    # 2022: ten months of 80 then 130, 130 (a recent rise); 2021: 100 a month. The year is
    # 1,060 against 1,200 (lower, significant: p < 0.01). Of the last three points, October
    # ends a run of ten below the centre (improvement) and the two 130s are far above the
    # limits (concern): a mixed reading. Views differ: different periods.
    counts = steady("2020-01")
    for m in months("2022-01", "2022-10"):
        counts[m] = 80
    counts["2022-11"] = counts["2022-12"] = 130
    a = assessed(counts)
    v = verdict(a)
    assert v.readings[MAIN] == "better"
    assert v.spc == "mixed"
    assert v.status == "mixed" and v.exception
    assert PERIODS_DIFFER in v.differences
    text = verdict_sentence(a, v)
    assert text.startswith("Burglary: mixed signals. Lower than the previous 12 months "
                           "(statistically significant); ")
    assert ", but the last three months show both special cause concern and improvement" \
        in text
    assert "cover different periods" in text


def test_comparators_that_differ_are_explained():
    # baseline 2019/20 = 60 a month; 2021 = 100; 2022 = 100: no change on last year but
    # significantly higher than the baseline year (1,200 against 720).
    counts = steady("2019-04")
    for m in months("2019-04", "2020-03"):
        counts[m] = 60
    a = assessed(counts, baseline_fy=2019)
    v = verdict(a)
    assert v.readings["latest_12_vs_baseline"] == "worse"
    assert COMPARATORS_DIFFER in v.differences
    assert v.status in ("no significant change", "concern")  # the status rests on MAIN (+SPC)
    text = verdict_sentence(a, v)
    assert "higher than the baseline year (statistically significant)" in text
    assert "compare with different periods" in text


def test_target_consistently_failed_is_an_exception():
    rows = {m: (1000, 700) for m in months("2020-01", "2022-12")}  # 70% against a 90% target
    a = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    v = verdict(a)
    assert v.target == "consistently fails" and "target" in v.concerns
    assert v.status == "concern" and v.exception
    assert "consistently fails its target of 90%" in verdict_sentence(a, v)


def test_neutral_and_missing():
    a = assessed(steady(), m=replace(measure(), polarity="neutral", tolerance=0))
    assert verdict(a).status == "not rated"
    assert verdict_sentence(a, verdict(a)) == (
        "Burglary: not rated (no preferred direction). Unchanged on the previous 12 months.")
    empty = assess(CALLS_999, None, {}, report_windows(Month(2022, 12)))
    assert verdict(empty).status == "not available"


def test_reading_under_each_rule():
    counts = steady("2020-01")
    counts["2022-12"] = 94  # 1,194 against 1,200: not significant
    assert reading(assessed(counts).comparisons[MAIN]) == "no significant change"
    assert reading(assessed(counts, rule="simple").comparisons[MAIN]) == "better"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("better", "worse", True), ("no significant change", "worse", True),
     ("better", "better", False), ("no significant change", "no change", False),
     ("not available", "worse", False)],
)
def test_differs(a, b, expected):
    assert differs(a, b) is expected


def test_rule_note_names_rule_test_and_tolerance():
    a = assessed(steady())
    assert rule_note(a) == ("Burglary: rated on significance at 95% (exact test for two "
                            "Poisson counts); tolerance 5% of the comparator.")
    simple = assessed(steady(), m=replace(measure(), rating="simple"))
    assert "the simple rule" in rule_note(simple)
    assert pd.notna(a.latest_12.value)
