"""Tests for the figures of each measure: monthly series, windows, comparisons and SPC points.

Every expected figure is worked by hand in the comments next to it; the frames are built
here and in tests/measurecases.py (no demo data), small enough to check on paper.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest
from measurecases import (
    CALLS_999,
    DA_REFERRALS,
    FTE,
    HATE_CRIME,
    OFFICERS,
    SATISFACTION,
    calls,
    fy_tidy,
    hate_crime,
    measure,
    months,
    tidy_of,
)

from pcc_report.catalogue import Measure
from pcc_report.measures import (
    TOTAL,
    Settings,
    WindowValue,
    assess,
    assess_all,
    breakdown_table,
    compare_windows,
    monthly_series,
    window_value,
)
from pcc_report.periods import Month, Window, report_windows
from pcc_report.returns import load_returns

# ----- force returns -------------------------------------------------------------------------


def test_header_only_return_gives_not_available(tmp_path):
    (tmp_path / "workforce.csv").write_text(
        "month,police_officers,pcsos,special_constables,cadets\n", encoding="utf-8"
    )
    returns = load_returns(tmp_path)
    a = assess(OFFICERS, None, returns, report_windows(Month(2022, 12)))
    assert a.latest_12.status == "not available" and a.latest_12.value is None


# ----- monthly series ------------------------------------------------------------------------


def test_police_uk_series_zero_only_for_months_that_were_read():
    tidy = pd.concat(
        [
            tidy_of({"2022-01": 3, "2022-03": 5}),
            tidy_of({"2022-01": 7, "2022-02": 2, "2022-03": 1}, "Anti-social behaviour"),
            tidy_of({"2022-04": 4}, "Drugs"),
        ]
    )
    series = monthly_series(measure(), tidy, {}, incomplete_months=["2022-04"])
    # Feb was read and had no burglary: zero. Apr had no file (incomplete): a gap, not zero.
    assert series["month"].tolist() == ["2022-01", "2022-02", "2022-03"]
    assert series["value"].tolist() == [3, 0, 5]
    assert series["denominator"].isna().all()
    # all recorded crime excludes ASB: Jan 3, Feb 0, Mar 5, Apr 4 (drugs)
    all_crime = measure(crime_types=(), exclude_crime_types=("Anti-social behaviour",))
    assert monthly_series(all_crime, tidy, {})["value"].tolist() == [3, 0, 5, 4]
    asb = measure(crime_types=("Anti-social behaviour",))
    assert monthly_series(asb, tidy, {})["value"].tolist() == [7, 2, 1, 0]


def test_return_series_filters_and_computes_monthly_percentages():
    returns = calls({"2022-11": (1000, 900), "2022-12": (100, 50)})
    series = monthly_series(CALLS_999, None, returns)
    assert series["numerator"].tolist() == [900, 50]
    assert series["denominator"].tolist() == [1000, 100]
    assert series["value"].tolist() == pytest.approx([90.0, 50.0])


def test_quarterly_values_sit_at_the_quarters_last_month():
    returns = {
        "first_time_entrants": pd.DataFrame(
            {
                "quarter": ["2022-23-Q1", "2022-23-Q3", "2022-23-Q4"],
                "first_time_entrants": [5, 7, 9],
            }
        )
    }
    series = monthly_series(FTE, None, returns)
    # Q1 Apr-Jun 2022 -> June; Q3 Oct-Dec -> December; Q4 Jan-Mar 2023 -> March 2023
    assert series["month"].tolist() == ["2022-06", "2022-12", "2023-03"]
    assert series["value"].tolist() == [5, 7, 9]


# ----- window values -------------------------------------------------------------------------


def test_count_window_sums_and_marks_missing_months():
    counts = {m: 10 for m in months("2021-01", "2022-12")}
    counts["2022-12"] = 15
    windows = report_windows(Month(2022, 12))
    series = monthly_series(measure(), tidy_of(counts), {})
    latest = window_value(measure(), series, windows["latest_12"])
    assert (latest.value, latest.status, latest.complete) == (125, "ok", True)  # 11*10 + 15
    assert (latest.months_expected, latest.months_present) == (12, 12)

    del counts["2022-06"]  # no street file for June 2022
    series = monthly_series(measure(), tidy_of(counts), {})
    latest = window_value(measure(), series, windows["latest_12"])
    assert (latest.value, latest.status, latest.complete) == (115, "incomplete", False)
    assert (latest.months_present, latest.missing) == (11, ("2022-06",))

    earlier = Window("w", "w", Month(2019, 1), Month(2019, 12))
    none = window_value(measure(), series, earlier)
    assert (none.value, none.status, none.months_present) == (None, "not available", 0)


def test_percentage_window_pools_numerators_and_denominators():
    returns = calls({"2022-11": (1000, 900), "2022-12": (100, 50)})
    series = monthly_series(CALLS_999, None, returns)
    both = Window("w", "Nov-Dec", Month(2022, 11), Month(2022, 12))
    wv = window_value(CALLS_999, series, both)
    # pooled: (900 + 50) / (1000 + 100) = 950 / 1100 = 86.36%; the average of the monthly
    # percentages, (90 + 50) / 2 = 70%, would be wrong
    assert (wv.numerator, wv.denominator) == (950, 1100)
    assert wv.value == pytest.approx(86.3636, abs=1e-4)
    assert not math.isclose(wv.value, 70.0)


def test_snapshot_is_the_value_at_the_windows_last_month():
    officers = {m: 1000.0 + i for i, m in enumerate(months("2022-01", "2022-12"))}  # Dec 1011
    del officers["2022-06"]
    frame = pd.DataFrame({"month": list(officers), "police_officers": list(officers.values())})
    returns = {"workforce": frame.assign(pcsos=1.0, special_constables=1.0, cadets=1.0)}
    series = monthly_series(OFFICERS, None, returns)
    windows = report_windows(Month(2022, 12))
    latest = window_value(OFFICERS, series, windows["latest_12"])
    # the value at December 2022 (never a sum); June's gap does not matter to a stock
    assert (latest.value, latest.status, latest.months_expected) == (1011.0, "ok", 1)
    quarter = window_value(OFFICERS, series, windows["previous_quarter"])  # Jul-Sep 2022
    assert quarter.value == 1008.0
    last_fy = window_value(OFFICERS, series, windows["last_fy"])  # March 2022
    assert last_fy.value == 1002.0

    no_end = monthly_series(OFFICERS, None, {"workforce": returns["workforce"].iloc[:-1]})
    latest = window_value(OFFICERS, no_end, windows["latest_12"])  # December missing
    assert (latest.value, latest.status) == (None, "not available")


def test_first_time_entrants_windows_hold_the_quarters_ending_in_them():
    quarters = ["2021-22-Q1", "2021-22-Q2", "2021-22-Q3", "2021-22-Q4", "2022-23-Q1", "2022-23-Q2"]
    returns = {
        "first_time_entrants": pd.DataFrame(
            {"quarter": quarters, "first_time_entrants": [10, 20, 30, 40, 50, 60]}
        )
    }
    # quarter ends: Jun 21 = 10, Sep 21 = 20, Dec 21 = 30, Mar 22 = 40, Jun 22 = 50, Sep 22 = 60
    a = assess(FTE, None, returns, report_windows(Month(2022, 8)))
    w = a.windows
    assert w["latest_12"].value == 140  # Sep 21 to Aug 22: Sep 20 + Dec 30 + Mar 40 + Jun 50
    assert (w["latest_12"].months_expected, w["latest_12"].status) == (4, "ok")
    assert w["latest_quarter"].value == 50  # Jun-Aug 2022 holds Q1 (ends June)
    assert w["previous_quarter"].value == 40  # Mar-May 2022 holds Q4 2021/22
    assert w["same_quarter_last_year"].value == 10  # Jun-Aug 2021
    assert (w["fytd"].value, w["last_ytd"].value) == (50, 10)
    # Sep 20 to Aug 21 expects 4 quarters; only June 2021 was supplied
    prev = w["previous_12"]
    assert (prev.value, prev.status, prev.months_present, prev.months_expected) == (
        10, "incomplete", 1, 4,
    )  # fmt: skip
    assert prev.missing == ("2020-09", "2020-12", "2021-03")
    # an incomplete count is not rated (a total over fewer quarters looks like a fall)
    assert a.latest_rating.rag == "Not available"
    # quarterly points, never an XmR monthly chart: 5 quarter ends to Aug 2022 -> run chart
    assert a.spc.chart_type == "run"
    assert [p.label for p in a.spc.points] == [
        "2021-06", "2021-09", "2021-12", "2022-03", "2022-06",
    ]  # fmt: skip

    assert assess(FTE, None, returns, report_windows(Month(2022, 9))).latest_12.value == 180
    # a financial year to date of April-May holds no quarter end: not available, not zero
    fytd = assess(FTE, None, returns, report_windows(Month(2022, 5))).windows["fytd"]
    assert (fytd.value, fytd.status, fytd.months_expected) == (None, "not available", 0)


def test_windows_and_comparisons_when_the_period_ends_in_march():
    a = assess(measure(), fy_tidy(), {}, report_windows(Month(2023, 3), baseline_fy=2020))
    v = {key: wv.value for key, wv in a.windows.items()}
    # Apr-Dec 2022: 9*200 + (4+...+12 = 72) = 1872; Jan-Mar 2023: 3*300 + 6 = 906
    assert v["latest_12"] == v["fytd"] == v["last_fy"] == 2778
    # Apr-Dec 2021: 900 + 72 = 972; Jan-Mar 2022: 600 + 6 = 606
    assert v["previous_12"] == v["last_ytd"] == 1578
    assert v["prior_12"] == v["baseline"] == 378  # Apr-Dec 2020: 72; Jan-Mar 2021: 306
    assert v["latest_quarter"] == 906  # Jan-Mar 2023
    assert v["previous_quarter"] == 633  # Oct-Dec 2022: 210 + 211 + 212
    assert v["same_quarter_last_year"] == 606  # Jan-Mar 2022

    c = a.comparisons
    fytd = c["fytd_vs_last_ytd"]
    assert fytd.change == 1200 and fytd.pct_change == pytest.approx(1200 / 1578 * 100)
    assert (fytd.rating.rag, fytd.rating.arrow) == ("Red", "↑")
    assert c["latest_quarter_vs_previous_quarter"].change == 273  # 906 - 633
    assert c["latest_quarter_vs_same_quarter_last_year"].change == 300  # 906 - 606
    assert c["latest_12_vs_baseline"].pct_change == pytest.approx((2778 - 378) / 378 * 100)
    assert a.previous_rating.rag == "Red"  # 1578 against 378


def test_windows_when_the_period_ends_in_april():
    a = assess(measure(), fy_tidy(), {}, report_windows(Month(2023, 4)))
    v = {key: wv.value for key, wv in a.windows.items()}
    assert v["fytd"] == 304 and v["last_ytd"] == 204  # April 2023 against April 2022
    assert v["last_fy"] == 2778  # the financial year that ended in March 2023
    assert v["latest_12"] == 2778 - 204 + 304  # May 2022 to April 2023
    assert v["latest_quarter"] == 302 + 303 + 304
    assert v["previous_quarter"] == 211 + 212 + 301  # Nov 2022 to Jan 2023
    assert v["same_quarter_last_year"] == 202 + 203 + 204
    assert a.windows["baseline"].status == "not available"  # no baseline year given
    assert a.comparisons["latest_12_vs_baseline"].rating.rag == "Not available"


def test_previous_rating_not_available_without_the_12_months_before():
    a = assess(measure(), fy_tidy(), {}, report_windows(Month(2022, 3)))
    assert a.windows["prior_12"].status == "not available"  # April 2019 to March 2020
    assert a.previous_rating.rag == "Not available"
    assert a.latest_rating.rag == "Red"  # 1578 against 378


# ----- ratings by polarity and tolerance -----------------------------------------------------


def rated(m: Measure, december: int, rule: str = "simple") -> str:
    """Latest 12 months = 11*10 + december against a previous 12 months of 120."""
    counts = {mm: 10 for mm in months("2021-01", "2022-11")}
    counts["2022-12"] = december
    a = assess(m, tidy_of(counts), {}, report_windows(Month(2022, 12)),
               settings=Settings(rule=rule))
    return a.latest_rating.rag


@pytest.mark.parametrize(
    ("polarity", "december", "rag"),
    [
        # lower is better, 5% of 120 = 6 tolerated
        ("lower_is_better", 4, "Green"),  # 114: better
        ("lower_is_better", 10, "Green"),  # 120: same
        ("lower_is_better", 16, "Amber"),  # 126: 6 worse, exactly at the tolerance
        ("lower_is_better", 17, "Red"),  # 127: 7 worse
        ("higher_is_better", 17, "Green"),
        ("higher_is_better", 4, "Amber"),  # 114: 6 fewer
        ("higher_is_better", 3, "Red"),  # 113
        ("increase_is_aim", 17, "Green"),  # more reporting is the aim
        ("increase_is_aim", 4, "Amber"),
        ("increase_is_aim", 3, "Red"),
        ("neutral", 17, "Not rated"),
    ],
)
def test_rag_by_polarity_and_tolerance_edge(polarity, december, rag):
    """The simple rule (rating: simple), chosen by the force's settings."""
    assert rated(measure(polarity=polarity), december) == rag


@pytest.mark.parametrize(
    ("december", "rag"),
    [
        # 120 -> 127: exact Poisson test, 127 of 247 under Binomial(247, 0.5): p = 0.70
        (17, "Green"),
        # 120 -> 190: p < 0.001 and 58% worse, beyond the 5% tolerance
        (80, "Red"),
    ],
)
def test_counts_are_rated_on_significance_by_default(december, rag):
    assert rated(measure(), december, rule="significance") == rag


def test_a_measure_can_choose_the_simple_rule_over_the_force():
    assert rated(replace(measure(), rating="simple"), 17, rule="significance") == "Red"


@pytest.mark.parametrize(("answered", "rag"), [(660, "Amber"), (659, "Red"), (900, "Green")])
def test_percentage_tolerance_is_in_points(answered, rag):
    rows = {m: (1000, 900) for m in months("2021-01", "2022-11")}  # 90.0% before
    rows["2022-12"] = (1000, answered)
    a = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    c = a.comparisons["latest_12_vs_previous_12"]
    # 660: (11*900 + 660) / 12000 = 88.0%, 2.0 points worse = the tolerance; 659: 87.99%
    assert c.change == pytest.approx((11 * 900 + answered) / 120 - 90.0)
    assert c.pct_change is None  # percentages change in points, not %
    assert c.rating.rag == rag


def test_incomplete_percentage_is_rated_and_marked():
    rows = {m: (1000, 900) for m in months("2021-01", "2022-12") if m != "2022-06"}
    a = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    c = a.comparisons["latest_12_vs_previous_12"]
    assert a.latest_12.status == "incomplete" and a.latest_12.value == pytest.approx(90.0)
    assert c.incomplete and c.rating.rag == "Green"


def test_incomplete_count_is_shown_but_not_rated():
    counts = {m: 10 for m in months("2021-01", "2022-12") if m != "2022-06"}
    a = assess(measure(), tidy_of(counts), {}, report_windows(Month(2022, 12)))
    assert a.latest_12.value == 110  # 11 months of 10, against 120: not a real fall
    assert a.latest_rating.rag == "Not available"
    assert a.comparisons["latest_12_vs_previous_12"].change is None
    assert a.comparisons["latest_12_vs_previous_12"].incomplete


# ----- survey significance -------------------------------------------------------------------


def survey_window(satisfied: int, respondents: int) -> WindowValue:
    return WindowValue(
        None, 100 * satisfied / respondents, satisfied, respondents, 12, 12, True, "ok"
    )


@pytest.mark.parametrize(
    ("now", "plain", "classification", "rag"),
    [
        # pooled p = 170/200 = .85, se = sqrt(.85*.15*(2/100)) = .050498, z = .10/.0505 = 1.98,
        # two-sided p = .048 < .05
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
    before = survey_window(80, 100)
    c = compare_windows(SATISFACTION, survey_window(now, 100), before)
    plain_rating = compare_windows(
        replace(SATISFACTION, rating="simple"), survey_window(now, 100), before
    )
    assert plain_rating.rating.rag == plain
    assert c.significance.classification == classification
    assert c.rating.rag == rag
    assert c.change == pytest.approx(now - 80)


def test_survey_pools_crime_groups_and_months():
    rows = []
    for m in months("2021-01", "2022-12"):
        latest = m >= "2022-01"
        rows += [(m, "Burglary", 5, 5 if latest else 4), (m, "Violent crime", 5, 4)]
    frame = pd.DataFrame(rows, columns=["month", "crime_group", "respondents", "satisfied"])
    a = assess(SATISFACTION, None, {"victim_satisfaction": frame}, report_windows(Month(2022, 12)))
    # latest 12: (12*5 + 12*4) / 120 = 108/120 = 90%; previous: 96/120 = 80%
    assert a.latest_12.value == pytest.approx(90.0) and a.previous_12.value == pytest.approx(80.0)
    sig = a.comparisons["latest_12_vs_previous_12"].significance
    # pooled 204/240 = .85, se = sqrt(.85*.15*(2/120)) = sqrt(.002125) = .0460977, z = 2.1693
    assert sig.z == pytest.approx(2.1693, abs=1e-4)
    assert sig.classification == "significant improvement" and a.latest_rating.rag == "Green"
    # monthly percentages are the SPC points: 90% every month of 2022
    points = {p.label: p.value for p in a.spc.points}
    assert points["2022-05"] == pytest.approx(90.0) and points["2021-05"] == pytest.approx(80.0)


# ----- missing returns, SPC ------------------------------------------------------------------


def test_absent_return_is_not_available_never_zero():
    a = assess(SATISFACTION, None, {}, report_windows(Month(2022, 12), baseline_fy=2021))
    assert all(wv.status == "not available" and wv.value is None for wv in a.windows.values())
    assert all(c.rating.rag == "Not available" for c in a.comparisons.values())
    assert a.spc.variation == "not available"


def test_spc_on_monthly_percentages_with_target_and_gaps():
    rows = {m: (1000, 950) for m in months("2020-01", "2022-12") if m != "2022-02"}
    a = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    # 36 months to December 2022, one missing: 35 points at 95% -> a p′ chart, gap recorded
    assert a.spc.chart_type == "p" and len(a.spc.points) == 35
    assert a.spc.missing_points == ("2022-02",)
    assert a.spc.points[0].label == "2020-01" and a.spc.points[0].value == pytest.approx(95.0)
    assert a.spc.target == 90.0


# ----- editions ------------------------------------------------------------------------------


def test_public_edition_drops_restricted_measures():
    rj = replace(DA_REFERRALS, id="rj-referrals", title="RJ referrals", restricted=True)
    catalogue = [measure(), rj]
    public = assess_all(catalogue, None, {}, "2022-12")
    assert [a.measure.id for a in public] == ["burglary"]
    assert [m.id for m in public.withheld] == ["rj-referrals"] and public.edition == "public"
    full = assess_all(catalogue, None, {}, Month(2022, 12), edition="restricted")
    assert [a.measure.id for a in full] == ["burglary", "rj-referrals"]
    assert full.withheld == ()
    with pytest.raises(ValueError, match="edition"):
        assess_all(catalogue, None, {}, "2022-12", edition="private")


def test_only_the_named_measures_are_assessed_and_the_withheld_list_stays_whole():
    rj = replace(DA_REFERRALS, id="rj-referrals", title="RJ referrals", restricted=True)
    da = replace(DA_REFERRALS, id="da-referrals")
    catalogue = [measure(), da, rj]
    named = assess_all(catalogue, None, {}, "2022-12", only={"da-referrals", "rj-referrals"})
    assert [a.measure.id for a in named] == ["da-referrals"]
    assert [m.id for m in named.withheld] == ["rj-referrals"]
    whole = assess_all(catalogue, None, {}, "2022-12")
    assert repr(named[0]) == repr(next(a for a in whole if a.measure.id == "da-referrals"))
    assert list(assess_all(catalogue, None, {}, "2022-12", only=set())) == []


# ----- breakdown by district -----------------------------------------------------------------

JUL_SEP_2022 = Window("latest_quarter", "Latest quarter", Month(2022, 7), Month(2022, 9))
QUARTER = ["2022-07", "2022-08", "2022-09"]
NA = pd.NA


def test_force_figures_of_a_district_return_are_the_sums_over_districts():
    frame = hate_crime(
        [("2022-07", "Demoford", 20), ("2022-07", "Marbleham", 3), ("2022-08", "Demoford", 15)]
    )
    series = monthly_series(HATE_CRIME, None, {"hate_crime_reports": frame})
    assert series["month"].tolist() == ["2022-07", "2022-08"]
    assert series["value"].tolist() == [23.0, 15.0]  # 20 + 3; 15


def test_breakdown_counts_districts_by_month_with_totals():
    frame = hate_crime(
        [
            ("2022-06", "Westerholt", 9),  # before the window: Westerholt still gets a row
            ("2022-07", "Marbleham", 3),
            ("2022-07", "Demoford", 20),
            ("2022-07", "Demoford", 1),  # a second row for the month is added: 21
            ("2022-08", "Demoford", 15),  # Marbleham has no August row: 0
            ("2022-10", "Demoford", 99),  # after the window; September has no row at all
        ]
    )
    table = breakdown_table(HATE_CRIME, frame, JUL_SEP_2022)
    assert table.index.name == "district"
    assert table.index.tolist() == ["Demoford", "Marbleham", "Westerholt", TOTAL]
    assert table.columns.tolist() == [*QUARTER, TOTAL]
    assert (table.dtypes == "Int64").all()
    expected = pd.DataFrame(
        {
            "2022-07": [21, 3, 0, 24],
            "2022-08": [15, 0, 0, 15],
            "2022-09": [NA, NA, NA, NA],  # not received: missing, never zero
            TOTAL: [36, 3, 0, 39],  # 21 + 15; 3 + 0; 0; 24 + 15 (the months present)
        },
        index=pd.Index(["Demoford", "Marbleham", "Westerholt", TOTAL], name="district"),
        dtype="Int64",
    )
    pd.testing.assert_frame_equal(table, expected)


def test_breakdown_keeps_an_empty_count_missing_and_totals_what_is_there():
    frame = hate_crime(
        [("2022-07", "Demoford", 8), ("2022-07", "Southmere", None), ("2022-08", "Southmere", 2)]
    )
    table = breakdown_table(HATE_CRIME, frame, JUL_SEP_2022)
    assert table.loc["Southmere", "2022-07"] is NA  # an empty count is not 0
    assert table.loc["Southmere", TOTAL] == 2
    assert table.loc["Demoford"].tolist() == [8, 0, NA, 8]
    assert table.loc[TOTAL].tolist() == [8, 2, NA, 10]


@pytest.mark.parametrize("data", [None, hate_crime([])], ids=["not supplied", "header only"])
def test_breakdown_without_data_is_all_missing(data):
    table = breakdown_table(HATE_CRIME, data, JUL_SEP_2022)
    assert table.index.tolist() == [TOTAL]
    assert table.columns.tolist() == [*QUARTER, TOTAL]
    assert table.isna().all().all()


def test_breakdown_needs_a_measure_with_one_and_refuses_a_district_called_total():
    with pytest.raises(ValueError, match="has no breakdown"):
        breakdown_table(DA_REFERRALS, None, JUL_SEP_2022)
    with pytest.raises(ValueError, match="may not be called 'Total'"):
        breakdown_table(HATE_CRIME, hate_crime([("2022-07", TOTAL, 1)]), JUL_SEP_2022)


def test_demo_breakdown_totals_agree_with_the_force_figures(tmp_path):
    """On the demonstration return: the total row is the monthly force series and the
    grand total the quarter's window value (both computed independently of the table)."""
    from pcc_report import demo

    demo.generate_returns(tmp_path)
    returns = load_returns(tmp_path)
    table = breakdown_table(HATE_CRIME, returns["hate_crime_reports"], JUL_SEP_2022)
    assert table.index.tolist() == [*sorted(d.name for d in demo.DISTRICTS), TOTAL]
    series = monthly_series(HATE_CRIME, None, returns)
    monthly = series.set_index("month")["value"]
    assert table.loc[TOTAL, QUARTER].astype(float).tolist() == monthly[QUARTER].tolist()
    assert table.loc[TOTAL, TOTAL] == window_value(HATE_CRIME, series, JUL_SEP_2022).value
    assert (table.drop(index=TOTAL)[TOTAL] == table.drop(index=TOTAL)[QUARTER].sum(axis=1)).all()
