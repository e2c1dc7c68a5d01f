"""A whole quarter from the real Lancashire files: figures in the HTML and PDF, offline."""

from __future__ import annotations

import csv
import gzip
import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from pcc_report.build import RunRequest, run_report
from pcc_report.errors import ValidationFailed
from pcc_report.present import fingerprint

pytestmark = pytest.mark.e2e


def _independent_counts(police_uk: Path, months: list[str]) -> int:
    """Recorded crimes (rows that are not anti-social behaviour) read with the csv module."""
    total = 0
    for month in months:
        path = police_uk / "street" / "lancashire" / f"{month}-lancashire-street.csv.gz"
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            total += sum(1 for row in csv.DictReader(handle)
                         if row["Crime type"] != "Anti-social behaviour")
    return total


def _months(first: tuple[int, int], count: int) -> list[str]:
    year, month = first
    out = []
    for _ in range(count):
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


def _page_text(path: Path) -> str:
    text = re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8"))
    return " ".join(html.unescape(text).split())


def _pdf_text(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True)
    return " ".join(done.stdout.split())


@pytest.fixture(scope="module")
def headline(police_uk: Path) -> dict:
    latest = _independent_counts(police_uk, _months((2021, 10), 12))
    previous = _independent_counts(police_uk, _months((2020, 10), 12))
    change = (latest - previous) / previous * 100
    word = "up" if latest > previous else "down"
    return {"latest": f"{latest:,}", "previous": f"{previous:,}",
            "change": f"{word} {abs(change):.1f}% ({abs(latest - previous):,})"}


def test_report_folder_holds_the_book_and_its_evidence(lancashire_report) -> None:
    folder = lancashire_report.report_dir
    assert folder.name == "public" and folder.parent.name == "r1"
    assert folder.parent.parent.name == "2022-23-Q2"
    assert folder.parent.parent.parent.name == "lancashire"
    for part in ("html/index.html", "notebooks/recorded-crime.ipynb", "validation/validation.json",
                 "validation/validation.html", "data/street_monthly.parquet",
                 "data/tables/recorded-crime-by-type.csv"):
        assert (folder / part).is_file(), part
    assert lancashire_report.pdf.stat().st_size > 50_000
    assert not (folder.parent.parent.parent / ".staging").exists()


def test_headline_figures_in_html_match_an_independent_count(lancashire_report, headline) -> None:
    page = _page_text(lancashire_report.report_dir / "html" / "recorded-crime.html")
    sentence = (
        "Recorded crime (excluding anti-social behaviour) in the 12 months to September 2022 "
        f"was {headline['latest']}, {headline['change']} on the 12 months to September 2021 "
        f"({headline['previous']})."
    )
    assert sentence in page
    front = _page_text(lancashire_report.report_dir / "html" / "front-sheet.html")
    assert sentence in front


def test_headline_figures_in_the_pdf(lancashire_report, headline) -> None:
    text = _pdf_text(lancashire_report.pdf)
    assert "Lancashire Police and Crime Panel" in text and "Quarter 2 2022/23" in text
    assert "Contents" in text or "CONTENTS" in text
    for figure in (headline["latest"], headline["previous"], headline["change"]):
        assert figure in text
    assert "Table" in text and "Fig." in text  # captioned tables and figures
    assert "import " not in text and "ctx." not in text  # no code in the paper


def test_book_shows_no_code_and_needs_no_network(lancashire_report) -> None:
    html_dir = lancashire_report.report_dir / "html"
    pages = list(html_dir.glob("*.html"))
    assert len(pages) >= 8
    remote = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)
    for page in pages:
        source = page.read_text(encoding="utf-8")
        needed = [m for m in re.finditer(r"<(script|link|img|iframe)\b[^>]*>", source)
                  if remote.search(m.group(0))]
        assert not needed, f"{page.name} loads a remote asset: {needed[0].group(0)}"
        assert "ctx = SectionContext" not in source
        assert "mathjax" not in source.lower()


def test_figures_have_alt_text_stating_the_figures(lancashire_report) -> None:
    page = (lancashire_report.report_dir / "html" / "recorded-crime.html").read_text()
    alts = re.findall(r'<img[^>]*alt="([^"]*)"', page)
    assert alts and all(len(a) > 40 for a in alts)
    assert any("highest month" in a for a in alts)


def test_missing_months_stop_the_build_and_name_exactly_those_months(police_uk, tmp_path) -> None:
    out = tmp_path / "reports"
    with pytest.raises(ValidationFailed) as failure:
        run_report(RunRequest(force="lancashire", quarter="2022-23-Q1", police_uk=police_uk,
                              out=out), progress=lambda message: None)
    message = str(failure.value)
    assert "2 required month(s) have no data: 2020-08, 2020-09" in message
    assert "2020-06" not in message  # outside the windows: not needed, not named
    assert not (out / "lancashire" / "2022-23-Q1").exists()
    assert not (out / ".staging").exists()
    results = list((out / "failed-validation").glob("lancashire-2022-23-Q1-*/validation.json"))
    assert len(results) == 1


def _table_rows(page: Path, table_id: str) -> list[list[str]]:
    """Cell texts of every body row of the HTML table with this id."""
    source = page.read_text(encoding="utf-8")
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', source, re.S)
    assert table, f"no table {table_id} in {page.name}"
    body = re.search(r"<tbody>(.*?)</tbody>", table.group(0), re.S).group(1)
    return [
        [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
         for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def _count_type(police_uk: Path, months: list[str], crime_type: str | None) -> int:
    total = 0
    for month in months:
        path = police_uk / "street" / "lancashire" / f"{month}-lancashire-street.csv.gz"
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                kind = row["Crime type"]
                if (crime_type is None and kind != "Anti-social behaviour") or kind == crime_type:
                    total += 1
    return total


@pytest.mark.parametrize(
    ("measure", "crime_type"),
    [("All recorded crime (excluding anti-social behaviour)", None), ("Burglary", "Burglary"),
     ("Anti-social behaviour incidents", "Anti-social behaviour")],
)
def test_part2_table_equals_an_independent_count(lancashire_report, police_uk, measure,
                                                 crime_type) -> None:
    rows = {r[1]: r for r in _table_rows(
        lancashire_report.report_dir / "html" / "performance.html", "tbl-part2-performance")}
    row = rows[measure]
    previous = _count_type(police_uk, _months((2020, 10), 12), crime_type)
    latest = _count_type(police_uk, _months((2021, 10), 12), crime_type)
    last_fy = _count_type(police_uk, _months((2021, 4), 12), crime_type)
    assert row[2] == f"{previous:,}"
    assert row[4] == f"{latest:,}"
    assert row[6] == f"{last_fy:,}"
    # Lower is better for these measures: the rating follows the direction and tolerance.
    change = (latest - previous) / previous
    expected = "Green" if change <= 0 else ("Amber" if change <= 0.05 else "Red")
    assert row[5].startswith(expected), row[5]
    assert ("↑" if latest > previous else "↓" if latest < previous else "→") in row[5]


def test_allow_missing_builds_and_marks_every_affected_figure(police_uk, tmp_path) -> None:
    result = run_report(
        RunRequest(force="lancashire", quarter="2022-23-Q1", police_uk=police_uk,
                   out=tmp_path / "reports", allow_missing=True),
        progress=lambda message: None,
    )
    mark = "incomplete data: no data for 2020-08, 2020-09"
    page = _page_text(result.report_dir / "html" / "recorded-crime.html")
    assert f"12 months to June 2021 ({mark})" in page
    # the latest 12 months are complete and carry no mark
    assert "12 months to June 2022 (incomplete" not in page
    rows = {r[1]: r for r in _table_rows(result.report_dir / "html" / "performance.html",
                                         "tbl-part2-performance")}
    burglary = rows["Burglary"]
    assert "incomplete data" in burglary[2]  # previous 12 months: 10 of 12 months
    assert "incomplete data" in burglary[5] or "not available" in burglary[5]
    assert "incomplete data" in _pdf_text(result.pdf)


def test_part2_percentages_pool_numerators_over_denominators(lancashire_report,
                                                             demo_returns) -> None:
    """999 calls: sum answered / sum offered over the 12 months, from the returns file."""
    with (demo_returns / "calls.csv").open(newline="", encoding="utf-8") as handle:
        calls = [r for r in csv.DictReader(handle) if r["line"] == "999"]

    def pooled(months: list[str]) -> str:
        rows = [r for r in calls if r["month"] in months]
        answered = sum(int(r["answered_within_target"]) for r in rows)
        offered = sum(int(r["offered"]) for r in rows)
        return f"{answered / offered * 100:.1f}%"

    rows = {r[1]: r for r in _table_rows(
        lancashire_report.report_dir / "html" / "performance.html", "tbl-part2-performance")}
    row = rows["999 calls answered within 10 seconds"]
    assert row[2] == pooled(_months((2020, 10), 12))
    assert row[4] == pooled(_months((2021, 10), 12))
    assert row[6] == pooled(_months((2021, 4), 12))


def test_survey_change_is_classified_by_an_independent_z_test(lancashire_report,
                                                               demo_returns) -> None:
    with (demo_returns / "public_confidence.csv").open(newline="", encoding="utf-8") as handle:
        survey = list(csv.DictReader(handle))

    def totals(months: list[str]) -> tuple[int, int]:
        rows = [r for r in survey if r["month"] in months]
        return sum(int(r["confident"]) for r in rows), sum(int(r["respondents"]) for r in rows)

    x1, n1 = totals(_months((2021, 10), 12))
    x0, n0 = totals(_months((2020, 10), 12))
    p1, p0, pooled = x1 / n1, x0 / n0, (x1 + x0) / (n1 + n0)
    z = (p1 - p0) / (pooled * (1 - pooled) * (1 / n1 + 1 / n0)) ** 0.5
    expected = ("no significant change" if abs(z) < 1.959964 else
                "significant improvement" if z > 0 else "significant deterioration")
    # each measure's figures in words are in the priority's appendix
    page = _page_text(lancashire_report.report_dir / "html" / "comparisons-safer-communities.html")
    sentence = re.search(r"Public confidence in the police: [^•]*?Survey: ([a-z ]+) \(", page)
    assert sentence, "no survey sentence for public confidence"
    assert sentence.group(1) == expected
    assert f"{p1 * 100:.1f}%" in page


def test_each_section_names_its_notebook_and_inputs(lancashire_report) -> None:
    html_dir = lancashire_report.report_dir / "html"
    for page, template in (("recorded-crime", "recorded_crime"), ("districts", "districts"),
                           ("priority-tackle-crime", "priority"), ("performance", "performance")):
        text = _page_text(html_dir / f"{page}.html")
        assert f"Source: computed by the section notebook {template}.ipynb" in text
        assert "built from the 31 police.uk files listed in the audit trail" in text
    assert "force returns (calls.csv" in _page_text(html_dir / "performance.html")
    audit_page = _page_text(html_dir / "audit-trail.html")
    first = json.loads((lancashire_report.report_dir / "manifest.json").read_text())["inputs"][0]
    assert first["path"] in audit_page and fingerprint(first["sha256"]) in audit_page
    assert "pcc-report verify REPORTS_FOLDER/lancashire/2022-23-Q2/r1/public" in audit_page


def test_priority_pages_show_every_comparison_period(lancashire_report) -> None:
    # every comparison is in the priority's appendix (pcc_report.main_paper)
    rows = _table_rows(lancashire_report.report_dir / "html" / "comparisons-tackle-crime.html",
                       "tbl-priority-tackle-crime-comparisons")
    burglary = {r[1]: r for r in rows if r[0] == "Burglary"}
    quarter = burglary["Latest quarter against the same quarter last year"]
    assert quarter[2] == "July 2022 to September 2022"
    assert quarter[4] == "July 2021 to September 2021"
