"""Tests for placing the narrative in the book's pages (pcc_report.narrative_book)."""

from __future__ import annotations

import json

from pcc_report import narrative_book, narrative_files


def notebook(tmp_path, name, cells):
    book = tmp_path / "_book"
    book.mkdir(exist_ok=True)
    (book / f"{name}.ipynb").write_text(json.dumps({"cells": cells, "metadata": {},
                                                    "nbformat": 4, "nbformat_minor": 5}))
    return book


def test_the_box_names_the_missing_file():
    box = narrative_book.missing_box(narrative_files.Piece("part1/tackle-crime.md", True))
    assert narrative_files.MISSING_TITLE in box and "part1/tackle-crime.md" in box


def test_an_edited_page_keeps_the_executed_notebook_as_it_ran(tmp_path):
    book = notebook(tmp_path, "priority-x", [{"cell_type": "markdown", "source": "# T"}])
    original = (book / "priority-x.ipynb").read_bytes()
    narrative_book._edit(book, "priority-x",
                         lambda cells: cells.insert(1, narrative_book._cell("part1", "Hello")))
    kept = narrative_book.executed_notebook(book, "priority-x")
    assert kept.read_bytes() == original
    cells = json.loads((book / "priority-x.ipynb").read_text())["cells"]
    assert cells[1]["source"] == "Hello" and cells[1]["metadata"]["tags"] == ["narrative"]
    assert narrative_book.executed_notebook(book, "other") == book / "other.ipynb"


def test_the_summary_goes_after_the_front_sheet_fields():
    cells = [{"cell_type": "markdown", "source": "# T"},
             {"cell_type": "code", "outputs": []},
             {"cell_type": "code", "outputs": [{"data": {"text/latex": "\\begin{pccFrontSheet}"}}]},
             {"cell_type": "markdown", "source": "## Headlines"}]
    assert narrative_book._front_sheet_index(cells) == 3


def test_the_audit_trail_lists_each_file_with_its_hash(tmp_path):
    import hashlib

    (tmp_path / "part3.md").write_text("Words.\n")
    story = narrative_files.load(tmp_path, [], [])
    text = narrative_book.audit_text(story)
    digest = hashlib.sha256(b"Words.\n").hexdigest()
    assert f"part3.md: SHA-256 {digest}" in text
    assert "No narrative files" in narrative_book.audit_text(narrative_files.load(None, [], []))
