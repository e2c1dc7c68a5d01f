"""Tests for the performance tables and the words they print.

Every expected figure is worked by hand in the comments next to it (see tests/test_measures.py
for the figures themselves); the frames are built here, small enough to check on paper.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from measurecases import (
    CALLS_999,
    DA_REFERRALS,
    OFFICERS,
    PRIORITIES,
    SATISFACTION,
    calls,
    fy_tidy,
    measure,
    months,
    tidy_of,
)

from pcc_report.measures import assess, assess_all
from pcc_report.periods import Month, report_windows
from pcc_report.spc import MIN_POINTS_FOR_LIMITS
from pcc_report.tables import (
    comparisons_table,
    dashboard_table,
    definitions_table,
    format_spc,
    part2_table,
    withheld_statement,
)


def test_incomplete_percentage_is_shown_rated_and_marked():
    rows = {m: (1000, 900) for m in months("2021-01", "2022-12") if m != "2022-06"}
    a = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    row = part2_table([a], priorities=PRIORITIES).iloc[0]
    assert row.iloc[4] == "90.0% (incomplete data: 1 of 12 months missing)"
    assert row.iloc[5] == "Green → (no significant change) (incomplete data)"


def test_incomplete_count_is_shown_but_not_rated():
    counts = {m: 10 for m in months("2021-01", "2022-12") if m != "2022-06"}
    a = assess(measure(), tidy_of(counts), {}, report_windows(Month(2022, 12)))
    row = part2_table([a], priorities=PRIORITIES).iloc[0]
    assert row.iloc[4] == "110 (incomplete data: 1 of 12 months missing)"
    assert row.iloc[5] == "not available (incomplete data)"


def test_absent_return_is_shown_as_not_available():
    a = assess(SATISFACTION, None, {}, report_windows(Month(2022, 12), baseline_fy=2021))
    row = part2_table([a], priorities=PRIORITIES).iloc[0].tolist()
    assert row[2:] == ["not available"] * 5
    dash = dashboard_table([a], priorities=PRIORITIES).iloc[0].tolist()
    assert dash[2] == "Not available"  # the verdict
    assert dash[3:8] == ["not available"] * 5


def test_withheld_measures_are_counted_and_left_out_of_the_definitions():
    rj = replace(DA_REFERRALS, id="rj-referrals", title="RJ referrals", restricted=True)
    catalogue = [measure(), rj]
    public = assess_all(catalogue, None, {}, "2022-12")
    assert withheld_statement(public) == "1 measure is withheld from the public edition."
    two = assess_all([rj, replace(rj, id="rj-2")], None, {}, "2022-12")
    assert withheld_statement(two) == "2 measures are withheld from the public edition."
    full = assess_all(catalogue, None, {}, "2022-12", edition="restricted")
    assert withheld_statement(full) == ""
    assert definitions_table(catalogue, priorities=PRIORITIES)["Measure"].tolist() == ["Burglary"]
    assert len(definitions_table(catalogue, priorities=PRIORITIES, edition="restricted")) == 2


def test_run_chart_wording_states_the_threshold_the_chart_uses():
    # one point short of the XmR threshold is a run chart, and the words say how many it needs
    first = Month(2022, 12) - (MIN_POINTS_FOR_LIMITS - 2)
    rows = {str(first + i): (1000, 900) for i in range(MIN_POINTS_FOR_LIMITS - 1)}
    short = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    assert short.spc.chart_type == "run"
    assert format_spc(short.spc) == f"common cause (run chart, fewer than {len(rows) + 1} points)"
    assert (
        dashboard_table([short]).iloc[0]["Target assurance"]
        == f"not assessed (run chart, fewer than {len(rows) + 1} points)"
    )
    rows[str(first - 1)] = (1000, 900)  # one more point: an XmR chart, no run-chart note
    full = assess(CALLS_999, None, calls(rows), report_windows(Month(2022, 12)))
    assert full.spc.chart_type == "p" and format_spc(full.spc) == "common cause"


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
        "Tackle crime and re-offending", "Burglary", "120", "Green → (no significant change)",
        "114", "Green ↓ (no significant change)", "120",
    ]  # fmt: skip
    # referrals: 1,200 both years; no data before 2021, so the previous year is not rated
    assert table.iloc[1].tolist() == [
        "Protect vulnerable people", "Domestic abuse referrals", "1,200", "not available",
        "1,200", "Green → (no significant change)", "1,200",
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
    assert table.columns[3:5].tolist() == [
        "Baseline 2020/21", "Latest 12 months (January 2022 to December 2022)",
    ]  # fmt: skip
    burglary, calls_row = table.iloc[0], table.iloc[1]
    assert burglary.tolist()[3:6] == ["120", "114", "-5.0%"]
    # 114 against 120: 114 of 234 under Binomial(234, 0.5), p = 0.74
    assert burglary["Significance of the change"] == "no significant change"
    # SPC over the whole series (no baseline set): 32 months of 10 sit above the mean in one
    # run (concern, lower is better) and December's 4 is below the lower limit (improvement):
    # the last three points show both, so the verdict is mixed.
    assert burglary["Verdict"] == "Mixed signals"
    assert burglary["Target assurance"] == "no target"
    assert calls_row.tolist()[3:6] == ["90.0%", "92.0%", "+2.0 pp"]
    assert calls_row["Target"] == "90.0%"
    # 33 points on a p′ chart; 90 % for 21 months then 92 %: one jump in 32 moving ranges
    # of the z-scores makes Laney's sigma_z small, so the limits are narrow and the latest
    # points sit above them: special cause improvement
    assert calls_row["SPC variation"] == "special cause improvement"
    no_baseline = dashboard_table(assess_all([measure()], tidy_of(counts), {}, "2022-12"))
    assert no_baseline.columns[3] == "Baseline (none set)"
    assert no_baseline.iloc[0, 3] == "not available" and no_baseline.iloc[0, 5] == "not available"


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
        "January 2022 to March 2022",
        "606",
    )
    assert row["Change"] == f"{300 / 606 * 100:+.1f}%"
    # lower is better, 49.5% worse: beyond the tolerance, and 906 against 606 is significant
    assert row["Rating"] == "Red ↑ (significant deterioration)"
    baseline = table[table["Comparison"] == "Latest 12 months against the baseline year"].iloc[0]
    assert baseline["Comparator period"] == "April 2020 to March 2021"
    assert baseline["Comparator value"] == "378"
    raw = comparisons_table([a], raw=True)
    assert raw.loc[raw["comparison"] == "fytd_vs_last_ytd", "change"].iloc[0] == 1200
