"""Layer 1 of validation: the structure of street files and of force return files."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from streetfiles import FORCE, good_month, write_csv

from pcc_report.police_uk import STREET_COLUMNS
from pcc_report.validation import Problem, ValidationReport, check_street_file, validate_returns
from pcc_report.validation.files import (
    RULE_FIELDS,
    RULE_NOT_EMPTY,
    RULE_READABLE,
    RULE_RETURN_HEADER,
)

# --------------------------------------------------------------------------------------------
# File-level checks
# --------------------------------------------------------------------------------------------


def _name(month: str = "2022-09", suffix: str = ".csv") -> str:
    return f"{month}-{FORCE}-street{suffix}"


@pytest.mark.parametrize("gz", [False, True])
def test_a_sound_file_has_no_problems(tmp_path: Path, gz: bool) -> None:
    path = write_csv(
        tmp_path / _name(suffix=".csv.gz" if gz else ".csv"), good_month("2022-09"), gz=gz
    )
    assert check_street_file(path) == []


def test_wrong_header_names_missing_and_unexpected_columns(tmp_path: Path) -> None:
    header = [("Crime Type" if c == "Crime type" else c) for c in STREET_COLUMNS] + ["Extra"]
    path = write_csv(tmp_path / _name(), good_month("2022-09"), header=header)
    (problem,) = check_street_file(path, "street/x.csv")
    assert problem.rule == "Header is exactly the police.uk street header"
    assert problem.level == "error" and problem.examples[0]["line"] == 1
    assert problem.examples[0]["file"] == "street/x.csv" and "street/x.csv" in problem.message
    assert "missing column(s): 'Crime type'" in problem.message
    assert "unexpected column(s): 'Crime Type', 'Extra'" in problem.message


def test_reordered_header(tmp_path: Path) -> None:
    header = list(STREET_COLUMNS)
    header[4], header[5] = header[5], header[4]
    (problem,) = check_street_file(write_csv(tmp_path / _name(), [["x"] * 12], header=header))
    assert problem.rule == "Header is exactly the police.uk street header"
    assert "wrong order" in problem.message


def test_truncated_gzip(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "x.csv.gz", good_month("2022-09") * 20, gz=True).read_bytes()
    path = tmp_path / _name(suffix=".csv.gz")
    path.write_bytes(data[: len(data) // 2])
    (problem,) = check_street_file(path)
    assert problem.rule == "File is a complete gzip archive" and problem.level == "error"
    assert "truncated" in problem.message and path.as_posix() in problem.message


def test_corrupted_gzip_body(tmp_path: Path) -> None:
    data = bytearray(write_csv(tmp_path / "x.csv.gz", good_month("2022-09"), gz=True).read_bytes())
    data[len(data) // 2] ^= 0xFF
    data[len(data) // 2 + 1] ^= 0xFF
    path = tmp_path / _name(suffix=".csv.gz")
    path.write_bytes(bytes(data))
    assert [p.rule for p in check_street_file(path)] == ["File is a complete gzip archive"]


def test_gz_name_without_gzip_content(tmp_path: Path) -> None:
    path = write_csv(tmp_path / _name(suffix=".csv.gz"), good_month("2022-09"))
    (problem,) = check_street_file(path)
    assert problem.rule == "File is a complete gzip archive" and "gzip signature" in problem.message


def test_gzip_content_under_a_plain_csv_name(tmp_path: Path) -> None:
    path = write_csv(tmp_path / _name(), good_month("2022-09"), gz=True)
    (problem,) = check_street_file(path)
    assert problem.rule == "File is readable CSV text (UTF-8)" and ".gz" in problem.message


@pytest.mark.parametrize("content", [b"", gzip.compress(b"", mtime=0)], ids=["plain", "gzip"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / _name(suffix=".csv.gz" if content else ".csv")
    path.write_bytes(content)
    (problem,) = check_street_file(path)
    assert problem.rule == "File is not empty" and problem.level == "error"


def test_header_without_rows_is_empty(tmp_path: Path) -> None:
    (problem,) = check_street_file(write_csv(tmp_path / _name(), []))
    assert problem.rule == "File is not empty" and "no data rows" in problem.message


def test_binary_file_is_not_readable_csv(tmp_path: Path) -> None:
    path = tmp_path / _name()
    path.write_bytes(b"Crime ID,Month\r\n\xff\xfe\x00\x01 garbage")
    (problem,) = check_street_file(path)
    assert problem.rule == "File is readable CSV text (UTF-8)"
    assert problem.examples[0]["line"] == 2


def test_nul_bytes_are_not_csv(tmp_path: Path) -> None:
    path = tmp_path / _name()
    path.write_bytes(",".join(STREET_COLUMNS).encode() + b"\r\nabc\x00def\r\n")
    (problem,) = check_street_file(path)
    assert problem.rule == "File is readable CSV text (UTF-8)" and "NUL" in problem.message


@pytest.mark.parametrize("name", [f"2022-13-{FORCE}-street.csv", f"september-{FORCE}-street.csv",
                                  "2022-09.csv"])  # fmt: skip
def test_month_in_file_name_must_parse(tmp_path: Path, name: str) -> None:
    path = write_csv(tmp_path / name, good_month("2022-09"))
    (problem,) = check_street_file(path)
    assert problem.rule == "File name starts with a valid YYYY-MM month"
    assert problem.examples[0]["value"] == name


# --------------------------------------------------------------------------------------------
# Force return files (judged through validate_returns, which checks structure first)
# --------------------------------------------------------------------------------------------


def returns_folder(tmp_path: Path) -> Path:
    """An empty returns folder named like the real one (problems show ``returns/<file>``)."""
    folder = tmp_path / "returns"
    folder.mkdir()
    return folder


def _file_problem(tmp_path: Path, name: str, content: bytes) -> tuple[ValidationReport, Problem]:
    folder = returns_folder(tmp_path)
    (folder / f"{name}.csv").write_bytes(content)
    report = validate_returns(folder)
    assert not report.ok
    assert len(report.problems) == 1, report.problems
    assert report.suites == []  # an unsound file's rows are not judged
    problem = report.problems[0]
    assert problem.level == "error"
    assert problem.suite == f"returns_{name}"
    assert problem.message.startswith(f"returns/{name}.csv: ")
    assert f"returns/{name}.csv" in report.format_errors()
    return report, problem


@pytest.mark.parametrize("content", [b"", b"\n", b"  \r\n\n"], ids=["0 bytes", "newline", "blank"])
def test_empty_file_is_an_error_naming_the_file(tmp_path: Path, content: bytes) -> None:
    _, problem = _file_problem(tmp_path, "calls", content)
    assert problem.rule == RULE_NOT_EMPTY


def test_wrong_header_names_the_file_and_the_columns(tmp_path: Path) -> None:
    content = b"month,line,offered,answered,mean_answer_seconds\n2022-09,999,10,5,6.0\n"
    _, problem = _file_problem(tmp_path, "calls", content)
    assert problem.rule == RULE_RETURN_HEADER
    assert "missing column(s): 'answered_within_target'" in problem.message
    assert "unexpected column(s): 'answered'" in problem.message
    assert "month,line,offered,answered_within_target,mean_answer_seconds" in problem.message
    assert problem.examples == [
        {"file": "returns/calls.csv", "line": 1, "value": "month,line,offered,answered,"
         "mean_answer_seconds"}
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"referrals,month", "columns are in the wrong order"),
        (b"month,referrals,referrals", "repeated column(s): 'referrals'"),
        (b"Month,Referrals", "missing column(s): 'month', 'referrals'"),
        (b"month,referrals ", "unexpected column(s): 'referrals '"),
    ],
)
def test_header_must_be_exact(tmp_path: Path, header: bytes, expected: str) -> None:
    _, problem = _file_problem(tmp_path, "domestic_abuse_referrals", header + b"\n2022-09,4\n")
    assert problem.rule == RULE_RETURN_HEADER
    assert expected in problem.message


def test_rows_with_the_wrong_number_of_fields(tmp_path: Path) -> None:
    content = b"month,referrals\n2022-07,4\n2022-08,1,234\n2022-09\n2022-10,5\n"
    _, problem = _file_problem(tmp_path, "domestic_abuse_referrals", content)
    assert problem.rule == RULE_FIELDS
    assert problem.unexpected_count == 2
    assert [(e["line"], e["value"]) for e in problem.examples] == [
        (3, "3 fields: 2022-08,1,234"),
        (4, "1 fields: 2022-09"),
    ]


@pytest.mark.parametrize(
    ("content", "line"),
    [
        (b'month,referrals\n2022-07,4\n2022-08,"12\n2022-09,3\n', 3),  # quote never closed
        (b'month,referrals\n2022-07,4\n2022-08,"1"2\n', 3),  # text after a closing quote
        ("month,referrals\n2022-07,4\n2022-08,caf\u00e9\n".encode("latin-1"), 3),
        (b"month,referrals\n2022-07,4\n2022-08,\x00\x00\n", 3),
        (gzip.compress(b"month,referrals\n2022-07,4\n", mtime=0), None),
    ],
    ids=["open quote", "bad quoting", "latin-1", "NUL bytes", "gzip"],
)
def test_unreadable_csv_is_an_error_with_its_line(
    tmp_path: Path, content: bytes, line: int | None
) -> None:
    _, problem = _file_problem(tmp_path, "domestic_abuse_referrals", content)
    assert problem.rule == RULE_READABLE
    assert problem.examples[0]["line"] == line


def test_true_line_numbers_despite_blank_lines_and_multiline_fields(tmp_path: Path) -> None:
    content = (
        "\ufeffmonth,crime_group,respondents,satisfied\r\n"  # BOM and CRLF are fine
        '2022-07,"Violent\r\ncrime",80,60\r\n'  # lines 2-3
        "\r\n"  # line 4, blank
        "2022-08,Burglary,80,81\r\n"  # line 5
    ).encode()
    folder = returns_folder(tmp_path)
    (folder / "victim_satisfaction.csv").write_bytes(content)
    report = validate_returns(folder)
    assert [p.rule for p in report.problems] == ["satisfied is at most respondents"]
    assert {e["line"] for e in report.problems[0].examples} == {5}
    assert report.rows_checked == 2
