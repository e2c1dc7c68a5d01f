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
    assert text.startswith("Validation failed: 1 error(s)")
    assert "rule: Crime type is one of the 14 police.uk crime types" in text
    assert "column: Crime type" in text
    assert f"street/{FORCE}/2022-09-{FORCE}-street.csv line 42:" in text
    assert "1 of 41 checked row(s) break this rule" in text


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
    assert data["ok"] is False and data["error_count"] == 1 and data["rows_checked"] == 41
    (problem,) = data["problems"]
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
