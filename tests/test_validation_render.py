"""Rendering validation results: terminal text, validation.json and validation.html."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streetfiles import FORCE, crime, frame_of, good_month

from pcc_report.validation import ValidationReport, validate_returns, validate_street

# --------------------------------------------------------------------------------------------
# Street data: every data value escaped
# --------------------------------------------------------------------------------------------

MALICIOUS = '<script>alert("x")</script> | *bold* [link](http://e.x) & $x$'


@pytest.fixture(scope="module")
def malicious_report() -> ValidationReport:
    rows = good_month("2022-09") + [crime("2022-09", Crime_type=MALICIOUS)]
    return validate_street(frame_of({"2022-09": rows}), required_months=["2022-09"])


def test_format_errors_names_file_line_column_rule(malicious_report: ValidationReport) -> None:
    text = malicious_report.format_errors()
    # The crime type breaks two rules: never used by police.uk, so not in 2022-09 either.
    assert text.startswith("Validation failed: 2 rule(s) broken")
    assert "rule: Crime type is one police.uk has used (16 types since 2010-12)" in text
    assert "column: Crime type" in text
    assert f"street/{FORCE}/2022-09-{FORCE}-street.csv line 42:" in text
    assert "1 of 41 checked row(s) break this rule" in text


def test_terminal_groups_errors_by_rule_with_three_examples() -> None:
    """Five files with the same broken rule are one group: count, three examples, a pointer."""
    from pcc_report.validation import Problem

    def bad_header(month: str) -> Problem:
        shown = f"{month}/{month}-{FORCE}-street.csv"
        return Problem("police_uk_street", "Header is exactly the police.uk street header",
                       "error", None, f"{shown}: wrong header",
                       [{"file": shown, "line": 1, "value": "Crime Type"}], 1)  # fmt: skip

    months = ["2022-05", "2022-06", "2022-07", "2022-08", "2022-09"]
    rows = Problem("police_uk_street", "Month is YYYY-MM", "error", "Month",
                   "7 of 40 checked row(s) break this rule",
                   [{"file": "f.csv", "line": n, "value": "2022-9"} for n in range(2, 7)], 7)
    warning = Problem("police_uk_street", "Crime IDs are unique", "warning", "Crime ID", "w", [], 2)
    report = ValidationReport([], [*(bad_header(m) for m in months), rows, warning], [], 0)
    lines = report.format_errors().splitlines()
    assert lines[0] == "Validation failed: 2 rule(s) broken in the input data."
    header_group = lines.index(
        "ERROR [police_uk_street] rule: Header is exactly the police.uk street header "
        "(5 found in 5 files)"
    )
    shown = [line for line in lines[header_group + 1 :] if line.startswith("  - ")][:4]
    assert shown[:3] == [
        f"  - {m}/{m}-{FORCE}-street.csv line 1: 'Crime Type'" for m in months[:3]
    ]
    assert shown[3] == "  - ... 2 more example(s) on the results page"
    assert "ERROR [police_uk_street] rule: Month is YYYY-MM (7 found)" in lines
    assert "  - f.csv line 4: '2022-9'" in lines and "  - f.csv line 5: '2022-9'" not in lines
    assert not any("Crime IDs are unique" in line for line in lines)  # warnings are not shown


def test_format_errors_when_clean() -> None:
    clean = validate_street(
        frame_of({"2022-09": good_month("2022-09")}), required_months=["2022-09"]
    )
    assert clean.format_errors() == "Validation passed: no errors."


def test_html_escapes_every_value_and_is_self_contained(
    malicious_report: ValidationReport, tmp_path: Path
) -> None:
    malicious_report.write(tmp_path)
    page = (tmp_path / "validation.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "http://e.x" in page and 'href="http' not in page and "src=" not in page
    assert "<link" not in page and "@import" not in page
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert '<th scope="col">Rule</th>' in page


def test_json_is_stable_and_complete(malicious_report: ValidationReport, tmp_path: Path) -> None:
    malicious_report.write(tmp_path / "a")
    malicious_report.write(tmp_path / "b")
    first = (tmp_path / "a" / "validation.json").read_bytes()
    assert first == (tmp_path / "b" / "validation.json").read_bytes()
    data = json.loads(first)
    assert list(data) == sorted(data)
    # Two rules: the type was never a police.uk type, so it was not one in 2022-09 either.
    assert data["ok"] is False and data["error_count"] == 2 and data["rows_checked"] == 41
    problem, _in_its_month = data["problems"]
    assert problem["examples"] == [
        {"file": f"street/{FORCE}/2022-09-{FORCE}-street.csv", "line": 42, "value": MALICIOUS}
    ]
    assert data["suites"][0]["expectations"][0]["rule"] == (
        "Columns are exactly the police.uk street header"
    )


def test_markup_in_a_return_is_escaped(tmp_path: Path) -> None:
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "restorative_justice_referrals.csv").write_bytes(
        b"month,<script>alert(1)</script>\n2022-09,4\n"
    )
    validate_returns(folder).write(tmp_path / "out")
    page = (tmp_path / "out" / "validation.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
