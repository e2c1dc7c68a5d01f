"""The force returns module: one home for each return's columns, and the one reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pcc_report.police_uk import EXPECTATIONS_DIR
from pcc_report.returns import (
    QUARTERLY_SOURCES,
    RETURN_COLUMNS,
    RETURNS,
    ReturnFileError,
    ReturnsError,
    load_returns,
    read_return,
    read_return_rows,
)
from pcc_report.validation.suites import HEADER_RULE_TYPE, is_helper_column

TEMPLATES = Path(__file__).resolve().parents[1] / "returns" / "templates"


@pytest.mark.parametrize("name", RETURNS)
def test_template_and_suite_list_the_columns_of_return_columns(name: str) -> None:
    """RETURN_COLUMNS is the home; the template CSV and the suite's header rule must agree."""
    template = (TEMPLATES / f"{name}.csv").read_text(encoding="utf-8").strip().split(",")
    assert template == list(RETURN_COLUMNS[name])
    suite = json.loads((EXPECTATIONS_DIR / f"returns_{name}.json").read_text(encoding="utf-8"))
    (header,) = [e for e in suite["expectations"] if e["type"] == HEADER_RULE_TYPE]
    listed = [c for c in header["kwargs"]["column_list"] if not is_helper_column(c)]
    assert listed == list(RETURN_COLUMNS[name])


def test_every_return_has_a_template_and_a_suite_and_nothing_else_does() -> None:
    assert set(RETURNS) == set(RETURN_COLUMNS)
    assert {p.stem for p in TEMPLATES.glob("*.csv")} == set(RETURNS)
    suites = {p.stem.removeprefix("returns_") for p in EXPECTATIONS_DIR.glob("returns_*.json")}
    assert suites == set(RETURNS)
    assert QUARTERLY_SOURCES <= set(RETURNS)
    for name in QUARTERLY_SOURCES:
        assert next(iter(RETURN_COLUMNS[name].values())) == "quarter"


def test_load_returns_absent_folder_or_file_means_absent_source(tmp_path):
    assert load_returns(None) == {}
    assert load_returns(tmp_path / "no-such-folder") == {}
    (tmp_path / "calls.csv").write_text(
        "month,line,offered,answered_within_target,mean_answer_seconds\n"
        "2022-09,999,1000,930,4.5\n2022-09,101,2000,1500,31.2\n",
        encoding="utf-8",
    )
    returns = load_returns(tmp_path)
    assert list(returns) == ["calls"]  # the other returns were not supplied
    frame = returns["calls"]
    assert str(frame["line"].dtype) == "string" and frame["line"].tolist() == ["999", "101"]
    assert str(frame["offered"].dtype) == "Int64"
    assert frame["mean_answer_seconds"].dtype == "float64"


def test_read_return_errors_name_the_file_line_and_column(tmp_path):
    path = tmp_path / "public_confidence.csv"
    path.write_text("month,respondents\n2022-09,500\n", encoding="utf-8")
    with pytest.raises(ReturnsError, match="missing column\\(s\\) confident"):
        read_return(path, "public_confidence")
    path.write_text("month,respondents,confident\n2022-09,500,400\n2022-10,500,4x0\n", "utf-8")
    with pytest.raises(ReturnsError, match="line 3, column confident: '4x0' is not a whole"):
        read_return(path, "public_confidence")
    path.write_text("month,respondents,confident\nSept 22,500,400\n", "utf-8")
    with pytest.raises(ReturnsError, match="line 2, column month"):
        read_return(path, "public_confidence")


def test_rows_keep_their_true_lines(tmp_path: Path) -> None:
    path = tmp_path / "victim_satisfaction.csv"
    path.write_bytes(
        b'\xef\xbb\xbfmonth,crime_group,respondents,satisfied\r\n2022-07,"Violent\r\ncrime",80,60\r\n'
        b"\r\n2022-08,Burglary,80,70\r\n"
    )
    rows = read_return_rows(path)
    assert rows.header == ["month", "crime_group", "respondents", "satisfied"]
    assert rows.records == [
        ["2022-07", "Violent\r\ncrime", "80", "60"],
        ["2022-08", "Burglary", "80", "70"],
    ]
    assert rows.lines == [2, 5] and rows.ragged() == []
    path.write_text("month,crime_group,respondents,satisfied\n2022-07,x,1\n\n2022-08,y,2,1\n")
    with pytest.raises(ReturnsError, match="line 2: 3 field"):
        read_return(path, "victim_satisfaction")
    path.write_text("month,crime_group,respondents,satisfied\n\n2022-08,y,2,x\n")
    with pytest.raises(ReturnsError, match="line 3, column satisfied: 'x'"):
        read_return(path, "victim_satisfaction")


@pytest.mark.parametrize(
    ("content", "empty", "line"),
    [
        (b"", True, None),
        (b" \n\n", True, None),
        (b"\x1f\x8b\x08\x00", False, None),
        (b"month,referrals\n2022-07,caf\xe9\n", False, 2),
        (b"month,referrals\n\x00\n", False, 2),
        (b'month,referrals\n2022-07,"4\n', False, 2),
    ],
    ids=["0 bytes", "blank", "gzip", "latin-1", "NUL", "open quote"],
)
def test_unreadable_files_say_why_and_where(
    tmp_path: Path, content: bytes, empty: bool, line: int | None
) -> None:
    path = tmp_path / "domestic_abuse_referrals.csv"
    path.write_bytes(content)
    with pytest.raises(ReturnFileError) as raised:
        read_return_rows(path)
    assert raised.value.empty is empty and raised.value.line == line
    assert str(raised.value) == f"{path}: {raised.value.reason}"
    with pytest.raises(ReturnsError):  # the measures' reader refuses it the same way
        read_return(path, "domestic_abuse_referrals")


def test_a_return_broken_down_by_district_keeps_the_names_as_text(tmp_path: Path) -> None:
    path = tmp_path / "hate_crime_reports.csv"
    path.write_text(
        'month,district,reports\n2022-07,Demoford,31\n2022-07," Newport, East ",0\n', "utf-8"
    )
    frame = read_return(path, "hate_crime_reports")
    assert frame["district"].tolist() == ["Demoford", "Newport, East"]  # stripped, comma kept
    assert str(frame["reports"].dtype) == "Int64" and frame["reports"].tolist() == [31, 0]
