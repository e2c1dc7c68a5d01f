"""End to end: the analyst's narrative in the demonstration report (both editions).

One build of the demonstration data with the demonstration narrative, changed so that it
also shows a missing piece (the safer-communities file removed: a draft box), a restricted
measure in the summary and characters HTML and LaTeX must escape. Then: every piece is in
the HTML and the PDF text in its section, its numbers are the tables', the public edition
holds no restricted figure, the executed notebooks are untouched, ``verify`` catches a
tampered narrative, and editing the prose re-runs no section.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess

import pytest
from conftest import build_demo

from pcc_report.manifest import sha256_file
from pcc_report.verify import verify

pytestmark = pytest.mark.e2e

ESCAPES = "Escapes: R&D costs 50% of <5 items, #1 and a_b {braces}."
RESTRICTED = "Restorative justice referrals: {{ restorative-justice-referrals.latest_12 }}."


@pytest.fixture(scope="module")
def built(demo_data, tmp_path_factory):
    narrative = tmp_path_factory.mktemp("narrative") / "demoshire"
    shutil.copytree(demo_data / "narrative", narrative)
    (narrative / "part1" / "safer-communities.md").unlink()
    summary = narrative / "summary.md"
    summary.write_text(summary.read_text() + f"\n{ESCAPES}\n\n{RESTRICTED}\n")
    out = tmp_path_factory.mktemp("narrative-reports")
    result, _ = build_demo(demo_data, out, narrative=narrative, edition="both")
    return {"result": result, "narrative": narrative, "out": out, "demo_data": demo_data}


def page_text(report, page: str) -> str:
    raw = (report / "html" / f"{page}.html").read_text(encoding="utf-8")
    main = raw[raw.find("<article"):]  # the page itself, not the navigation and contents
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)))


def pdf_pages(report) -> list[str]:
    pdf = next(report.glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [re.sub(r"\s+", " ", page) for page in text.split("\f")]


def page_of(pages: list[str], needle: str, start: int = 2) -> int:
    return next(i for i, page in enumerate(pages) if i >= start and needle in page)


def test_every_piece_is_in_its_html_page(built):
    public = built["result"].editions["public"]
    front = page_text(public, "front-sheet")
    assert "Executive summary" in front and "Demonstration text: fictional" in front
    assert front.index("First issue (r1)") < front.index("Demonstration text: fictional")
    tackle = page_text(public, "priority-tackle-crime")
    assert "Burglary remains the Commissioner's first concern" in tackle
    assert tackle.index("Burglary remains") < tackle.index("Crime types in this priority")
    assert "Narrative not yet written" in page_text(public, "priority-safer-communities")
    assert "Narrative not yet written" not in tackle
    assert "{{" not in tackle and "}}" not in front


def test_text_is_escaped_in_html_and_pdf(built):
    public = built["result"].editions["public"]
    assert ESCAPES in page_text(public, "front-sheet")
    assert ESCAPES in " ".join(pdf_pages(public)[:2])
    raw = (public / "html" / "front-sheet.html").read_text(encoding="utf-8")
    assert "&lt;5 items" in raw


def test_the_numbers_are_the_tables(built):
    public = built["result"].editions["public"]
    found = re.search(r"There were ([\d,]+) burglaries in the latest 12 months, (.+?) on the "
                      r"previous 12 months, rated (.+?)\. The monthly",
                      page_text(public, "priority-tackle-crime"))
    rows = list(csv.DictReader((public / "data" / "tables" /
                                "priority-tackle-crime-measures.csv").open(encoding="utf-8")))
    burglary = next(r for r in rows if r["Measure"] == "Burglary")
    latest = next(v for k, v in burglary.items() if k.startswith("Latest 12 months"))
    assert found.group(1) == latest
    assert found.group(3) == burglary["Rating (against previous 12 months)"]
    comparisons = list(csv.DictReader((public / "data" / "tables" /
                                       "priority-tackle-crime-comparisons.csv").open()))
    main = next(r for r in comparisons if r["Measure"] == "Burglary"
                and r["Comparison"] == "Latest 12 months against the previous 12")
    change = re.fullmatch(r"(up|down) (\d+\.\d)% \(([\d,]+)\)", found.group(2))
    sign = "+" if change.group(1) == "up" else "-"
    assert f"{sign}{change.group(2)}%" == main["Change"].removeprefix("'")  # CSV-safe mark


def test_every_piece_is_in_its_pdf_section(built):
    pages = pdf_pages(built["result"].editions["public"])
    assert "Agenda item 7" in pages[0] and "Meeting to be held on 12 December 2022" in pages[0]
    assert "Executive summary" in pages[0]  # the summary is on the front page ...
    assert "Contents" not in pages[0] and "Contents" in pages[1]  # ... the contents after it
    tackle = page_of(pages, "Priority: Tackle crime and re-offending")
    protect = page_of(pages, "Priority: Protect vulnerable people")
    safer = page_of(pages, "Priority: Safer communities")
    assert tackle <= page_of(pages, "Burglary remains the Commissioner") < protect
    assert protect <= page_of(pages, "Violence and sexual offences were") < safer
    assert page_of(pages, "Narrative not yet written", safer) < page_of(pages, "Districts", safer)


def test_the_public_edition_holds_no_restricted_figure(built):
    editions = built["result"].editions
    public = page_text(editions["public"], "front-sheet")
    restricted = page_text(editions["restricted"], "front-sheet")
    assert "Restorative justice referrals: withheld from the public edition." in public
    figure = re.search(r"Restorative justice referrals: ([\d,]+)\.", restricted).group(1)
    assert f"referrals: {figure}" not in " ".join(pdf_pages(editions["public"]))


def test_published_notebooks_are_as_the_sections_wrote_them(built):
    report = built["result"].editions["public"]
    for path in (report / "notebooks").glob("*.ipynb"):
        cells = json.loads(path.read_text())["cells"]
        assert not any("narrative" in c.get("metadata", {}).get("tags", []) for c in cells)
    assert not (report / ".executed").exists()


def test_the_manifest_and_audit_trail_hold_every_narrative_file(built):
    report, narrative = built["result"].editions["public"], built["narrative"]
    manifest = json.loads((report / "manifest.json").read_text())
    recorded = {e["path"]: e["sha256"] for e in manifest["inputs"]
                if e["data_root"] == str(narrative)}
    on_disk = {p.relative_to(narrative).as_posix(): sha256_file(p)
               for p in narrative.rglob("*") if p.is_file()}
    assert recorded == on_disk
    for name, digest in on_disk.items():
        assert sha256_file(report / "data" / "narrative" / name) == digest
        assert f"{name}: SHA-256 {digest}" in page_text(report, "audit-trail")


def test_verify_catches_a_tampered_narrative(built, tmp_path):
    report = tmp_path / "public"
    shutil.copytree(built["result"].editions["public"], report)
    ok = verify(report, reexecute=False, progress=lambda m: None)
    assert ok.ok, ok.problems
    copy = report / "data" / "narrative" / "part3.md"
    copy.write_text(copy.read_text().replace("market towns", "cities"))
    assert any("altered: data/narrative/part3.md" in p
               for p in verify(report, reexecute=False, progress=lambda m: None).problems)
    source = built["narrative"] / "summary.md"
    kept = source.read_bytes()
    try:
        source.write_bytes(kept + b"\nAdded after the build.\n")
        result = verify(built["result"].editions["public"], reexecute=False,
                        progress=lambda m: None)
        assert any("input altered" in p and "summary.md" in p for p in result.problems)
    finally:
        source.write_bytes(kept)


def test_editing_the_prose_rebuilds_the_book_only(built):
    from pcc_report.build import RunRequest
    from pcc_report.drafts import draft_report

    narrative, demo_data = built["narrative"], built["demo_data"]
    request = RunRequest(
        force="demoshire", quarter="2022-23-Q2", police_uk=demo_data / "police-uk",
        returns=demo_data / "returns", out=built["out"], narrative=narrative,
        reissue="draft of a second revision")
    draft_report(request, progress=lambda m: None, html_only=True)  # r2's sections cached
    part1 = narrative / "part1" / "tackle-crime.md"
    kept = part1.read_text()
    try:
        part1.write_text(kept + "\nA sentence added in the edit loop.\n")
        result = draft_report(request, progress=lambda m: None, html_only=True)
        manifest = json.loads((result.report_dir / "manifest.json").read_text())
        outcomes = {n["name"]: n["cache"]["outcome"] for n in manifest["notebooks"]}
        assert set(outcomes.values()) == {"reused"}, outcomes
        assert "A sentence added in the edit loop." in page_text(result.report_dir,
                                                                 "priority-tackle-crime")
    finally:
        part1.write_text(kept)


def test_part3_is_at_the_top_of_the_part3_page(built):
    text = page_text(built["result"].editions["public"], "part3")
    assert "Commissioner's activity" in text and "market towns" in text
    # above the page's generated tables (the funding table and the scrutiny plan)
    assert text.index("market towns") < text.index("Funding")
    pages = pdf_pages(built["result"].editions["public"])
    assert page_of(pages, "market towns") >= page_of(pages, "Part 3")
