"""Tests for the measure catalogue, force returns, windows, ratings and tables.

Every expected figure is worked by hand in the comments next to it; the frames are built
here (no demo data), small enough to check on paper.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import pytest
import yaml

from pcc_report.measures import (
    CatalogueError,
    Measure,
    WindowValue,
    assess,
    assess_all,
    compare_windows,
    comparisons_table,
    dashboard_table,
    definitions_table,
    load_catalogue,
    monthly_series,
    part2_table,
    window_value,
)
from pcc_report.periods import Month, Window, month_range, report_windows
from pcc_report.returns import load_returns

PRIORITIES = {
    "tackle-crime": "Tackle crime and re-offending",
    "protect-vulnerable": "Protect vulnerable people",
    "safer-communities": "Safer communities",
}

# ----- helpers -------------------------------------------------------------------------------


def months(first: str, last: str) -> list[str]:
    return [str(m) for m in month_range(Month.parse(first), Month.parse(last))]


def tidy_of(counts: dict[str, int], crime_type: str = "Burglary") -> pd.DataFrame:
    """A tidy police.uk table with one row per month of ``crime_type``."""
    rows = [
        {"month": m, "force": "demo", "district": "Demoford", "crime_type": crime_type,
         "outcome": "Under investigation", "count": c}
        for m, c in counts.items()
    ]  # fmt: skip
    return pd.DataFrame(
        rows, columns=["month", "force", "district", "crime_type", "outcome", "count"]
    )


def measure(**overrides) -> Measure:
    fields = dict(
        id="burglary", title="Burglary", priority="tackle-crime", unit="count",
        polarity="lower_is_better", source="police_uk", definition="Recorded burglary.",
        tolerance=0.05, tolerance_kind="relative", restricted=False, crime_types=("Burglary",),
    )  # fmt: skip
    fields.update(overrides)
    return Measure(**fields)


CALLS_999 = measure(
    id="calls-999", title="999 answered in 10 s", priority="safer-communities",
    unit="percentage", polarity="higher_is_better", source="calls", crime_types=(),
    numerator="answered_within_target", denominator="offered", filter=(("line", "999"),),
    target=90.0, tolerance=2.0, tolerance_kind="points",
)  # fmt: skip
SATISFACTION = measure(
    id="victim-satisfaction", title="Victim satisfaction", priority="protect-vulnerable",
    unit="percentage", polarity="higher_is_better", source="victim_satisfaction", crime_types=(),
    numerator="satisfied", denominator="respondents", survey=True, tolerance=2.0,
    tolerance_kind="points",
)  # fmt: skip
OFFICERS = measure(
    id="police-officers", title="Police officers", priority="safer-communities", unit="snapshot",
    polarity="neutral", source="workforce", crime_types=(), value="police_officers", tolerance=0.0,
)  # fmt: skip
FTE = measure(
    id="first-time-entrants", title="First time entrants", source="first_time_entrants",
    crime_types=(), value="first_time_entrants",
)  # fmt: skip
DA_REFERRALS = measure(
    id="domestic-abuse-referrals", title="Domestic abuse referrals",
    priority="protect-vulnerable", polarity="increase_is_aim",
    source="domestic_abuse_referrals", crime_types=(), value="referrals",
)  # fmt: skip


def calls(rows: dict[str, tuple[int, int]], other_line: tuple[int, int] | None = (5000, 1000)):
    """calls.csv as loaded: {month: (offered, answered)} for 999, plus a 101 row per month
    that would spoil every 999 figure if the line filter were ignored."""
    records = []
    for m, (offered, answered) in rows.items():
        records.append((m, "999", offered, answered, 5.0))
        if other_line:
            records.append((m, "101", *other_line, 30.0))
    frame = pd.DataFrame(
        records,
        columns=["month", "line", "offered", "answered_within_target", "mean_answer_seconds"],
    )
    return {"calls": frame}


def write_catalogue(tmp_path, measures: list[dict]):
    path = tmp_path / "measures.yml"
    path.write_text(yaml.safe_dump({"measures": measures}, sort_keys=False), encoding="utf-8")
    return path


def valid_entry(**overrides) -> dict:
    entry = {
        "id": "burglary", "title": "Burglary", "priority": "tackle-crime", "unit": "count",
        "polarity": "lower_is_better", "source": "police_uk", "crime_types": ["Burglary"],
        "tolerance": 0.05, "tolerance_kind": "relative", "definition": "Recorded burglary.",
        "restricted": False,
    }  # fmt: skip
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


# ----- the catalogue -------------------------------------------------------------------------


def test_shipped_catalogue_loads_and_covers_the_brief():
    catalogue = load_catalogue()
    by_id = {m.id: m for m in catalogue}
    assert len(by_id) == len(catalogue) >= 15
    assert {m.priority for m in catalogue} == set(PRIORITIES)
    assert by_id["all-crime"].exclude_crime_types == ("Anti-social behaviour",)
    assert by_id["asb-incidents"].crime_types == ("Anti-social behaviour",)
    assert (by_id["calls-999"].target, by_id["calls-999"].filter) == (90.0, (("line", "999"),))
    assert (by_id["calls-101"].target, by_id["calls-101"].filter) == (80.0, (("line", "101"),))
    assert by_id["victim-satisfaction"].survey and by_id["public-confidence"].survey
    assert by_id["police-officers"].unit == "snapshot"
    assert by_id["domestic-abuse-referrals"].polarity == "increase_is_aim"
    assert by_id["first-time-entrants"].quarterly
    assert "quarter" in by_id["first-time-entrants"].definition
    assert any(m.restricted for m in catalogue)


def test_catalogue_accepts_a_valid_entry_and_custom_priorities(tmp_path):
    path = write_catalogue(tmp_path, [valid_entry(priority="defend-frontline")])
    (m,) = load_catalogue(path, priorities=["defend-frontline"])
    assert (m.id, m.crime_types, m.tolerance, m.restricted) == (
        "burglary", ("Burglary",), 0.05, False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source": "crime_survey"}, "source 'crime_survey' is not one of"),
        ({"unit": "rate"}, "unit 'rate' is not one of"),
        ({"polarity": "up_is_good"}, "polarity 'up_is_good' is not one of"),
        ({"priority": "world-peace"}, "priority 'world-peace' is not in the plan"),
        ({"definition": None}, "missing required key(s): definition"),
        ({"restricted": None}, "missing required key(s): restricted"),
        ({"crime_type": ["Burglary"]}, "unknown key(s) crime_type"),
        ({"crime_types": ["Burglery"]}, "unknown crime type(s) ['Burglery']"),
        ({"exclude_crime_types": ["Drugs"]}, "exactly one of crime_types or exclude_crime_types"),
        ({"restricted": "no"}, "restricted must be true or false"),
        ({"tolerance": -1}, "tolerance must be a number of zero or more"),
        ({"polarity": "neutral", "target": 5}, "a neutral measure cannot have a target"),
        ({"survey": True}, "survey: true is only for percentages"),
        ({"tolerance_kind": "points"}, "a count needs tolerance_kind: relative"),
        ({"unit": "percentage"}, "police_uk measures are counts"),
        ({"id": "Burglary Rate"}, "must be lower-case letters, digits and hyphens"),
    ],
)
def test_catalogue_validation_errors(tmp_path, overrides, message):
    path = write_catalogue(tmp_path, [valid_entry(**overrides)])
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(path, priorities=PRIORITIES)
    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (  # a percentage without its denominator
            {"unit": "percentage", "source": "calls", "numerator": "answered_within_target",
             "tolerance_kind": "points"},
            "a percentage from calls needs denominator",
        ),
        (  # a column the return does not have
            {"source": "workforce", "value": "police_staff"},
            "value 'police_staff' is not a numeric column of workforce.csv",
        ),
        (  # percentage with a relative tolerance: 2 would mean 200%
            {"unit": "percentage", "source": "calls", "numerator": "answered_within_target",
             "denominator": "offered", "tolerance": 2},
            "a percentage needs tolerance_kind: points",
        ),
        (  # a filter on a numeric column
            {"source": "calls", "value": "offered", "filter": {"offered": "999"}},
            "filter column 'offered' is not a text column of calls.csv",
        ),
        (  # value and numerator/denominator mixed up
            {"source": "domestic_abuse_referrals", "numerator": "referrals"},
            "a count from domestic_abuse_referrals needs value",
        ),
    ],
)  # fmt: skip
def test_catalogue_return_column_errors(tmp_path, entry, message):
    base = valid_entry(crime_types=None)
    base.update(entry)
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(write_catalogue(tmp_path, [base]), priorities=PRIORITIES)
    assert message in str(excinfo.value)


def test_duplicate_ids_and_every_problem_listed_at_once(tmp_path):
    entries = [valid_entry(), valid_entry(title="Burglary again"), valid_entry(id="x", unit="rate")]
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(write_catalogue(tmp_path, entries), priorities=PRIORITIES)
    text = str(excinfo.value)
    assert "measure 2 (burglary): id 'burglary' is used twice" in text
    assert "measure 3 (x): unit 'rate' is not one of" in text


def test_empty_catalogue_is_an_error(tmp_path):
    path = tmp_path / "measures.yml"
    path.write_text("measures: []\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="measures:"):
        load_catalogue(path, priorities=PRIORITIES)


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


def fy_tidy() -> pd.DataFrame:
    """Burglary each month = 100 * (year - 2020) + calendar month, April 2020 to April 2023."""
    return tidy_of(
        {m: 100 * (int(m[:4]) - 2020) + int(m[5:]) for m in months("2020-04", "2023-04")}
    )


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


def rated(m: Measure, december: int) -> str:
    """Latest 12 months = 11*10 + december against a previous 12 months of 120."""
    counts = {mm: 10 for mm in months("2021-01", "2022-11")}
    counts["2022-12"] = december
    a = assess(m, tidy_of(counts), {}, report_windows(Month(2022, 12)))
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
    assert rated(measure(polarity=polarity), december) == rag


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
    row = part2_table([a], priorities=PRIORITIES).iloc[0]
    assert row.iloc[4] == "90.0% (incomplete data: 1 of 12 months missing)"
    assert row.iloc[5] == "Green → (incomplete data)"


def test_incomplete_count_is_shown_but_not_rated():
    counts = {m: 10 for m in months("2021-01", "2022-12") if m != "2022-06"}
    a = assess(measure(), tidy_of(counts), {}, report_windows(Month(2022, 12)))
    assert a.latest_12.value == 110  # 11 months of 10, against 120: not a real fall
    assert a.latest_rating.rag == "Not available"
    assert "incomplete data" in a.latest_rating.label
    assert a.comparisons["latest_12_vs_previous_12"].change is None
    row = part2_table([a], priorities=PRIORITIES).iloc[0]
    assert row.iloc[4] == "110 (incomplete data: 1 of 12 months missing)"
    assert row.iloc[5] == "not available (incomplete data)"


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
        # plain Red, but the fall is not significant, so it is Amber, not a deterioration
        (70, "Red", "no significant change", "Amber"),
        # pooled .70, se = .064807, z = -.20/.0648 = -3.09
        (60, "Red", "significant deterioration", "Red"),
    ],
)
def test_survey_rating_follows_significance(now, plain, classification, rag):
    before = survey_window(80, 100)
    c = compare_windows(SATISFACTION, survey_window(now, 100), before)
    plain_rating = compare_windows(
        replace(SATISFACTION, survey=False), survey_window(now, 100), before
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
    row = part2_table([a], priorities=PRIORITIES).iloc[0].tolist()
    assert row[2:] == ["not available"] * 5
    dash = dashboard_table([a], priorities=PRIORITIES).iloc[0].tolist()
    assert dash[2:7] == ["not available"] * 5


def test_spc_on_monthly_percentages_with_target_and_gaps():
    rows = {m: (1000, 950) for m in months("2020-01", "2022-12") if m != "2022-02"}
    a = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    # 36 months to December 2022, one missing: 35 points at 95% -> XmR, gap recorded
    assert a.spc.chart_type == "xmr" and len(a.spc.points) == 35
    assert a.spc.missing_points == ("2022-02",)
    assert a.spc.points[0].label == "2020-01" and a.spc.points[0].value == pytest.approx(95.0)
    assert a.spc.target == 90.0


# ----- editions and tables -------------------------------------------------------------------


def test_public_edition_drops_restricted_measures():
    rj = replace(DA_REFERRALS, id="rj-referrals", title="RJ referrals", restricted=True)
    catalogue = [measure(), rj]
    public = assess_all(catalogue, None, {}, "2022-12")
    assert [a.measure.id for a in public] == ["burglary"]
    assert [m.id for m in public.withheld] == ["rj-referrals"]
    assert public.withheld_statement == "1 measure is withheld from the public edition."
    full = assess_all(catalogue, None, {}, Month(2022, 12), edition="restricted")
    assert [a.measure.id for a in full] == ["burglary", "rj-referrals"]
    assert full.withheld_statement == ""
    with pytest.raises(ValueError, match="edition"):
        assess_all(catalogue, None, {}, "2022-12", edition="private")
    assert definitions_table(catalogue, priorities=PRIORITIES)["Measure"].tolist() == ["Burglary"]
    assert len(definitions_table(catalogue, priorities=PRIORITIES, edition="restricted")) == 2


def test_part2_table_lancashire_layout():
    counts = {m: 10 for m in months("2020-01", "2022-12")}
    counts["2022-12"] = 4  # latest 114 against 120; previous 120 against 120
    tidy = tidy_of(counts)
    referrals = pd.DataFrame({"month": months("2021-01", "2022-12"), "referrals": 100})
    catalogue = [DA_REFERRALS, measure()]  # listed out of plan order on purpose
    result = assess_all(catalogue, tidy, {"domestic_abuse_referrals": referrals}, "2022-12")
    table = part2_table(result, priorities=PRIORITIES)
    assert table.columns.tolist() == [
        "Priority", "Measure",
        "Previous 12 months (January 2021 to December 2021)",
        "Rating (against the 12 months before)",
        "Latest 12 months (January 2022 to December 2022)",
        "Rating (against previous 12 months)",
        "Position as at March 2022",
    ]  # fmt: skip
    assert table.iloc[0].tolist() == [
        "Tackle crime and re-offending", "Burglary", "120", "Green →", "114", "Green ↓", "120",
    ]  # fmt: skip
    # referrals: 1,200 both years; no data before 2021, so the previous year is not rated
    assert table.iloc[1].tolist() == [
        "Protect vulnerable people", "Domestic abuse referrals", "1,200", "not available",
        "1,200", "Green →", "1,200",
    ]  # fmt: skip
    raw = part2_table(result, priorities=PRIORITIES, raw=True)
    assert raw.loc[0, "latest_12_value"] == 114 and raw.loc[0, "latest_rag"] == "Green"
    assert raw.loc[0, "latest_pct_change"] == pytest.approx(-5.0)  # -6 / 120
    assert raw["measure_id"].tolist() == ["burglary", "domestic-abuse-referrals"]


def test_dashboard_table_leicestershire_layout():
    rows = {m: (1000, 900) for m in months("2020-04", "2022-12")}
    for m in months("2022-01", "2022-12"):
        rows[m] = (1000, 920)  # 92.0% in the latest 12 months against 90.0% in 2020/21
    counts = {m: 10 for m in months("2020-04", "2022-12")}
    counts["2022-12"] = 4  # latest 114 against the 2020/21 baseline 120
    result = assess_all(
        [measure(), CALLS_999], tidy_of(counts), calls(rows), "2022-12", baseline_fy=2020
    )
    table = dashboard_table(result, priorities=PRIORITIES)
    assert table.columns[2:4].tolist() == [
        "Baseline 2020/21", "Latest 12 months (January 2022 to December 2022)",
    ]  # fmt: skip
    burglary, calls_row = table.iloc[0], table.iloc[1]
    assert burglary.tolist()[2:5] == ["120", "114", "-5.0%"]
    assert burglary["Significance (surveys)"] == "not a survey"
    assert burglary["Target assurance"] == "no target"
    assert calls_row.tolist()[2:5] == ["90.0%", "92.0%", "+2.0 pp"]
    assert calls_row["Target"] == "90.0%"
    # 33 points; 90 % for 21 months then 92 %: the mean MR is 2/32, so the limits are
    # narrow and the latest points sit above them: special cause improvement
    assert calls_row["SPC variation"] == "special cause improvement"
    no_baseline = dashboard_table(assess_all([measure()], tidy_of(counts), {}, "2022-12"))
    assert no_baseline.columns[2] == "Baseline (none set)"
    assert no_baseline.iloc[0, 2] == "not available" and no_baseline.iloc[0, 4] == "not available"


def test_definitions_table_in_words():
    table = definitions_table([CALLS_999, OFFICERS], priorities=PRIORITIES)
    assert table.columns.tolist() == [
        "Measure", "Priority", "Unit", "Polarity", "Source", "Definition", "Target",
    ]  # fmt: skip
    assert table.iloc[0]["Polarity"] == "higher is better"
    assert table.iloc[0]["Target"] == "90.0%"
    assert table.iloc[0]["Priority"] == "Safer communities"
    assert table.iloc[1]["Unit"] == "snapshot (value at the end of the period)"
    assert table.iloc[1]["Polarity"] == "no preferred direction (not rated)"
    assert table.iloc[1]["Target"] == "none"


def test_comparisons_table_shows_every_comparison_period():
    a = assess(measure(), fy_tidy(), {}, report_windows(Month(2023, 3), baseline_fy=2020))
    table = comparisons_table([a])
    assert len(table) == 5
    quarter = table[table["Comparison"] == "Latest quarter against the same quarter last year"]
    row = quarter.iloc[0]
    # Jan-Mar 2023 = 906 against Jan-Mar 2022 = 606 (see the March worked example above)
    assert (row["Period"], row["Value"]) == ("January 2023 to March 2023", "906")
    assert (row["Comparator period"], row["Comparator value"]) == (
        "January 2022 to March 2022", "606")
    assert row["Change"] == f"{300 / 606 * 100:+.1f}%"
    assert row["Rating"] == "Red ↑"  # lower is better, 49.5% worse: beyond the tolerance
    baseline = table[table["Comparison"] == "Latest 12 months against the baseline year"].iloc[0]
    assert baseline["Comparator period"] == "April 2020 to March 2021"
    assert baseline["Comparator value"] == "378"
    raw = comparisons_table([a], raw=True)
    assert raw.loc[raw["comparison"] == "fytd_vs_last_ytd", "change"].iloc[0] == 1200
