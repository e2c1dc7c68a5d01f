"""Performance by exception: rule 6 of pcc_report.verdicts and the exceptions page's table.

Each case is a small hand-made series whose reading follows from the numbers in its comment
(as in tests/test_verdicts.py), so the expected exception does not come from the code.
"""

from __future__ import annotations

from dataclasses import replace

from measurecases import CALLS_999, calls, measure, months, tidy_of

from pcc_report.exceptions import COLUMNS, exception_table
from pcc_report.measures import Settings, assess
from pcc_report.periods import Month, report_windows
from pcc_report.rating_wording import exception_sentence
from pcc_report.verdicts import BASELINE, MAIN, exception_reasons, verdict


def assessed(counts, m=None, baseline_fy=None):
    return assess(m or measure(), tidy_of(counts), {},
                  report_windows(Month(2022, 12), baseline_fy), settings=Settings())


def alternating(first="2019-04", centre=100):
    return {m: centre + (3 if i % 2 else -3) for i, m in enumerate(months(first, "2022-12"))}


def test_common_cause_and_no_change_is_not_an_exception():
    a = assessed(alternating("2020-01"))
    v = verdict(a)
    assert not v.exception and v.exception_reasons == ()
    assert exception_sentence(a, v) == ""
    assert exception_table([a], {}).empty


def test_significant_worsening_against_the_previous_12_months():
    # 2022: 130 a month (1,560) against 100 a month in 2021 (1,200): a significant rise of a
    # lower-is-better count.
    counts = alternating("2020-01")
    for m in months("2022-01", "2022-12"):
        counts[m] = 130
    a = assessed(counts)
    v = verdict(a)
    assert MAIN in v.exception_reasons and v.exception
    assert exception_sentence(a, v).startswith(
        "Higher than the previous 12 months (statistically significant, rated ")


def test_significant_worsening_against_the_baseline_only():
    # baseline 2019/20 = 60 a month; since then 100 a month: no change on last year, but
    # significantly higher than the baseline (1,200 against 720). The old rule (concern or
    # mixed status) missed this; performance by exception names it.
    counts = alternating("2019-04")
    for m in months("2019-04", "2020-03"):
        counts[m] = 60
    a = assessed(counts, baseline_fy=2019)
    v = verdict(a)
    assert v.readings[MAIN] != "worse" and v.readings[BASELINE] == "worse"
    assert v.exception_reasons[0] == BASELINE
    assert "higher than the baseline year (statistically significant" in \
        exception_sentence(a, v).lower()


def test_special_cause_concern_in_the_latest_points():
    # steady 100 (alternating) then the last two months at 160, far above the upper limit
    # (about 100 + 2.66 x 6): concern in the last three points; the year's total (1,320
    # against 1,200) also rises, which is a second reason, listed first.
    counts = alternating("2020-01")
    counts["2022-11"] = counts["2022-12"] = 160
    v = verdict(assessed(counts))
    assert "spc" in v.exception_reasons
    assert v.spc in ("special cause concern", "mixed")


def test_a_target_consistently_failed():
    rows = {m: (1000, 700) for m in months("2020-01", "2022-12")}  # 70% against 90%
    a = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    v = verdict(a)
    assert v.exception_reasons == ("target",)
    assert exception_sentence(a, v) == "It consistently fails its target of 90%."
    table = exception_table([a], {CALLS_999.priority: "Answer the public"})
    assert list(table.columns) == list(COLUMNS)
    assert table.iloc[0].tolist() == ["Answer the public", CALLS_999.title,
                                      "It consistently fails its target of 90%."]


def test_neutral_and_unavailable_measures_are_never_exceptions():
    counts = alternating("2020-01")
    for m in months("2022-01", "2022-12"):
        counts[m] = 130
    neutral = assessed(counts, m=replace(measure(), polarity="neutral", tolerance=0))
    assert not verdict(neutral).exception
    empty = assess(CALLS_999, None, {}, report_windows(Month(2022, 12)))
    assert not verdict(empty).exception


def test_exception_reasons_rule_directly():
    worse = {MAIN: "worse", BASELINE: "worse", "latest_quarter_vs_same_quarter_last_year": "worse"}
    assert exception_reasons(worse, "common cause", None) == (MAIN, BASELINE)  # quarter: context
    calm = dict.fromkeys(worse, "no significant change")
    assert exception_reasons(calm, "mixed", "consistently fails") == ("spc", "target")
    assert exception_reasons(calm, "special cause improvement", "consistently passes") == ()


def test_the_table_groups_exceptions_in_plan_order():
    rows = {m: (1000, 700) for m in months("2020-01", "2022-12")}  # 70% against 90%
    a = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    earlier = replace(a, measure=replace(CALLS_999, id="other", title="Other calls",
                                         priority="first"))
    # the catalogue lists CALLS_999 first; the plan puts priority "first" before it
    table = exception_table([a, earlier], {"first": "First", CALLS_999.priority: "Answer"})
    assert table["Priority"].tolist() == ["First", "Answer"]
    assert table["Measure"].tolist() == ["Other calls", CALLS_999.title]
