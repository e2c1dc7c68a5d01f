"""Drafts' book reuse: content keys, file-by-file sync, reuse only of verified outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pcc_report import book_reuse
from pcc_report.cache import CodeState

CODE = CodeState("0" * 64)


def _book(root: Path, front: str = "front v1") -> Path:
    (root / "figures").mkdir(parents=True)
    (root / "front-sheet.ipynb").write_text(front)
    (root / "dashboard.ipynb").write_text("dashboard")
    (root / "figures" / "trend.png").write_bytes(b"\x89PNG trend")
    (root / "_config.yml").write_text("title: T (draft)\n")
    return root


@pytest.fixture
def fake_jupyter_book(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Stands in for Jupyter Book: an output made from the source files, each call recorded."""
    calls: list[tuple[str, str]] = []

    def run(source: Path, builder: str, warm: object = None) -> None:
        text = "".join(p.read_text(errors="replace") for p in sorted(source.glob("*.ipynb")))
        calls.append((builder, text))
        if builder == "html":
            out = source / "_build" / "html"
            out.mkdir(parents=True, exist_ok=True)
            (out / "index.html").write_text(f"<p>{text}</p>")
        else:
            out = source / "_build" / "latex"
            out.mkdir(parents=True, exist_ok=True)
            (out / "report.pdf").write_text(f"%PDF {text}")

    monkeypatch.setattr(book_reuse.book, "run_jupyter_book", run)
    return calls


def test_key_follows_every_file_of_the_book_and_the_code(tmp_path: Path) -> None:
    first = book_reuse.book_key(_book(tmp_path / "a"), "html", CODE)
    assert book_reuse.book_key(_book(tmp_path / "b"), "html", CODE) == first  # path not in it
    assert book_reuse.book_key(_book(tmp_path / "c", "front v2"), "html", CODE) != first
    assert book_reuse.book_key(tmp_path / "a", "html", CodeState("1" * 64)) != first
    assert book_reuse.book_key(tmp_path / "a", "pdflatex", CODE) != first
    (tmp_path / "a" / "narrative.md").write_text("placed at the book stage")
    assert book_reuse.book_key(tmp_path / "a", "html", CODE) != first


def test_key_ignores_timestamps_and_the_build_folder(tmp_path: Path) -> None:
    book_dir = _book(tmp_path / "a")
    first = book_reuse.book_key(book_dir, "html", CODE)
    os.utime(book_dir / "dashboard.ipynb", (1, 1))
    (book_dir / "_build" / "html").mkdir(parents=True)
    (book_dir / "_build" / "html" / "index.html").write_text("old output")
    assert book_reuse.book_key(book_dir, "html", CODE) == first


def test_sync_writes_only_changed_files_and_removes_gone_ones(tmp_path: Path) -> None:
    source = tmp_path / "src"
    book_reuse.sync(_book(tmp_path / "a"), source)
    os.utime(source / "dashboard.ipynb", (1, 1))
    (source / "_build").mkdir()
    (source / "_build" / "env.pickle").write_text("kept")
    second = _book(tmp_path / "b", "front v2")
    (second / "dashboard.ipynb").write_text("dashboard")
    (second / "figures" / "trend.png").unlink()
    changed = book_reuse.sync(second, source)
    assert sorted(changed) == ["figures/trend.png", "front-sheet.ipynb"]
    assert (source / "front-sheet.ipynb").read_text() == "front v2"
    assert not (source / "figures" / "trend.png").exists()
    assert os.stat(source / "dashboard.ipynb").st_mtime == 1  # untouched: not re-read
    assert (source / "_build" / "env.pickle").read_text() == "kept"


def test_unchanged_book_is_reused_without_a_build(tmp_path: Path, fake_jupyter_book) -> None:
    work = tmp_path / "work"
    first = book_reuse.build(_book(tmp_path / "a"), _staging(tmp_path, 1), "r.pdf", work, CODE)
    assert first == {"html": "built", "pdflatex": "built"}
    again = book_reuse.build(_book(tmp_path / "b"), _staging(tmp_path, 2), "r.pdf", work, CODE)
    assert again == {"html": "reused", "pdflatex": "reused"}
    assert len(fake_jupyter_book) == 2
    for n in (1, 2):
        html = (tmp_path / f"s{n}" / "html" / "index.html").read_text()
        assert html == "<p>dashboardfront v1</p>"
        assert (tmp_path / f"s{n}" / "r.pdf").read_text() == "%PDF dashboardfront v1"


def test_a_changed_page_rebuilds_from_the_changed_source(tmp_path: Path, fake_jupyter_book
                                                         ) -> None:
    work = tmp_path / "work"
    book_reuse.build(_book(tmp_path / "a"), _staging(tmp_path, 1), None, work, CODE)
    outcome = book_reuse.build(_book(tmp_path / "b", "front v2"), _staging(tmp_path, 2), None,
                               work, CODE)
    assert outcome == {"html": "built"}
    assert (tmp_path / "s2" / "html" / "index.html").read_text() == "<p>dashboardfront v2</p>"
    assert not (tmp_path / "s2" / "r.pdf").exists()


def test_html_only_then_full_draft_builds_only_the_pdf(tmp_path: Path, fake_jupyter_book) -> None:
    work = tmp_path / "work"
    book_reuse.build(_book(tmp_path / "a"), _staging(tmp_path, 1), None, work, CODE)
    outcome = book_reuse.build(_book(tmp_path / "b"), _staging(tmp_path, 2), "r.pdf", work, CODE)
    assert outcome == {"html": "reused", "pdflatex": "built"}


def test_damaged_output_is_built_again(tmp_path: Path, fake_jupyter_book) -> None:
    work = tmp_path / "work"
    book_reuse.build(_book(tmp_path / "a"), _staging(tmp_path, 1), None, work, CODE)
    (work / "html" / "src" / "_build" / "html" / "index.html").write_text("tampered")
    outcome = book_reuse.build(_book(tmp_path / "b"), _staging(tmp_path, 2), None, work, CODE)
    assert outcome == {"html": "built"}
    assert (tmp_path / "s2" / "html" / "index.html").read_text() == "<p>dashboardfront v1</p>"


def test_failed_build_leaves_no_record_to_reuse(tmp_path: Path, fake_jupyter_book,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    book_reuse.build(_book(tmp_path / "a"), _staging(tmp_path, 1), None, work, CODE)
    record = json.loads((work / "html" / "record.json").read_text())
    assert record["key"] == book_reuse.book_key(tmp_path / "a", "html", CODE)

    def fail(source: Path, builder: str, warm: object = None) -> None:
        raise RuntimeError("sphinx failed")

    monkeypatch.setattr(book_reuse.book, "run_jupyter_book", fail)
    with pytest.raises(RuntimeError):
        book_reuse.build(_book(tmp_path / "b", "front v2"), _staging(tmp_path, 2), None, work,
                         CODE)
    assert not (work / "html" / "record.json").exists()


def _staging(root: Path, n: int) -> Path:
    folder = root / f"s{n}"
    folder.mkdir()
    return folder


def test_html_output_is_kept_for_sphinx_unless_a_source_was_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sphinx writes only outdated pages into the kept output; a removed source's page and
    figures must not stay, so then the output is written whole."""

    def sphinx(source: Path, builder: str, warm: object = None) -> None:  # a page per notebook
        out = source / "_build" / "html"
        out.mkdir(parents=True, exist_ok=True)
        for notebook in source.glob("*.ipynb"):
            page = out / f"{notebook.stem}.html"
            if not page.exists() or page.stat().st_mtime_ns < notebook.stat().st_mtime_ns:
                page.write_text(notebook.read_text())

    monkeypatch.setattr(book_reuse.book, "run_jupyter_book", sphinx)
    work = tmp_path / "work"
    book_reuse.build(_book(tmp_path / "a"), _staging(tmp_path, 1), None, work, CODE)
    book_reuse.build(_book(tmp_path / "b", "front v2"), _staging(tmp_path, 2), None, work, CODE)
    pages = sorted(p.name for p in (tmp_path / "s2" / "html").iterdir())
    assert pages == ["dashboard.html", "front-sheet.html"]  # the unchanged page was kept
    assert (tmp_path / "s2" / "html" / "front-sheet.html").read_text() == "front v2"
    removed = _book(tmp_path / "c", "front v3")
    (removed / "dashboard.ipynb").unlink()
    book_reuse.build(removed, _staging(tmp_path, 3), None, work, CODE)
    assert sorted(p.name for p in (tmp_path / "s3" / "html").iterdir()) == ["front-sheet.html"]


def test_html_output_of_a_failed_build_is_not_kept(tmp_path: Path, fake_jupyter_book,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    book_reuse.build(_book(tmp_path / "a"), _staging(tmp_path, 1), None, work, CODE)
    half = work / "html" / "src" / "_build" / "html" / "half-written.html"
    fake = book_reuse.book.run_jupyter_book

    def fail(source: Path, builder: str, warm: object = None) -> None:
        half.write_text("written before the build failed")
        raise RuntimeError("sphinx failed")

    monkeypatch.setattr(book_reuse.book, "run_jupyter_book", fail)
    with pytest.raises(RuntimeError):
        book_reuse.build(_book(tmp_path / "b", "front v2"), _staging(tmp_path, 2), None, work,
                         CODE)
    monkeypatch.setattr(book_reuse.book, "run_jupyter_book", fake)
    book_reuse.build(_book(tmp_path / "c", "front v2"), _staging(tmp_path, 3), None, work, CODE)
    assert not (tmp_path / "s3" / "html" / "half-written.html").exists()


def test_damaged_html_output_is_written_whole(tmp_path: Path, fake_jupyter_book) -> None:
    work = tmp_path / "work"
    book_reuse.build(_book(tmp_path / "a"), _staging(tmp_path, 1), None, work, CODE)
    (work / "html" / "src" / "_build" / "html" / "stray.html").write_text("not Sphinx's")
    book_reuse.build(_book(tmp_path / "b", "front v2"), _staging(tmp_path, 2), None, work, CODE)
    assert not (tmp_path / "s2" / "html" / "stray.html").exists()
