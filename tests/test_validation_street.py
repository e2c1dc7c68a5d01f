"""Validation of police.uk street rows: the GX suite, required months, real files.

Small frames are built here (tests/streetfiles.py); the last tests run every real police.uk
file in ../shared/data through the same rules (skipped when that folder is absent).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from streetfiles import (
    BTP,
    FORCE,
    MONTHS,
    asb,
    crime,
    failing,
    frame_of,
    good_month,
    lines,
    read_files,
    source,
    write_csv,
)

from pcc_report import police_uk
from pcc_report.police_uk import STREET_COLUMNS
from pcc_report.validation import (
    ValidationReport,
    check_street_file,
    validate_street,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
STREET_DATA = SHARED_DATA / "police-uk" / "street"
SUITE_FILE = police_uk.EXPECTATIONS_DIR / "police_uk_street.json"


# --------------------------------------------------------------------------------------------
# The suite file itself
# --------------------------------------------------------------------------------------------


def test_suite_json_is_reviewable_and_complete() -> None:
    suite = json.loads(SUITE_FILE.read_text(encoding="utf-8"))
    assert suite["name"] == "police_uk_street"
    rules = [e["meta"]["rule"] for e in suite["expectations"]]
    assert len(rules) == len(set(rules)), "rule names must be unique"
    assert {e["meta"]["level"] for e in suite["expectations"]} == {"error", "warning"}
    assert all(set(e) <= {"type", "kwargs", "meta"} for e in suite["expectations"])
    crime_types = next(
        e for e in suite["expectations"] if e["kwargs"].get("column") == "Crime type"
    )["kwargs"]["value_set"]
    assert len(crime_types) == 16  # every type police.uk has used since 2010-12


def test_a_suite_gx_would_silently_shrink_is_refused(tmp_path: Path) -> None:
    """GX logs and drops an expectation of unknown type; validation must refuse to run."""
    suite = json.loads(SUITE_FILE.read_text(encoding="utf-8"))
    suite["expectations"].append(
        {
            "type": "expect_column_values_to_be_lovely",
            "kwargs": {"column": "Month"},
            "meta": {"level": "error", "rule": "Broken rule"},
        }
    )
    (tmp_path / "police_uk_street.json").write_text(json.dumps(suite), encoding="utf-8")
    frame = frame_of({m: good_month(m) for m in MONTHS})
    with pytest.raises(ValueError, match="GX accepted 21 of 22 expectations"):
        validate_street(frame, required_months=MONTHS, expectations_dir=tmp_path)


# --------------------------------------------------------------------------------------------
# Row rules: one good frame passes every rule; one bad frame fails each rule at known lines
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_report() -> ValidationReport:
    return validate_street(frame_of({m: good_month(m) for m in MONTHS}), required_months=MONTHS)


def test_good_data_passes_every_rule(good_report: ValidationReport) -> None:
    assert good_report.ok and good_report.problems == []
    (suite,) = good_report.suites
    assert suite["success"] and suite["evaluated"] == len(suite["expectations"]) == 21
    assert all(e["success"] for e in suite["expectations"])
    # Every rule saw rows, except the crime-type rules of periods before these 2022 months.
    unused = {e["rule"] for e in suite["expectations"] if e["element_count"] == 0}
    assert unused == {
        "Columns are exactly the police.uk street header",
        "Crime type is one police.uk used in the row's month (2010-12 to 2011-08: 6 types)",
        "Crime type is one police.uk used in the row's month (2011-09 to 2013-04: 11 types)",
    }
    assert suite["sha256"] == hashlib.sha256(SUITE_FILE.read_bytes()).hexdigest()
    assert good_report.rows_checked == 3 * 40 and good_report.incomplete_months == []


BAD_MONTH = "2022-09"
UNION_RULE = "Crime type is one police.uk has used (16 types since 2010-12)"
PERIOD_RULE = "Crime type is one police.uk used in the row's month (from 2013-05: 14 types)"
# Each bad row (appended after the 40 good rows of 2022-09, so from line 42) breaks one rule;
# the malformed month necessarily also breaks "Month equals the month in the file name".
BAD_ROWS: list[tuple[str, dict[str, str]]] = [
    ("Month is YYYY-MM", crime("2022-9")),
    ("Month equals the month in the file name", crime("2022-08")),
    (UNION_RULE,
     crime(BAD_MONTH, Crime_type="Jaywalking")),
    (PERIOD_RULE, crime(BAD_MONTH, Crime_type="Violent crime")),  # retired in 2013-04
    ("Outcome is a known police.uk outcome category or empty",
     crime(BAD_MONTH, Last_outcome_category="Sent to the moon")),
    ("Anti-social behaviour rows have no Crime ID", asb(BAD_MONTH, **{"Crime ID": "abc123"})),
    ("Anti-social behaviour rows have no outcome",
     asb(BAD_MONTH, Last_outcome_category="Local resolution")),
    ("Crime rows have a Crime ID (except British Transport Police)",
     crime(BAD_MONTH, **{"Crime ID": ""})),
    ("Crime rows have an outcome (except British Transport Police)",
     crime(BAD_MONTH, Last_outcome_category="")),
    ("LSOA code is an England/Wales LSOA code or empty", crime(BAD_MONTH, LSOA_code="S01012345")),
    ("Longitude is a number or empty", crime(BAD_MONTH, Longitude="west")),
    ("Latitude is a number or empty", crime(BAD_MONTH, Latitude="north")),
    ("Longitude is inside the UK", crime(BAD_MONTH, Longitude="5.5")),
    ("Latitude is inside the UK", crime(BAD_MONTH, Latitude="40.1")),
    ("Latitude is empty when Longitude is empty", crime(BAD_MONTH, Longitude="")),
    ("Longitude is empty when Latitude is empty", crime(BAD_MONTH, Latitude="")),
    ("Crime IDs are unique", crime(BAD_MONTH, **{"Crime ID": "dup"})),
    ("Crime IDs are unique", crime(BAD_MONTH, **{"Crime ID": "dup"})),
]  # fmt: skip


@pytest.fixture(scope="module")
def bad_report() -> ValidationReport:
    months = {m: good_month(m) for m in MONTHS}
    months[BAD_MONTH] = months[BAD_MONTH] + [row for _, row in BAD_ROWS]
    return validate_street(frame_of(months), required_months=MONTHS)


def _expected_lines(rule: str) -> set[tuple[str, int]]:
    expected = {source(BAD_MONTH, 42 + i) for i, (r, _) in enumerate(BAD_ROWS) if r == rule}
    if rule == "Month equals the month in the file name":
        expected.add(source(BAD_MONTH, 42))  # the malformed "2022-9" differs from the file too
    if rule == PERIOD_RULE:
        expected.add(source(BAD_MONTH, 44))  # "Jaywalking" was never used, so not in 2022 either
    return expected


@pytest.mark.parametrize("rule", sorted({r for r, _ in BAD_ROWS}))
def test_each_rule_fails_exactly_at_its_bad_rows(bad_report: ValidationReport, rule: str) -> None:
    problem = failing(bad_report, rule)
    assert lines(problem) == _expected_lines(rule)
    assert problem.unexpected_count == len(_expected_lines(rule))
    expected_level = "warning" if rule == "Crime IDs are unique" else "error"
    assert problem.level == expected_level
    # Nothing else failed: BTP rows, ASB rows, no-location rows and Welsh LSOAs are all valid.
    assert {p.rule for p in bad_report.problems} == {r for r, _ in BAD_ROWS}


def test_examples_carry_the_bad_values(bad_report: ValidationReport) -> None:
    def values(rule: str) -> list[str]:
        return [e["value"] for e in failing(bad_report, rule).examples]

    assert values(UNION_RULE) == ["Jaywalking"]
    assert values(PERIOD_RULE) == [
        "Jaywalking (not a police.uk crime type)",
        "Violent crime (police.uk used it 2010-12 to 2013-04)",
    ]
    assert values("Latitude is a number or empty") == ["north"]
    assert values("Longitude is inside the UK") == ["5.5"]  # the text, not the derived number
    assert values("Crime IDs are unique") == ["dup", "dup"]
    assert values("Month equals the month in the file name") == [
        "2022-9 (but file_month is 2022-09)",
        "2022-08 (but file_month is 2022-09)",
    ]
    crime_type = failing(bad_report, UNION_RULE)
    assert crime_type.column == "Crime type" and crime_type.suite == "police_uk_street"


def test_at_most_five_examples_but_every_bad_row_counted() -> None:
    rows = good_month("2022-09") + [crime("2022-09", Crime_type=f"Bogus {i}") for i in range(12)]
    report = validate_street(frame_of({"2022-09": rows}), required_months=["2022-09"])
    problem = failing(report, UNION_RULE)
    assert problem.unexpected_count == 12 and len(problem.examples) == 5


def test_missing_values_are_treated_as_empty() -> None:
    """NaN/None from a reader count as "" (ASB rows with no Crime ID pass, etc.)."""
    frame = frame_of({m: good_month(m) for m in MONTHS})
    empty = frame["Crime ID"] == ""
    frame["Crime ID"] = frame["Crime ID"].astype(object).where(~empty, None)
    assert frame["Crime ID"].isna().any()
    frame["Context"] = pd.Series([None] * len(frame), dtype="category")  # categorical input too
    report = validate_street(frame, required_months=MONTHS)
    assert report.ok and report.problems == []


def test_wrong_columns_in_the_frame_are_named() -> None:
    frame = frame_of({"2022-09": good_month("2022-09")}).rename(columns={"Crime type": "Type"})
    report = validate_street(frame, required_months=["2022-09"])
    header = failing(report, "Columns are exactly the police.uk street header")
    assert header.level == "error" and not report.ok
    assert "missing column(s): 'Crime type'" in header.message
    assert "unexpected column(s): 'Type'" in header.message
    assert report.suites[0]["expectations"][0]["unexpected_count"] == 1
    # Rules on the missing column cannot run: they fail (never pass silently).
    crime_type = failing(report, UNION_RULE)
    assert crime_type.level == "error" and "could not be checked" in crime_type.message


def test_reordered_columns_fail_the_header_rule() -> None:
    frame = frame_of({"2022-09": good_month("2022-09")})
    columns = list(frame.columns)
    columns[0], columns[1] = columns[1], columns[0]
    report = validate_street(frame[columns], required_months=["2022-09"])
    assert (
        "wrong order" in failing(report, "Columns are exactly the police.uk street header").message
    )


# --------------------------------------------------------------------------------------------
# Months: plausible row counts (warning) and required months (error or warning)
# --------------------------------------------------------------------------------------------

PLAUSIBLE = "Monthly row count is plausible (50% to 200% of the median of the other months)"


def test_a_month_with_too_few_rows_is_a_warning() -> None:
    months = {m: good_month(m) for m in ["2022-06", *MONTHS]}
    months["2022-08"] = months["2022-08"][:15]  # 15 rows against a median of 40: 38 %
    report = validate_street(frame_of(months), required_months=list(months))
    problem = failing(report, PLAUSIBLE)
    assert problem.level == "warning" and report.ok
    assert problem.unexpected_count == 15  # rows of the implausible month
    assert [e["value"] for e in problem.examples] == [
        "2022-08: 15 rows, 38% of the median of the other months"
    ]
    assert problem.examples[0]["file"] == source("2022-08", 2)[0]


def test_a_month_with_more_than_double_the_rows_is_a_warning() -> None:
    months = {m: good_month(m) for m in ["2022-06", *MONTHS]}
    months["2022-09"] = months["2022-09"] * 3
    report = validate_street(frame_of(months), required_months=list(months))
    assert "2022-09" in failing(report, PLAUSIBLE).message


def test_missing_required_months_are_errors_by_default(good_report: ValidationReport) -> None:
    frame = frame_of({m: good_month(m) for m in MONTHS})
    required = ["2022-05", "2022-06", *MONTHS]
    report = validate_street(frame, required_months=required)
    problem = failing(report, "Every required month has data")
    assert problem.level == "error" and not report.ok
    assert "2 required month(s) have no data: 2022-05, 2022-06" in problem.message
    assert report.incomplete_months == ["2022-05", "2022-06"]


def test_allow_missing_turns_missing_months_into_warnings() -> None:
    frame = frame_of({m: good_month(m) for m in MONTHS})
    report = validate_street(frame, required_months=["2022-06", *MONTHS], allow_missing=True)
    problem = failing(report, "Every required month has data")
    assert problem.level == "warning" and report.ok
    assert report.incomplete_months == ["2022-06"]
    assert "incomplete data" in problem.message


def test_no_readable_file_at_all() -> None:
    report = validate_street(None, required_months=MONTHS)
    assert not report.ok and report.rows_checked == 0
    assert report.incomplete_months == MONTHS


def test_malformed_required_month_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        validate_street(frame_of({"2022-09": good_month("2022-09")}), required_months=["2022/09"])


def _name(month: str = "2022-09", suffix: str = ".csv") -> str:
    return f"{month}-{FORCE}-street{suffix}"


def test_problems_from_real_files_end_to_end(tmp_path: Path) -> None:
    """Files -> file checks -> read -> validate: errors name file, line, column, rule, value."""
    root = tmp_path / "police-uk"
    folder = root / "street" / FORCE
    write_csv(folder / _name("2022-07", ".csv.gz"), good_month("2022-07"), gz=True)
    write_csv(folder / _name("2022-08"), good_month("2022-08")[:3] + [
        crime("2022-08", Crime_type="Jaywalking"), crime("2022-08", Latitude="north"),
        crime("2022-07")] + good_month("2022-08")[3:])  # fmt: skip
    header = [("Crime Type" if c == "Crime type" else c) for c in STREET_COLUMNS]
    write_csv(folder / _name("2022-09"), good_month("2022-09"), header=header)

    paths = sorted(folder.iterdir())
    file_problems = [
        p for path in paths for p in check_street_file(path, path.relative_to(root).as_posix())
    ]
    readable = [p for p in paths if not any(p.name in fp.message for fp in file_problems)]
    assert [p.name for p in readable] == [_name("2022-07", ".csv.gz"), _name("2022-08")]
    report = validate_street(
        read_files(readable, root, FORCE), required_months=MONTHS, file_problems=file_problems
    )
    assert not report.ok
    text = report.format_errors()
    august = f"street/{FORCE}/{_name('2022-08')}"
    assert f"{august} line 5: 'Jaywalking'" in text
    assert f"{august} line 6: 'north'" in text
    assert f"{august} line 7: '2022-07 (but file_month is 2022-08)'" in text
    assert "column: Crime type" in text and "column: Latitude" in text
    assert "rule: Crime type is one police.uk has used (16 types since 2010-12)" in text
    assert "rule: Latitude is a number or empty" in text
    assert "missing column(s): 'Crime type'" in text and _name("2022-09") in text
    assert "1 required month(s) have no data: 2022-09" in text
    assert report.problems[0] == file_problems[0]  # file problems come first


# --------------------------------------------------------------------------------------------
# Every real police.uk file passes the error-level rules
# --------------------------------------------------------------------------------------------

needs_real_data = pytest.mark.skipif(
    not STREET_DATA.is_dir(), reason=f"real police.uk data not found at {STREET_DATA}"
)


def _real_files(*forces: str) -> list[Path]:
    folders = [STREET_DATA / f for f in forces] if forces else sorted(STREET_DATA.iterdir())
    return sorted(p for folder in folders for p in folder.glob("*-street.csv*"))


@needs_real_data
def test_every_real_file_passes_the_file_checks() -> None:
    files = _real_files()
    assert len(files) > 150
    problems = [p for path in files for p in check_street_file(path)]
    assert problems == []


@needs_real_data
@pytest.mark.parametrize("group", ["lancashire", "leicestershire", "other forces"])
def test_real_data_passes_the_error_rules(group: str) -> None:
    """Validated per force for the two long series; the 38 four-month forces together (one GX
    run instead of 38 keeps this test at a few seconds; every row still meets every rule)."""
    if group == "other forces":
        forces = sorted(
            p.name for p in STREET_DATA.iterdir() if p.name not in ("lancashire", "leicestershire")
        )
    else:
        forces = [group]
    files = _real_files(*forces)
    frame = read_files(files, STREET_DATA.parent, group)
    months = sorted({p.name[:7] for p in files})
    report = validate_street(frame, required_months=months)
    assert report.errors() == [], report.format_errors()
    assert report.rows_checked == len(frame) > 0
    assert report.incomplete_months == []
    if group == "lancashire":
        # Real files repeat Crime IDs: flagged, but only as a warning.
        assert failing(report, "Crime IDs are unique").unexpected_count > 1000
    if group == "other forces":
        assert BTP in set(frame["Reported by"])  # the BTP exception is exercised


@needs_real_data
def test_real_lancashire_gaps_are_found_and_can_be_allowed() -> None:
    files = _real_files("lancashire")[:12]  # 2019-12 .. 2020-12 minus the missing months
    frame = read_files(files, STREET_DATA.parent, "lancashire")
    required = [f"2020-{m:02d}" for m in range(1, 13)]
    report = validate_street(frame, required_months=required, allow_missing=True)
    assert report.ok and report.incomplete_months == ["2020-06", "2020-08", "2020-09"]


@needs_real_data
def test_real_dyfed_powys_2024_01_is_an_implausible_month() -> None:
    files = _real_files("dyfed-powys")
    report = validate_street(
        read_files(files, STREET_DATA.parent, "dyfed-powys"),
        required_months=[p.name[:7] for p in files],
    )
    assert report.ok
    problem = failing(report, PLAUSIBLE)
    assert [e["value"][:7] for e in problem.examples] == ["2024-01"]
