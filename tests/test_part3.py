"""Part 3 tables (pcc_report.part3) and the reader of the Part 3 returns (pcc_report.returns).

Expected totals and counts are worked out here from the rows written, never taken from the
code under test.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from pcc_report import returns
from pcc_report.part3 import (
    NO_FUNDING,
    NO_SCRUTINY,
    TOTAL,
    fmt_date,
    fmt_pounds,
    funding_summary,
    funding_table,
    fy_code,
    read_part3,
    scrutiny_summary,
    scrutiny_table,
)
from pcc_report.periods import Month, Quarter
from pcc_report.present import Outputs
from pcc_report.returns import RETURN_COLUMNS, ReturnsError
from pcc_report.validation.part3_rules import district_names

FUNDING_ROWS = [
    ["2015-16", "Burnley", "district", "10000", "4517.33", "5482.67"],
    ["2015-16", "Chorley & South Ribble", "district", "20000.00", "0.00", "20000.00"],
    ["2014-15", "Fylde", "district", "10000", "9999.99", "0.01"],  # another year
    ["2015-16", "=cmd|' /C calc'!A0", "project", "0.10", "0.05", "0.05"],  # formula-like
]


def write(folder: Path, name: str, rows: list[list[str]]) -> Path:
    (folder / "returns").mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RETURN_COLUMNS[name])
    writer.writerows(rows)
    path = folder / "returns" / f"{name}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_the_reader_types_money_as_exact_decimals(tmp_path: Path) -> None:
    frame = returns.read_return(write(tmp_path, "funding", FUNDING_ROWS), "funding")
    assert frame["spent"].tolist() == [Decimal("4517.33"), Decimal("0.00"), Decimal("9999.99"),
                                       Decimal("0.05")]
    assert list(frame["financial_year"]) == ["2015-16", "2015-16", "2014-15", "2015-16"]


@pytest.mark.parametrize(("column", "value", "why"), [
    ("allocation", "-1", "amount in pounds"),
    ("allocation", "1.005", "amount in pounds"),
    ("allocation", "£10", "amount in pounds"),
    ("financial_year", "2015-17", "financial year"),
])
def test_the_reader_refuses_what_the_suite_refuses(tmp_path, column, value, why) -> None:
    row = dict(zip(RETURN_COLUMNS["funding"], FUNDING_ROWS[0], strict=True))
    row[column] = value
    path = write(tmp_path, "funding", [list(row.values())])
    with pytest.raises(ReturnsError, match=rf"line 2, column {column}: .*{why}"):
        returns.read_return(path, "funding")


@pytest.mark.parametrize("value", ["2023-02-30", "20230228", "2023-W05-1", "28/02/2023"])
def test_the_reader_takes_only_real_iso_dates(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "scrutiny-plan", [[value, "Theme", "Lead", "Areas", ""]])
    with pytest.raises(ReturnsError, match="a date YYYY-MM-DD"):
        returns.read_return(path, "scrutiny-plan")


def test_funding_table_keeps_the_year_in_file_order_and_totals_it(tmp_path: Path) -> None:
    frame = returns.read_return(write(tmp_path, "funding", FUNDING_ROWS), "funding")
    table = funding_table(frame, "2015-16")
    assert table["District or project"].tolist() == [
        "Burnley", "Chorley & South Ribble", "=cmd|' /C calc'!A0", TOTAL]
    # 10000 + 20000 + 0.10; 4517.33 + 0 + 0.05; 5482.67 + 20000 + 0.05
    assert table.iloc[-1].tolist() == [TOTAL, Decimal("30000.10"), Decimal("4517.38"),
                                       Decimal("25482.72")]
    assert funding_table(frame, "2016-17").empty


def test_funding_summary_counts_kinds_and_names_left_out_years(tmp_path: Path) -> None:
    frame = returns.read_return(write(tmp_path, "funding", FUNDING_ROWS), "funding")
    quarter = Quarter.parse("2015-16-Q2")
    assert fy_code(quarter) == "2015-16"
    lines = funding_summary(funding_table(frame, "2015-16"), frame, quarter)
    assert lines[0] == (
        "The Commissioner's funding for 2015/16: £30,000.10 allocated (2 districts and 1 "
        "project), of which £4,517.38 has been spent (15%) and £25,482.72 remains available.")
    assert lines[1] == (
        "Rows of the funding return for other financial years (2014-15) are not shown.")
    none = funding_summary(funding_table(frame, "2016-17"), frame, Quarter.parse("2016-17-Q1"))
    assert none[0] == "The funding return has no rows for 2016/17."


def test_funding_table_renders_safely_in_html_latex_and_csv(tmp_path: Path) -> None:
    frame = returns.read_return(write(tmp_path, "funding", [
        ["2015-16", "<script>x</script> & {\\LaTeX}", "project", "5", "2", "3"],
        ["2015-16", "=1+1", "project", "1", "1", "0"]]), "funding")
    out = Outputs(tmp_path / "tables")
    shown = out.table(funding_table(frame, "2015-16"), "part3-funding", "caption",
                      formats=dict.fromkeys(("Allocation", "Spent", "Available"), fmt_pounds))
    html = shown._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "\\LaTeX}" not in shown._repr_latex_()  # backslash and braces escaped
    written = (tmp_path / "tables" / "part3-funding.csv").read_text(encoding="utf-8")
    assert "\n'=1+1," in written  # a formula-like cell is neutralised
    assert "£6.00" in html  # 5 + 1
    assert fmt_pounds(Decimal("1234567.5")) == "£1,234,567.50"


def test_scrutiny_table_shows_meetings_after_the_period_in_date_order(tmp_path: Path) -> None:
    frame = returns.read_return(write(tmp_path, "scrutiny-plan", [
        ["2022-12-05", "Victims", "Head of Victim Services", "Satisfaction", ""],
        ["2022-09-30", "Past", "ACC", "Old", "done"],  # up to the period end: left out
        ["2022-10-03", "Crime", "ACC", "Burglary; robbery", "Rising burglary"],
        ["2022-12-05", "Crime", "ACC", "Vehicle crime", ""],
    ]), "scrutiny-plan")
    table, earlier = scrutiny_table(frame, Month(2022, 9))
    assert earlier == 1
    assert table["Meeting"].tolist() == ["Monday 3 October 2022", "Monday 5 December 2022",
                                         "Monday 5 December 2022"]
    assert table["Theme"].tolist() == ["Crime", "Victims", "Crime"]  # file order within a date
    assert table["Areas identified for consideration"].tolist()[0] == "Burglary; robbery"
    lines = scrutiny_summary(table, earlier, Month(2022, 9))
    assert lines[0].startswith("The Commissioner's forward scrutiny plan: 3 theme(s) at 2 ")
    assert "1 row(s) of the plan for meetings up to the end of September 2022" in lines[1]
    assert fmt_date("2024-02-29") == "Thursday 29 February 2024"


def test_absent_returns_are_said_plainly(tmp_path: Path) -> None:
    assert read_part3(tmp_path, "funding") is None
    assert read_part3(tmp_path, "scrutiny-plan") is None
    assert NO_FUNDING == "No funding return was supplied for this quarter."
    assert "No forward scrutiny plan was supplied" in NO_SCRUTINY


def test_joint_district_rows_name_each_district() -> None:
    assert district_names("Chorley & South Ribble") == ["Chorley", "South Ribble"]
    assert district_names("Burnley") == ["Burnley"]
