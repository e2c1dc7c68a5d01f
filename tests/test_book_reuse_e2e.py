"""Drafts' book reuse end to end: an incremental book is the book a fresh build makes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pcc_report import book, cache
from pcc_report.build import RunRequest
from pcc_report.drafts import draft_report
from pcc_report.manifest import MANIFEST_NAME

pytestmark = pytest.mark.e2e


def _html(report: Path) -> dict[str, bytes]:
    root = report / "html"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
            if p.is_file()}


def _book_lines(said: list[str]) -> list[str]:
    return [line.strip() for line in said if line.strip().startswith("book:")]


def _draft(demo_data: Path, out: Path, said: list[str], narrative: Path | None = None) -> Path:
    request = RunRequest(force="demoshire", quarter="2022-23-Q2",
                         police_uk=demo_data / "police-uk", returns=demo_data / "returns",
                         out=out, narrative=narrative)
    return draft_report(request, progress=said.append, html_only=True).report_dir


@pytest.fixture(scope="module")
def section_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One section cache for the module: the book is what changes here, never a section."""
    return tmp_path_factory.mktemp("section-cache")


def test_edited_page_rebuilds_incrementally_to_the_fresh_book(
    demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section_cache: Path
) -> None:
    pages = tmp_path / "book"
    shutil.copytree(book.BOOK_DIR, pages)
    monkeypatch.setattr(book, "BOOK_DIR", pages)
    monkeypatch.setenv(cache.CACHE_ENV, str(section_cache))
    said: list[str] = []
    _draft(demo_data, tmp_path / "out", said)
    before = _html(_draft(demo_data, tmp_path / "out", said))  # the link moves on: read now
    assert _book_lines(said)[-1] == "book: html reused"
    method = pages / "method.md"
    method.write_text(method.read_text() + "\n\nA sentence only the book reads.\n")
    edited = _draft(demo_data, tmp_path / "out", said)
    assert _book_lines(said)[-1] == "book: html built"
    notebooks = json.loads((edited / MANIFEST_NAME).read_text())["notebooks"]
    assert {nb["cache"]["outcome"] for nb in notebooks} == {"reused"}  # no notebook re-ran
    assert b"A sentence only the book reads." in (edited / "html" / "method.html").read_bytes()
    incremental = _html(edited)
    fresh = _html(_draft(demo_data, tmp_path / "fresh-out", said))  # no work folder: full build
    assert incremental == fresh
    assert before != fresh


def test_a_changed_outline_rewrites_every_kept_page_to_the_fresh_book(
    demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, section_cache: Path
) -> None:
    """The kept HTML output after a narrative edit that adds a heading, and after a page's
    title changed: every page's navigation names them, as a fresh build's does."""
    pages = tmp_path / "book"
    shutil.copytree(book.BOOK_DIR, pages)
    monkeypatch.setattr(book, "BOOK_DIR", pages)
    monkeypatch.setenv(cache.CACHE_ENV, str(section_cache))
    narrative = tmp_path / "narrative"
    shutil.copytree(demo_data / "narrative", narrative)
    said: list[str] = []
    _draft(demo_data, tmp_path / "out", said, narrative)
    part1 = narrative / "part1" / "tackle-crime.md"
    part1.write_text(part1.read_text() + "\n\n## A heading the analyst added\n\nIts text.\n")
    edited = _draft(demo_data, tmp_path / "out", said, narrative)
    assert _book_lines(said)[-1] == "book: html built"
    incremental = _html(edited)
    assert b"A heading the analyst added" in incremental["priority-tackle-crime.html"]
    assert incremental == _html(_draft(demo_data, tmp_path / "fresh-1", said, narrative))
    method = pages / "method.md"
    method.write_text(method.read_text().replace("# Method notes", "# Method notes, revised", 1))
    edited = _draft(demo_data, tmp_path / "out", said, narrative)
    incremental = _html(edited)
    assert b"Method notes, revised" in incremental["performance.html"]  # its navigation
    assert incremental == _html(_draft(demo_data, tmp_path / "fresh-2", said, narrative))
