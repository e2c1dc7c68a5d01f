"""The demonstration report's Part 3 and exceptions pages, in the HTML and in the PDF text.

Values are computed here from the demonstration CSV files (csv module and Decimal), not from
pcc_report.part3.
"""

from __future__ import annotations

import csv
import re
import subprocess
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _html_text(path: Path) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))).split())


def test_part3_and_exceptions_pages_in_order_with_the_csv_values(demo_report, demo_data):
    report = demo_report["report"]
    funding = [r for r in _rows(demo_data / "returns" / "funding.csv")
               if r["financial_year"] == "2022-23"]
    total = sum((Decimal(r["allocation"]) for r in funding), Decimal(0))
    spent = sum((Decimal(r["spent"]) for r in funding), Decimal(0))
    html = _html_text(report / "html" / "part3.html")
    assert f"£{total:,.2f}" in html and f"£{spent:,.2f}" in html
    for row in funding:
        assert row["recipient"] in html
    plan = [r for r in _rows(demo_data / "returns" / "scrutiny-plan.csv")
            if r["meeting_date"][:7] > "2022-09"]
    for row in plan:
        assert row["areas"] in html
    assert "Performance by exception" in _html_text(report / "html" / "exceptions.html")

    pdf = next(report.glob("*.pdf"))
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout.split())
    body = text[text.index("Measures that need the panel's attention"):]  # after contents
    order = [body.index(h) for h in ("Part 2: performance against the plan", "Part 3: the "
                                     "Commissioner's activity", "Appendix A")]
    assert order == sorted(order)
    intro = text.index("Performance by exception:")  # the page's first sentence
    contents, rest = text[:intro], text[intro:]
    assert contents.index("Performance by exception") < contents.index("Part 2: performance")
    assert "Part 2: performance against the plan" in rest
    assert f"£{total:,.2f}" in body and f"£{spent:,.2f}" in body
