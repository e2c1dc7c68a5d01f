"""The assessment against a plain pandas reference computed here from the raw inputs.

:mod:`pcc_report.measures` sums the street table once by month and crime type and values
each window from arrays (for speed). These tests recompute every measure of the catalogue
the obvious way, straight from the generated tidy table and force returns (filter the rows,
sum by month, pick the window's months, add them up), and require the very same figures:
the same floats bit for bit, the same series frames (dtypes included), the same SPC results.
The data are random but seeded, with what makes the rules bite: months missing from the
street table, months listed as incomplete, a crime type absent in some months, percentages
with zero denominators and empty cells, months split over several rows, means with
fractional seconds, snapshots missing at a window's end, and a quarterly return missing a
quarter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pcc_report.catalogue import POLICE_UK, load_catalogue
from pcc_report.measures import (
    COMPARISONS,
    SERIES_COLUMNS,
    SPC_MONTHS,
    Settings,
    WindowValue,
    assess,
    assess_all,
    compare_windows,
    monthly_series,
    process_changes,
    window_value,
)
from pcc_report.periods import (
    Month,
    Quarter,
    assessment_windows,
    month_range,
    report_windows,
)
from pcc_report.returns import load_returns
from pcc_report.spc import spc, spc_p

PERIOD_END = Month(2023, 9)
TYPES = ["Burglary", "Robbery", "Vehicle crime", "Shoplifting", "Violence and sexual offences",
         "Violent crime", "Anti-social behaviour", "Drugs", "Other theft"]  # fmt: skip
NOT_READ = {"2020-02", "2021-11"}  # no street file: absent from the tidy table
INCOMPLETE = ("2021-11", "2022-06")  # listed as missing (one of them has rows all the same)


def _months(first: str, last: str) -> list[str]:
    return [str(m) for m in month_range(Month.parse(first), Month.parse(last))]


def _tidy(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for month in _months("2019-04", "2023-09"):
        if month in NOT_READ:
            continue
        for crime_type in TYPES:
            if crime_type == "Robbery" and rng.random() < 0.3:
                continue  # a month with no robbery at all: zero, not a gap
            for district in ("Northtown", "Southvale", "No location"):
                for outcome in ("Under investigation", "Unable to prosecute"):
                    if rng.random() < 0.8:
                        rows.append((month, "demo", district, crime_type, outcome,
                                     int(rng.integers(0, 400))))  # fmt: skip
    return pd.DataFrame(
        rows, columns=["month", "force", "district", "crime_type", "outcome", "count"]
    ).astype({"count": "int64"})


def _write_returns(rng: np.random.Generator, folder) -> None:
    months = _months("2020-01", "2023-09")

    def sometimes(p: float) -> bool:
        return rng.random() < p

    def blank(value, p: float = 0.05):
        return "" if sometimes(p) else value

    calls = []
    for month in months:
        for line in ("999", "101"):
            if sometimes(0.08):
                continue  # month not in the return
            for _ in range(1 + int(sometimes(0.3))):  # some months split over two rows
                offered = 0 if sometimes(0.07) else int(rng.integers(200, 9000))
                answered = int(rng.integers(0, offered + 1))
                seconds = round(float(rng.uniform(1.5, 95.0)), 3)
                calls.append((month, line, offered, blank(answered), blank(seconds)))
    pd.DataFrame(calls, columns=["month", "line", "offered", "answered_within_target",
                                 "mean_answer_seconds"]).to_csv(folder / "calls.csv", index=False)
    satisfaction = [
        (month, group, respondents, int(rng.integers(0, respondents + 1)))
        for month in months
        for group in ("Burglary", "Violent crime", "Vehicle crime", "Hate crime")
        if not sometimes(0.1)
        for respondents in [0 if sometimes(0.1) else int(rng.integers(1, 120))]
    ]
    pd.DataFrame(satisfaction, columns=["month", "crime_group", "respondents", "satisfied"]
                 ).to_csv(folder / "victim_satisfaction.csv", index=False)  # fmt: skip
    confidence = [(m, n, int(rng.integers(0, n + 1))) for m in months[::3]
                  for n in [int(rng.integers(300, 900))]]  # fmt: skip
    pd.DataFrame(confidence, columns=["month", "respondents", "confident"]).to_csv(
        folder / "public_confidence.csv", index=False)
    workforce = [(m, *(blank(round(float(rng.uniform(10, 4000)), 2)) for _ in range(4)))
                 for m in months if m not in ("2023-09", "2022-03") and not sometimes(0.05)]
    pd.DataFrame(workforce, columns=["month", "police_officers", "pcsos", "special_constables",
                                     "cadets"]).to_csv(folder / "workforce.csv", index=False)
    for source in ("domestic_abuse_referrals", "restorative_justice_referrals"):
        referrals = [(m, blank(int(rng.integers(0, 300)))) for m in months if not sometimes(0.1)]
        pd.DataFrame(referrals, columns=["month", "referrals"]).to_csv(
            folder / f"{source}.csv", index=False)
    quarters = [str(Quarter(fy, q)) for fy in range(2019, 2024) for q in (1, 2, 3, 4)
                if (fy, q) != (2022, 3) and Quarter(fy, q).last_month <= PERIOD_END]
    pd.DataFrame({"quarter": quarters, "first_time_entrants": rng.integers(5, 90, len(quarters))}
                 ).to_csv(folder / "first_time_entrants.csv", index=False)  # fmt: skip
    hate = [(m, d, int(rng.integers(0, 40))) for m in months
            for d in ("Northtown", "Southvale") if not sometimes(0.15)]  # fmt: skip
    pd.DataFrame(hate, columns=["month", "district", "reports"]).to_csv(
        folder / "hate_crime_reports.csv", index=False)


# ----- the reference: the obvious computation from the raw inputs ---------------------------


def reference_monthly(measure, tidy, returns, incomplete) -> pd.DataFrame:
    """Per month with data (sorted): the summed numerator and denominator, and the value."""
    if measure.source == POLICE_UK:
        read = sorted(set(tidy["month"]) - set(incomplete)) if tidy is not None else []
        if measure.crime_types:
            rows = tidy[tidy["crime_type"].isin(measure.crime_types)]
        else:
            rows = tidy[~tidy["crime_type"].isin(measure.exclude_crime_types)]
        counts = rows.groupby("month")["count"].sum().reindex(read, fill_value=0)
        sums = pd.DataFrame({"num": counts.astype(float), "den": np.nan})
    else:
        data = returns.get(measure.source)
        num_col = measure.numerator if measure.unit == "percentage" else measure.value
        den_col = measure.denominator if measure.unit in ("percentage", "mean") else None
        if data is None:
            data = pd.DataFrame({"month": [], num_col: []})
        for column, wanted in measure.filter:
            data = data[data[column] == wanted]
        if measure.quarterly:
            month = [str(Quarter.parse(q).last_month) for q in data["quarter"]]
        else:
            month = list(data["month"])
        rows = pd.DataFrame({"month": month, "num": data[num_col].astype(float).to_numpy()})
        rows["den"] = data[den_col].astype(float).to_numpy() if den_col else 0.0
        rows = rows.dropna()
        if measure.unit == "mean":  # pooled: sum of (mean x calls) over sum of calls
            rows["num"] = rows["num"] * rows["den"]
        sums = rows.groupby("month")[["num", "den"]].sum()
        if not den_col:
            sums["den"] = np.nan
    sums["value"] = sums["num"]
    if measure.unit in ("percentage", "mean"):
        scale = 100 if measure.unit == "percentage" else 1
        sums["value"] = (scale * sums["num"] / sums["den"]).where(sums["den"] > 0)
    return sums


def reference_window(measure, sums: pd.DataFrame, window) -> WindowValue:
    if window is None:
        return WindowValue(None, None, None, None, 0, 0, False, "not available")
    expected = [str(m) for m in window.months
                if not measure.quarterly or m.is_quarter_end]  # fmt: skip
    if measure.unit == "snapshot":
        expected = expected[-1:]
    present = [m for m in expected if m in sums.index]
    missing = tuple(m for m in expected if m not in sums.index)
    gone = WindowValue(window, None, None, None, len(expected), len(present), False,
                       "not available", missing)  # fmt: skip
    if not present:
        return gone
    numerator, denominator = float(sums.loc[present, "num"].sum()), None
    value = numerator
    if measure.unit in ("percentage", "mean"):
        denominator = float(sums.loc[present, "den"].sum())
        if denominator <= 0:
            return gone
        value = (100 if measure.unit == "percentage" else 1) * numerator / denominator
    status = "incomplete" if missing else "ok"
    return WindowValue(window, value, numerator, denominator, len(expected), len(present),
                       not missing, status, missing)  # fmt: skip


def reference_spc(measure, sums: pd.DataFrame, settings: Settings):
    observed = [m for m in sums.index if m <= str(PERIOD_END)]
    first = max(Month.parse(min(observed)), PERIOD_END - (SPC_MONTHS - 1)) if observed else None
    months = [m for m in (month_range(first, PERIOD_END) if first else [])
              if not measure.quarterly or m.is_quarter_end]  # fmt: skip
    index = pd.Index([str(m) for m in months], name="month")
    options = {"target": measure.target, "baseline": settings.spc_baseline_points,
               "changes": process_changes(measure, settings)}  # fmt: skip
    if measure.unit != "percentage":
        return spc(sums["value"].reindex(index), measure.polarity, **options)
    counts = sums[["num", "den"]].reindex(index)
    counts = counts.where(counts["den"] > 0)
    return spc_p(counts["num"], counts["den"], measure.polarity, **options)


# ----- the tests ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    rng = np.random.default_rng(20231)
    folder = tmp_path_factory.mktemp("returns")
    _write_returns(rng, folder)
    return _tidy(rng), load_returns(folder)


SETTINGS = [Settings(), Settings("simple", 12, (("2021-04", "a new crime recording system"),))]


@pytest.mark.parametrize("settings", SETTINGS, ids=["default", "baseline-and-change"])
def test_every_measure_matches_the_reference(inputs, settings):
    tidy, returns = inputs
    catalogue = load_catalogue()
    assessed = assess_all(catalogue, tidy, returns, PERIOD_END, baseline_fy=2019,
                          edition="restricted", incomplete_months=INCOMPLETE,
                          settings=settings)  # fmt: skip
    assert [a.measure for a in assessed] == catalogue
    windows = assessment_windows(report_windows(PERIOD_END, 2019))
    seen = set()
    for a in assessed:
        m = a.measure
        sums = reference_monthly(m, tidy, returns, INCOMPLETE)
        expected = pd.DataFrame({"month": list(sums.index), "numerator": sums["num"].to_numpy(),
                                 "denominator": sums["den"].to_numpy(),
                                 "value": sums["value"].to_numpy()})  # fmt: skip
        pd.testing.assert_frame_equal(a.series, expected, check_exact=True)
        values = {k: reference_window(m, sums, windows.get(k)) for k in a.windows}
        # repr tells floats apart bit by bit (it round-trips); == alone would equate 0.0, -0.0
        assert repr(a.windows) == repr(values), m.id
        assert repr(a.comparisons) == repr({
            name: compare_windows(m, values[now], values[before], settings.rule)
            for name, (now, before) in COMPARISONS.items()}), m.id  # fmt: skip
        assert repr(a.spc) == repr(reference_spc(m, sums, settings)), m.id
        seen |= {(m.unit, w.status) for w in a.windows.values()} | {a.spc.chart_type}
    # the generated data reach every case worth comparing
    assert {("count", "incomplete"), ("percentage", "incomplete"), ("snapshot", "not available"),
            ("mean", "ok"), ("percentage", "ok"), ("count", "ok"), "xmr", "p", "run"} <= seen


def test_one_measure_alone_matches_the_whole_assessment(inputs):
    tidy, returns = inputs
    windows = report_windows(PERIOD_END, 2019)
    everything = assess_all(load_catalogue(), tidy, returns, PERIOD_END, baseline_fy=2019,
                            edition="restricted", incomplete_months=INCOMPLETE)  # fmt: skip
    for whole in everything:
        alone = assess(whole.measure, tidy, returns, windows, INCOMPLETE)
        pd.testing.assert_frame_equal(alone.series, whole.series, check_exact=True)
        assert repr((alone.windows, alone.comparisons, alone.spc)) == repr(
            (whole.windows, whole.comparisons, whole.spc))
        series = monthly_series(whole.measure, tidy, returns, incomplete_months=INCOMPLETE)
        pd.testing.assert_frame_equal(series, whole.series, check_exact=True)
        for key, value in whole.windows.items():
            assert repr(window_value(whole.measure, series, value.window)) == repr(value), key


def test_no_data_at_all_is_not_available():
    catalogue = load_catalogue()
    for tidy in (None, _tidy(np.random.default_rng(1)).iloc[:0]):
        for a in assess_all(catalogue, tidy, {}, PERIOD_END, edition="restricted"):
            assert a.series.empty and list(a.series.columns) == list(SERIES_COLUMNS)
            assert {w.status for w in a.windows.values()} == {"not available"}
            assert a.spc.variation == "not available"


def test_every_month_incomplete_leaves_no_police_uk_point(inputs):
    tidy, returns = inputs
    burglary = next(m for m in load_catalogue() if m.id == "burglary")
    a = assess(burglary, tidy, returns, report_windows(PERIOD_END),
               incomplete_months=set(tidy["month"]))  # fmt: skip
    assert a.series.empty and a.latest_12.status == "not available"
