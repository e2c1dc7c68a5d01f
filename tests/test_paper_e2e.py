"""The PDF is a panel paper: checked on the rendered pages of the demonstration report and of a
real Lancashire quarter (which skips, saying why, where ../shared/data is absent)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from paper import colour_share, page_count, read_pages, render_page

pytestmark = pytest.mark.e2e

STYLESHEET = Path(__file__).resolve().parents[1] / "book" / "_static" / "report.css"


@pytest.fixture(scope="module", params=["demonstration", "lancashire"])
def paper(request) -> dict:
    """(pdf, report folder) of each report, built once per session by conftest's fixtures."""
    if request.param == "demonstration":
        folder = request.getfixturevalue("demo_report")["report"]
        pdf = next(folder.glob("*.pdf"))
    else:
        result = request.getfixturevalue("lancashire_report")
        folder, pdf = result.report_dir, result.pdf
    return {"pdf": pdf, "folder": folder, "pages": read_pages(pdf)}


def _flat(text: str) -> str:
    """Words joined by single spaces, with line-end hyphenation undone."""
    return re.sub(r"(\w)- (\w)", r"\1\2", " ".join(text.split()))


def test_no_word_lies_outside_the_text_area(paper) -> None:
    outside = []
    for page in paper["pages"]:
        x0, y0, x1, y1 = page.area()
        outside += [(page.number, w.text, round(w.x0), round(w.y0), round(w.x1), round(w.y1))
                    for w in page.words
                    if w.x0 < x0 - 1 or w.y0 < y0 - 1 or w.x1 > x1 + 1 or w.y1 > y1 + 1]
    assert not outside, f"{len(outside)} word(s) outside the text area, e.g. {outside[:5]}"


def test_page_one_is_the_front_sheet(paper) -> None:
    with (paper["folder"] / "data" / "tables" / "front-sheet.csv").open(encoding="utf-8") as f:
        fields = [(row["Item"], row["Detail"]) for row in csv.DictReader(f)]
    assert len(fields) >= 6
    first = _flat(paper["pages"][0].text)
    for item, detail in fields:
        assert item in first, item
        assert _flat(detail) in first, detail
    assert "Contents" in paper["pages"][1].text  # then the contents


def test_every_page_says_page_x_of_y(paper) -> None:
    total = page_count(paper["pdf"])
    assert len(paper["pages"]) == total
    for page in paper["pages"]:
        assert f"Page {page.number} of {total}" in page.text, page.number


def test_no_page_is_blank(paper) -> None:
    blank = [p.number for p in paper["pages"] if len(p.body_words()) < 5]
    assert not blank, f"pages with nothing but header and footer: {blank}"


#: The main paper (front sheet to the last main part) is read at the meeting: the appendices
#: start by this page (pcc_report.main_paper says what the main paper leaves to them). The
#: demonstration quarter's main paper (front sheet and summary, exceptions, Part 2, three
#: priorities, Part 3) takes 22 pages; the detail (about 50 pages) is appended.
MAIN_PAPER_PAGES = 24


def test_the_main_paper_is_short_and_its_paragraphs_are_numbered(paper) -> None:
    pages = paper["pages"]
    # the first appendix heading after the contents page
    start = next(p.number for p in pages[2:] if "Appendix A:" in _flat(p.text))
    assert start <= MAIN_PAPER_PAGES, f"the appendices start on page {start}"
    assert start < len(pages) / 2  # the detail is appended, not in the body
    # numbered body paragraphs 1, 2, 3 ... in order through the main paper (the front pages
    # included: the summary's paragraphs lead), the contents page left out
    body = [p for p in pages[: start - 1] if "Contents" not in _flat(p.text)[:80]]
    numbers = [int(w.text[:-1]) for p in body for w in _paragraph_numbers(p)]
    assert numbers[:3] == [1, 2, 3] and numbers == sorted(numbers), numbers


def _paragraph_numbers(page) -> list:
    """Words "N." that open a line at the text's left edge in body type: paragraph numbers
    (a numbered heading is set larger; a numbered list item is indented)."""
    words = page.body_words()
    if not words:
        return []
    left = min(w.x0 for w in words)
    heights = sorted(round(w.y1 - w.y0, 1) for w in words)
    body_height = heights[len(heights) // 2]  # most words are body type
    return [w for w in words if re.fullmatch(r"\d{1,3}\.", w.text) and abs(w.x0 - left) < 1
            and w.y1 - w.y0 <= body_height + 0.5 and w is _line_start(page, w)]


def _line_start(page, word):
    """The first word of ``word``'s line on a portrait page (a paragraph number starts one)."""
    same_line = [w for w in page.words if abs(w.y0 - word.y0) < 2]
    return min(same_line, key=lambda w: w.x0)


def test_no_chapter_headings(paper) -> None:
    for page in paper["pages"]:
        assert not re.search(r"\bchapter\b", page.text, re.I), page.number


def _stylesheet_backgrounds() -> dict[str, tuple[int, int, int]]:
    css = STYLESHEET.read_text(encoding="utf-8")
    found = re.findall(r"td\.rag-(\w+)\s*\{\s*background:\s*#([0-9a-fA-F]{6})", css)
    return {rag: tuple(int(hexa[i : i + 2], 16) for i in (0, 2, 4)) for rag, hexa in found}


def test_part2_table_page_shows_shaded_rag_cells(paper, tmp_path) -> None:
    with (paper["folder"] / "data" / "tables" / "part2-performance.csv").open(
            encoding="utf-8") as f:
        ratings = " ".join(" ".join(row.values()) for row in csv.DictReader(f))
    given = {rag for rag in ("green", "amber", "red") if rag.capitalize() in ratings}
    assert given, "the Part 2 table gives no RAG rating"
    # the table runs from its caption's page to the page of the notes that follow it
    numbers = [p.number for p in paper["pages"] if "Part 2: performance against the plan" in p.text]
    assert numbers, "no page shows the Part 2 table"
    end = next(p.number for p in paper["pages"]
               if p.number >= numbers[0] and "Notes to the table" in p.text)
    pages = paper["pages"][numbers[0] - 1 : end]
    colours = _stylesheet_backgrounds()
    seen = set()
    for page in pages:
        png = render_page(paper["pdf"], page.number, tmp_path)
        seen |= {rag for rag in given if colour_share(png, colours[rag]) > 0.0005}
    assert seen == given


def test_html_pages_carry_no_thebe_and_no_remote_address(paper) -> None:
    for page in (paper["folder"] / "html").glob("*.html"):
        source = page.read_text(encoding="utf-8")
        assert "thebe" not in source.lower(), page.name
        assert "unpkg.com" not in source, page.name
