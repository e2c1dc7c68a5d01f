"""``diff``: inputs, figures, table cells, ratings and sentences between two reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pcc_report import cli, lineage
from pcc_report.diff import Side, compare, reissue_page


def _side(root: Path, *, rows: dict[str, int], burglary: int, rag: str, sentence: str) -> Path:
    report = root
    (report / "data" / "tables").mkdir(parents=True)
    (report / "notebooks").mkdir()
    (report / "manifest.json").write_text(json.dumps({"inputs": []}))
    (report / "data" / "inputs.json").write_text(json.dumps({"files": [
        {"file": f"{m}/{m}-x-street.csv", "month": m, "rows": n, "sha256": f"{n:064x}"}
        for m, n in rows.items()]}))
    record = {"id": "part2", "figures": [
        lineage.figure("Burglary", "Latest 12 months", burglary, list(rows),
                       crime_types=["Burglary"], window="latest_12"),
        lineage.figure("Robbery", "Latest 12 months", 50, list(rows), crime_types=["Robbery"])]}
    (report / "data" / "lineage.json").write_text(json.dumps({"part2": record}))
    (report / "data" / "tables" / "part2-raw.csv").write_text(
        f"measure_id,latest_12_value,latest_rag\nburglary,{burglary},{rag}\nrobbery,50,green\n")
    (report / "notebooks" / "front-sheet.ipynb").write_text(json.dumps({"cells": [
        {"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {
            "text/markdown": f"Crime fell. {sentence}"}}]}]}))
    return report


def test_a_changed_month_its_figures_cells_ratings_and_sentences_are_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    old = _side(tmp_path / "r1", rows={"2022-08": 10, "2022-09": 12}, burglary=40, rag="green",
                sentence="Burglary was 40.")
    new = _side(tmp_path / "r2", rows={"2022-08": 10, "2022-09": 9}, burglary=37, rag="amber",
                sentence="Burglary was 37.")
    found = compare(Side.of(old), Side.of(new))
    assert found.inputs == [{"file": "2022-09/2022-09-x-street.csv", "change": "changed",
                             "month": "2022-09", "old_rows": 12, "new_rows": 9}]
    assert [(f["row"], f["old"], f["new"]) for f in found.figures] == [("Burglary", 40, 37)]
    assert [(c["column"], c["old"], c["new"]) for c in found.cells] == [
        ("latest_12_value", "40", "37"), ("latest_rag", "green", "amber")]
    assert [(c["old"], c["new"]) for c in found.ratings] == [("green", "amber")]
    assert [(s["change"], s["text"]) for s in found.sentences] == [
        ("removed", "Burglary was 40."), ("added", "Burglary was 37.")]
    html = tmp_path / "diff.html"
    assert cli.main(["diff", str(old), str(new), "--html", str(html)]) == 0
    text = capsys.readouterr().out
    assert "2022-09/2022-09-x-street.csv: changed (month 2022-09), rows 12 -> 9" in text
    assert "part2: Burglary | Latest 12 months: 40 -> 37" in text
    assert "latest_rag: green -&gt; amber" in html.read_text()


def test_identical_reports_have_no_differences(tmp_path: Path) -> None:
    args = {"rows": {"2022-09": 12}, "burglary": 40, "rag": "green", "sentence": "Same."}
    found = compare(Side.of(_side(tmp_path / "a", **args)), Side.of(_side(tmp_path / "b", **args)))
    assert found.empty, found.format()


def test_added_and_removed_files_and_tables(tmp_path: Path) -> None:
    old = _side(tmp_path / "a", rows={"2022-08": 10}, burglary=1, rag="g", sentence="S.")
    new = _side(tmp_path / "b", rows={"2022-09": 10}, burglary=1, rag="g", sentence="S.")
    (new / "data" / "tables" / "extra.csv").write_text("a\n1\n")
    found = compare(Side.of(old), Side.of(new))
    assert [(i["file"][:7], i["change"]) for i in found.inputs] == [
        ("2022-08", "removed"), ("2022-09", "added")]
    assert {"table": "extra", "change": "added"} in found.tables


def test_the_reissue_page_states_the_reason_and_the_changes(tmp_path: Path) -> None:
    old = _side(tmp_path / "r1", rows={"2022-09": 12}, burglary=40, rag="green", sentence="A.")
    new = _side(tmp_path / "r2", rows={"2022-09": 9}, burglary=37, rag="green", sentence="A.")
    page = reissue_page(old, new / "data", new / "notebooks",
                        {"revision": "r2", "replaces": "r1", "reason": "late *update*"})
    assert page.startswith("# What changed since r1\n")
    assert r"This revision (r2) replaces r1: late \*update\*" in page
    shown = re.sub(r"\\(.)", r"\1", page)  # as the reader sees it: Markdown escapes removed
    assert "part2: Burglary | Latest 12 months: 40 -> 37" in shown
    missing = reissue_page(tmp_path / "nothing", new / "data", new / "notebooks",
                           {"revision": "r2", "replaces": "r1", "reason": "x"})
    assert "nothing to compare with" in missing
