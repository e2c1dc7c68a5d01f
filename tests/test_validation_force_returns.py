"""Validation of the force returns' rows: every GX suite and the returns folder.

Every rule of every suite is shown passing (the good returns pass every expectation) and
failing (each bad row below breaks exactly one rule, at a known line). Files are small and
written here; the GX runs are shared through module-scoped fixtures to keep the module fast.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pcc_report import demo, returns
from pcc_report.config import load_force_config
from pcc_report.police_uk import EXPECTATIONS_DIR
from pcc_report.returns import RETURN_COLUMNS, RETURNS
from pcc_report.validation import (
    Problem,
    ValidationReport,
    return_suite_name,
    validate_returns,
)
from pcc_report.validation.files import RULE_HAS_ROWS
from pcc_report.validation.force_returns import RULE_KNOWN_RETURN
from pcc_report.validation.suites import HEADER_RULE_TYPE, check_frame

REPO = Path(__file__).resolve().parents[1]
TEMPLATES = REPO / "returns" / "templates"
FOLDER = "returns"  # the folder's name, as problems show it

# Valid rows, including the legitimate edge cases each rule must let through.
GOOD: dict[str, list[list[str]]] = {
    "calls": [
        ["2022-07", "999", "9000", "8100", "6.2"],
        ["2022-07", "101", "20000", "15000", "94.0"],
        ["2022-08", "999", "8800", "8800", "5"],  # all within target; whole seconds
        ["2022-08", "101", "0", "0", "0"],  # no calls offered: a mean of 0 is fine
        ["2022-09", "999", "9100", "8000", "600"],  # 600 s is the warning's limit
        ["2022-09", "101", "19000", "14000", "112.65"],
    ],
    "victim_satisfaction": [
        ["2022-07", "Burglary", "80", "70"],
        ["2022-07", "Violence, with injury", "80", "55"],  # quoted comma
        ["2022-07", "Hate crime", "5", "5"],  # small group, but the month has 165
        ["2022-08", "Burglary", "30", "0"],  # exactly 30 in the month; none satisfied
        ["2022-09", "Burglary", "0", "0"],
        ["2022-09", "Hate crime", "30", "30"],
    ],
    "public_confidence": [
        ["2022-07", "400", "300"],
        ["2022-08", "30", "30"],
        ["2022-09", "350", "0"],
    ],
    "workforce": [
        ["2022-07", "1769.8", "231.2", "266", "150"],
        ["2022-08", "1770", "230.25", "262", "0"],
        ["2022-09", "0.5", "0", "0", "147"],
    ],
    "domestic_abuse_referrals": [["2022-07", "474"], ["2022-08", "0"], ["2022-09", "512"]],
    "restorative_justice_referrals": [["2022-07", "32"], ["2022-08", "0"], ["2022-09", "28"]],
    "first_time_entrants": [["2022-23-Q1", "55"], ["2022-23-Q2", "0"], ["2099-00-Q4", "41"]],
    "hate_crime_reports": [
        ["2022-07", "Demoford", "31"],
        ["2022-07", "Kingsford Vale", "0"],  # none reported: a row with 0
        ["2022-08", "Demoford", "2"],  # a small count is valid data (suppression is later)
        ["2022-08", "Newport, East", "4"],  # quoted comma
    ],
    "funding": [
        ["2022-23", "Demoford", "district", "10000.00", "4517.33", "5482.67"],
        ["2022-23", "Kingsford Vale & Southmere", "district", "24000", "0", "24000"],  # joint
        ["2022-23", "Youth Diversion, Demoshire", "project", "800.5", "800.5", "0"],  # comma
        ["2022-23", "Eastbridge", "district", "100.00", "33.33", "66.66"],  # a penny's rounding
        ["2021-22", "Demoford", "district", "0", "0", "0"],  # another year: a row of its own
    ],
    "scrutiny-plan": [
        ["2022-11-24", "Tackle crime", "ACC Local Policing", "Burglary; vehicle crime",
         "Rising vehicle crime"],
        ["2022-11-24", "Support victims", "Head of Victim Services, OPCC",
         "Victim satisfaction", ""],  # rationale is optional
        ["2024-02-29", "Tackle crime", "ACC", "=HYPERLINK(1)", "leap day"],  # text is data
    ],
}

# Rows that each break exactly one rule (a rule's rows are listed together), appended after
# the good rows: (row, rule).
BAD: dict[str, list[tuple[list[str], str]]] = {
    "calls": [
        (["2022-13", "999", "10", "5", "6.0"], "month is YYYY-MM"),
        (["2023-01", "112", "10", "5", "6.0"], "line is 999 or 101"),
        (["2023-02", "999", "-5", "0", "6.0"], "offered is a whole number, 0 or more"),
        (["2023-03", "999", "1,000", "0", "6.0"], "offered is a whole number, 0 or more"),
        (
            ["2023-04", "999", "10", "7.5", "6.0"],
            "answered_within_target is a whole number, 0 or more",
        ),
        (["2023-05", "999", "10", "5", ""], "mean_answer_seconds is a number, 0 or more"),
        (["2023-06", "999", "10", "11", "6.0"], "answered_within_target is at most offered"),
        (["2023-07", "101", "10", "5", "6.0"], "One row per month per line"),
        (["2023-07", "101", "12", "5", "6.0"], "One row per month per line"),
        (
            ["2023-08", "999", "10", "5", "0.0"],
            "mean_answer_seconds is more than 0 when calls were offered",
        ),
        (["2023-09", "101", "10", "5", "601.5"], "mean_answer_seconds is at most 600 (10 minutes)"),
    ],
    "victim_satisfaction": [
        (["2022-9", "Burglary", "80", "60"], "month is YYYY-MM"),
        (["2023-01", " ", "80", "60"], "crime_group is not empty"),
        (["2023-02", "Burglary", "80.0", "60"], "respondents is a whole number, 0 or more"),
        (["2023-03", "Burglary", "80", "sixty"], "satisfied is a whole number, 0 or more"),
        (["2023-04", "Burglary", "80", "81"], "satisfied is at most respondents"),
        (["2023-05", "Burglary", "80", "60"], "One row per month per crime group"),
        (["2023-05", "Burglary", "80", "61"], "One row per month per crime group"),
        (
            ["2023-06", "Burglary", "20", "10"],
            "At least 30 respondents in a month (all crime groups together)",
        ),
        (
            ["2023-06", "Hate crime", "5", "5"],
            "At least 30 respondents in a month (all crime groups together)",
        ),
    ],
    "public_confidence": [
        (["2023-00", "400", "300"], "month is YYYY-MM"),
        (["2023-01", "", "300"], "respondents is a whole number, 0 or more"),
        (["2023-02", "400", "-1"], "confident is a whole number, 0 or more"),
        (["2023-03", "400", "401"], "confident is at most respondents"),
        (["2023-04", "400", "300"], "One row per month"),
        (["2023-04", "400", "300"], "One row per month"),
        (["2023-05", "29", "20"], "At least 30 respondents in a month"),
    ],
    "workforce": [
        (["Sep 2022", "1769.8", "231.2", "266", "150"], "month is YYYY-MM"),
        (
            ["2023-01", "1,769.8", "231.2", "266", "150"],
            "police_officers (FTE) is a number, 0 or more",
        ),
        (["2023-02", "1769.8", "-3", "266", "150"], "pcsos (FTE) is a number, 0 or more"),
        (
            ["2023-03", "1769.8", "231.2", "266.5", "150"],
            "special_constables (headcount) is a whole number, 0 or more",
        ),
        (
            ["2023-04", "1769.8", "231.2", "266", ""],
            "cadets (headcount) is a whole number, 0 or more",
        ),
        (["2023-05", "1769.8", "231.2", "266", "150"], "One row per month"),
        (["2023-05", "1770.1", "231.2", "266", "150"], "One row per month"),
        (["2023-06", "0", "231.2", "266", "150"], "police_officers is more than 0"),
        (["2023-07", "0.0", "231.2", "266", "150"], "police_officers is more than 0"),
    ],
    "domestic_abuse_referrals": [
        (["2022-09-01", "474"], "month is YYYY-MM"),
        (["2023-01", "1e3"], "referrals is a whole number, 0 or more"),
        (["2023-02", "12"], "One row per month"),
        (["2023-02", "12"], "One row per month"),
    ],
    "restorative_justice_referrals": [
        (["2022/09", "30"], "month is YYYY-MM"),
        (["2023-01", "-1"], "referrals is a whole number, 0 or more"),
        (["2023-02", "3"], "One row per month"),
        (["2023-02", "4"], "One row per month"),
    ],
    "first_time_entrants": [
        (["2022-23-Q5", "40"], "quarter is YYYY-YY-Qn (financial year and quarter 1-4)"),
        (["22-23-Q1", "40"], "quarter is YYYY-YY-Qn (financial year and quarter 1-4)"),
        (["2022-24-Q1", "40"], "quarter's financial year is two consecutive years (2022-23)"),
        (["2023-24-Q1", "5.5"], "first_time_entrants is a whole number, 0 or more"),
        (["2023-24-Q2", "40"], "One row per quarter"),
        (["2023-24-Q2", "41"], "One row per quarter"),
    ],
    "hate_crime_reports": [
        (["2022-7", "Demoford", "3"], "month is YYYY-MM"),
        (["2023-01", "", "3"], "district is not empty"),
        (["2023-02", "Demoford", "-1"], "reports is a whole number, 0 or more"),
        (["2023-03", "Demoford", "fewer than 5"], "reports is a whole number, 0 or more"),
        (["2023-04", "Southmere", "3"], "One row per month per district"),
        (["2023-04", "Southmere", "4"], "One row per month per district"),
    ],
    "funding": [
        (["2022/23", "Marbleham", "district", "10", "5", "5"],
         "financial_year is YYYY-YY (2022-23)"),
        (["2022-24", "Marbleham", "district", "10", "5", "5"],
         "financial_year is two consecutive years (2022-23)"),
        (["2023-24", " ", "project", "10", "5", "5"], "recipient is not empty"),
        (["2023-24", "Westerholt", "partnership", "10", "5", "5"], "kind is district or project"),
        (["2023-24", "Demoton", "district", "10", "5", "5"],
         "A district recipient is one of the force's districts (config/forces/<force>.yml)"),
        (["2023-24", "Demoford & Nowhere", "district", "10", "5", "5"],
         "A district recipient is one of the force's districts (config/forces/<force>.yml)"),
        (["2023-24", "Southmere", "district", "-10", "5", "5"],
         "allocation is an amount in pounds, 0 or more (up to 2 decimal places, no £ or commas)"),
        (["2023-24", "Eastbridge", "district", "£10,000", "5", "5"],
         "allocation is an amount in pounds, 0 or more (up to 2 decimal places, no £ or commas)"),
        (["2023-24", "Project A", "project", "10", "5.005", "5"],
         "spent is an amount in pounds, 0 or more (up to 2 decimal places, no £ or commas)"),
        (["2023-24", "Project B", "project", "10", "15", "-5"],
         "available is an amount in pounds, 0 or more (up to 2 decimal places, no £ or commas)"),
        (["2023-24", "Project C", "project", "10000", "4517.33", "5482.65"],
         "spent + available = allocation (within a penny)"),
        (["2023-24", "Project D", "project", "10", "5", "5"],
         "One row per financial year per recipient"),
        (["2023-24", "Project D", "project", "12", "6", "6"],
         "One row per financial year per recipient"),
    ],
    "scrutiny-plan": [
        (["2023-02-30", "Tackle crime", "ACC", "Burglary", ""],
         "meeting_date is a real date written YYYY-MM-DD"),
        (["24/11/2022", "Tackle crime", "ACC", "Burglary", ""],
         "meeting_date is a real date written YYYY-MM-DD"),
        (["2023-03-01", "", "ACC", "Burglary", ""], "theme is not empty"),
        (["2023-03-02", "Tackle crime", " ", "Burglary", ""], "lead is not empty"),
        (["2023-03-03", "Tackle crime", "ACC", "", ""], "areas is not empty"),
        (["2023-03-04", "Tackle crime", "ACC", "Burglary", "a"],
         "One row per meeting date per theme"),
        (["2023-03-04", "Tackle crime", "ACC", "Robbery", "b"],
         "One row per meeting date per theme"),
        (["2023-03-05", "Keep people safe", "DCS", "x" * 601, ""],
         "areas is at most 600 characters"),
    ],
}

#: The districts the suites are run with (the demonstration force's configuration).
DISTRICTS = load_force_config("demoshire").districts


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_return(folder: Path, name: str, rows: list[list[str]] | None = None) -> Path:
    """``folder/<name>.csv`` with the template header and ``rows`` (default: the good rows)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    path.write_text(
        csv_text(list(RETURN_COLUMNS[name]), GOOD[name] if rows is None else rows), "utf-8"
    )
    return path


def returns_folder(tmp_path: Path) -> Path:
    """An empty returns folder named like the real one (problems show ``returns/<file>``)."""
    folder = tmp_path / FOLDER
    folder.mkdir()
    return folder


def suite_json(name: str) -> dict:
    path = EXPECTATIONS_DIR / f"{return_suite_name(name)}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def only(report: ValidationReport, rule: str, suite: str | None = None) -> Problem:
    found = [p for p in report.problems if p.rule == rule and suite in (None, p.suite)]
    assert len(found) == 1, f"expected one problem {rule!r}, got {report.problems}"
    return found[0]


def lines(problem: Problem) -> set[int]:
    return {e["line"] for e in problem.examples}


# --------------------------------------------------------------------------------------------
# The suites
# --------------------------------------------------------------------------------------------


def header_rule(suite: dict) -> str:
    (rule,) = [e["meta"]["rule"] for e in suite["expectations"] if e["type"] == HEADER_RULE_TYPE]
    return rule


def test_every_rule_has_a_failing_example() -> None:
    """Every rule in every suite's JSON is shown failing: by a bad row below, or (the header
    rule) by :func:`test_each_header_rule_fails_on_a_frame_without_a_column`."""
    for name in RETURNS:
        suite = suite_json(name)
        rules = {e["meta"]["rule"] for e in suite["expectations"]}
        tested = {rule for _, rule in BAD[name]} | {header_rule(suite)}
        assert rules == tested, f"{name}: no failing example for {rules - tested}"


@pytest.mark.parametrize("name", RETURNS)
def test_each_header_rule_fails_on_a_frame_without_a_column(name: str) -> None:
    suite = suite_json(name)
    frame = pd.DataFrame({"month": ["2022-09"], "source_file": ["x"], "source_line": [2]})
    summary, problems = check_frame(suite, {}, frame)
    failed = [e["rule"] for e in summary["expectations"] if not e["success"]]
    assert header_rule(suite) in failed
    assert header_rule(suite) in [p.rule for p in problems]


@pytest.fixture(scope="module")
def good_report(tmp_path_factory: pytest.TempPathFactory) -> ValidationReport:
    folder = returns_folder(tmp_path_factory.mktemp("good"))
    for name in RETURNS:
        write_return(folder, name)
    return validate_returns(folder, districts=DISTRICTS)


def test_good_returns_pass_every_rule(good_report: ValidationReport) -> None:
    assert good_report.ok
    assert good_report.problems == []
    assert good_report.incomplete_months == []
    assert good_report.rows_checked == sum(len(rows) for rows in GOOD.values())
    assert [s["name"] for s in good_report.suites] == [return_suite_name(n) for n in RETURNS]
    for summary, name in zip(good_report.suites, RETURNS, strict=True):
        assert summary["file"] == f"returns_{name}.json"
        assert len(summary["sha256"]) == 64
        assert summary["success"], [e for e in summary["expectations"] if not e["success"]]
        assert summary["evaluated"] == len(suite_json(name)["expectations"])


@pytest.fixture(scope="module")
def bad_report(tmp_path_factory: pytest.TempPathFactory) -> ValidationReport:
    folder = returns_folder(tmp_path_factory.mktemp("bad"))
    for name in RETURNS:
        write_return(folder, name, GOOD[name] + [row for row, _ in BAD[name]])
    return validate_returns(folder, districts=DISTRICTS)


def _bad_lines(name: str, rule: str) -> set[int]:
    first = len(GOOD[name]) + 2  # header is line 1
    return {first + i for i, (_, r) in enumerate(BAD[name]) if r == rule}


BAD_RULES = [(name, rule) for name in RETURNS for rule in dict.fromkeys(r for _, r in BAD[name])]


@pytest.mark.parametrize(("name", "rule"), BAD_RULES, ids=[f"{n}: {r}" for n, r in BAD_RULES])
def test_each_rule_fails_exactly_at_its_bad_rows(
    bad_report: ValidationReport, name: str, rule: str
) -> None:
    problem = only(bad_report, rule, return_suite_name(name))
    spec = next(e for e in suite_json(name)["expectations"] if e["meta"]["rule"] == rule)
    assert problem.level == spec["meta"]["level"]
    assert problem.unexpected_count == len(_bad_lines(name, rule))
    assert lines(problem) == _bad_lines(name, rule)
    assert {e["file"] for e in problem.examples} == {f"{FOLDER}/{name}.csv"}


def test_bad_rows_break_nothing_else(bad_report: ValidationReport) -> None:
    found = {(p.suite, p.rule) for p in bad_report.problems}
    assert found == {(return_suite_name(n), r) for n, r in BAD_RULES}
    assert not bad_report.ok
    assert len(bad_report.suites) == len(RETURNS)


def test_examples_show_the_values_an_analyst_must_see(bad_report: ValidationReport) -> None:
    def values(rule: str, suite: str) -> list[str]:
        return [e["value"] for e in only(bad_report, rule, f"returns_{suite}").examples]

    assert values("answered_within_target is at most offered", "calls") == [
        "11 (but offered is 10)"
    ]
    assert values("One row per month per line", "calls") == ["2023-07, 101", "2023-07, 101"]
    assert values("offered is a whole number, 0 or more", "calls") == ["-5", "1,000"]
    small = "At least 30 respondents in a month (all crime groups together)"
    assert values(small, "victim_satisfaction") == ["2023-06 (respondents in the month: 25)"] * 2
    assert values("crime_group is not empty", "victim_satisfaction") == [" "]
    consecutive = "quarter's financial year is two consecutive years (2022-23)"
    assert values(consecutive, "first_time_entrants") == ["2022-24-Q1"]
    problem = only(bad_report, "answered_within_target is at most offered")
    assert problem.column == "answered_within_target"
    assert only(bad_report, "One row per month per line").column == "month, line"
    assert only(bad_report, "police_officers is more than 0").column == "police_officers"


def test_format_errors_names_file_line_column_rule_and_value(
    bad_report: ValidationReport,
) -> None:
    text = bad_report.format_errors()
    assert "ERROR [returns_calls] rule: answered_within_target is at most offered" in text
    assert "  column: answered_within_target" in text
    assert "returns/calls.csv line 14: '11 (but offered is 10)'" in text
    # warnings are not errors
    assert "mean_answer_seconds is at most 600" not in text


def test_reports_are_stable(bad_report: ValidationReport, tmp_path: Path) -> None:
    """The same inputs elsewhere give byte-identical files (no timestamps, no absolute paths)."""
    folder = returns_folder(tmp_path)
    for name in RETURNS:
        write_return(folder, name, GOOD[name] + [row for row, _ in BAD[name]])
    validate_returns(folder, districts=DISTRICTS).write(tmp_path / "a")
    bad_report.write(tmp_path / "b")
    for file in ("validation.json", "validation.html"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()


# --------------------------------------------------------------------------------------------
# Real shapes: the demonstration returns and the blank templates
# --------------------------------------------------------------------------------------------


def test_demo_returns_pass_with_no_problems(tmp_path: Path) -> None:
    folder = tmp_path / FOLDER
    paths = demo.generate_returns(folder)
    report = validate_returns(folder, districts=DISTRICTS)
    assert report.ok, report.format_errors()
    assert report.problems == []
    assert len(report.suites) == len(RETURNS) == len(paths)
    assert report.rows_checked == sum(p.read_bytes().count(b"\n") - 1 for p in paths)
    # What passes validation is read by the measures without complaint.
    assert set(returns.load_returns(folder)) == set(RETURNS)


def test_blank_templates_are_only_warned_about(tmp_path: Path) -> None:
    folder = returns_folder(tmp_path)
    for template in TEMPLATES.glob("*.csv"):
        shutil.copy(template, folder / template.name)
    report = validate_returns(folder)
    assert report.ok
    assert len(report.suites) == len(RETURNS)
    assert all(s["success"] for s in report.suites)
    assert {p.rule for p in report.problems} == {RULE_HAS_ROWS}
    assert {p.level for p in report.problems} == {"warning"}
    assert len(report.problems) == len(RETURNS)
    assert "returns/calls.csv: file has a header but no data rows" in report.problems[0].message


# --------------------------------------------------------------------------------------------
# The folder and file structure
# --------------------------------------------------------------------------------------------


def test_missing_returns_are_not_problems(tmp_path: Path) -> None:
    folder = returns_folder(tmp_path)
    empty = validate_returns(folder)
    assert empty.ok and empty.problems == [] and empty.suites == [] and empty.rows_checked == 0
    write_return(folder, "workforce")
    report = validate_returns(folder)
    assert report.ok and report.problems == []
    assert [s["name"] for s in report.suites] == ["returns_workforce"]


def test_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        validate_returns(tmp_path / "nowhere")


def test_unknown_csv_files_are_warned_about_and_ignored(tmp_path: Path) -> None:
    folder = returns_folder(tmp_path)
    write_return(folder, "calls")
    (folder / "Calls.csv").write_text("anything\n", encoding="utf-8")
    (folder / "notes.csv").write_text("", encoding="utf-8")
    (folder / "workforce.xlsx").write_bytes(b"PK\x03\x04")
    (folder / "README.md").write_text("# notes\n", encoding="utf-8")
    (folder / ".hidden.csv").write_text("x\n", encoding="utf-8")
    (folder / "old").mkdir()
    (folder / "old" / "calls.csv").write_text("x\n", encoding="utf-8")
    report = validate_returns(folder)
    assert report.ok  # warnings only
    assert [p.rule for p in report.problems] == [RULE_KNOWN_RETURN] * 3
    assert all(p.level == "warning" and p.suite == "returns" for p in report.problems)
    by_file = {p.examples[0]["file"]: p.message for p in report.problems}
    assert set(by_file) == {"returns/Calls.csv", "returns/notes.csv", "returns/workforce.xlsx"}
    assert "not a known return, ignored (did you mean calls.csv?)" in by_file["returns/Calls.csv"]
    assert "not a known return, ignored;" in by_file["returns/notes.csv"]
    assert "save it as CSV" in by_file["returns/workforce.xlsx"]
    assert [s["name"] for s in report.suites] == ["returns_calls"]


def test_a_suite_needing_an_unknown_derived_column_is_refused(tmp_path: Path) -> None:
    expectations = tmp_path / "expectations"
    expectations.mkdir()
    suite = suite_json("public_confidence")
    suite["expectations"][0]["kwargs"]["column_list"].append("_mystery")
    (expectations / "returns_public_confidence.json").write_text(json.dumps(suite), "utf-8")
    folder = returns_folder(tmp_path)
    write_return(folder, "public_confidence")
    with pytest.raises(ValueError, match="_mystery"):
        validate_returns(folder, expectations_dir=expectations)
