"""The section cache: keys over content only, self-checking entries, atomic stores, reuse."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from pcc_report import cache, sections
from pcc_report.cache import CodeState, SectionCache, run_section, section_key, visible_inputs
from pcc_report.config import load_force_config

CODE = CodeState("0" * 64)


def _planned() -> dict:
    force = load_force_config("demoshire")
    return {s.name: s for s in sections.plan(force, dict(sections.RUN_PARAMETERS))}


def _report(root: Path) -> Path:
    """A report folder with every input a section can read (contents made up)."""
    data = root / "data"
    (data / "returns").mkdir(parents=True)
    (data / "street_monthly.parquet").write_bytes(b"tidy table v1")
    (data / "inputs.json").write_text(json.dumps({"files": [], "returns": ["calls.csv"]}))
    (data / "returns" / "calls.csv").write_text("month,calls\n2022-09,10\n")
    (data / "provenance.json").write_text(json.dumps(
        {"revision": {"revision": "r1", "replaces": None, "reason": None},
         "inputs": [{"path": "calls.csv", "sha256": "a" * 64}]}))
    (root / "validation").mkdir()
    (root / "validation" / "validation.json").write_text(json.dumps({"ok": True}))
    (root / "_book").mkdir()
    return root


def _key(section, report: Path, code: CodeState = CODE) -> str:
    return section_key(section, visible_inputs(section, report), code)


def test_key_is_stable_and_ignores_file_times(tmp_path: Path) -> None:
    report = _report(tmp_path)
    section = _planned()["recorded-crime"]
    first = _key(section, report)
    tidy = report / "data" / "street_monthly.parquet"
    tidy.write_bytes(tidy.read_bytes())  # same bytes, new modification time
    assert _key(section, report) == first


def test_key_follows_exactly_what_a_section_reads(tmp_path: Path) -> None:
    report = _report(tmp_path)
    planned = _planned()
    before = {name: _key(s, report) for name, s in planned.items()}
    (report / "data" / "returns" / "calls.csv").write_text("month,calls\n2022-09,11\n")
    after = {name: _key(s, report) for name, s in planned.items()}
    changed = {name for name in planned if before[name] != after[name]}
    priorities = ("tackle-crime", "protect-vulnerable", "safer-communities")
    readers = {"exceptions", "performance", "dashboard", *(f"{page}-{p}" for p in priorities
                                             for page in ("priority", "comparisons"))}
    assert changed == readers
    # Part 3 reads only its own two returns, which the measures' readers read too (returns/*)
    (report / "data" / "returns" / "funding.csv").write_text("financial_year\n2022-23\n")
    funded = {name: _key(s, report) for name, s in planned.items()}
    assert {name for name in planned if funded[name] != after[name]} == readers | {"part3"}

    (report / "data" / "street_monthly.parquet").write_bytes(b"tidy table v2")
    again = {name: _key(s, report) for name, s in planned.items()}
    assert all(again[name] != after[name] for name in planned)  # every section reads it


def test_front_sheet_reads_only_the_revision_of_the_provenance(tmp_path: Path) -> None:
    report = _report(tmp_path)
    planned = _planned()
    provenance = report / "data" / "provenance.json"
    front, audit = _key(planned["front-sheet"], report), _key(planned["audit-trail"], report)
    record = json.loads(provenance.read_text())
    record["inputs"][0]["sha256"] = "b" * 64
    provenance.write_text(json.dumps(record))
    assert _key(planned["front-sheet"], report) == front
    assert _key(planned["audit-trail"], report) != audit
    record["revision"] = {"revision": "r2", "replaces": "r1", "reason": "corrected"}
    provenance.write_text(json.dumps(record))
    assert _key(planned["front-sheet"], report) != front


def test_key_changes_with_parameters_code_and_template(tmp_path: Path) -> None:
    report = _report(tmp_path)
    section = _planned()["districts"]
    base = _key(section, report)
    other = type(section)(section.name, section.template, section.title,
                          {**section.parameters, "meeting": "1 May 2023"}, section.part)
    assert _key(other, report) != base
    assert _key(section, report, CodeState("1" * 64)) != base
    templates = tmp_path / "templates"
    templates.mkdir()
    source = (cache.NOTEBOOKS_DIR / section.template).read_text()
    (templates / section.template).write_text(
        source.replace("crime.district_comparison", "crime.district_comparison "))
    inputs = visible_inputs(section, report)
    assert section_key(section, inputs, CODE, notebooks_dir=templates) != base


def test_code_state_covers_every_package_file(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    (tmp_path / "config").mkdir()
    first = CodeState.current(tmp_path, package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"bytecode")
    assert CodeState.current(tmp_path, package) == first
    (package / "a.py").write_text("x = 2\n")
    assert CodeState.current(tmp_path, package) != first
    (package / "a.py").write_text("x = 1\n")
    (tmp_path / "config" / "forces.yml").write_text("a: 1\n")
    assert CodeState.current(tmp_path, package) != first


FILES = {"notebook": b'{"cells": []}\n', "tables/t.csv": b"a\n1\n", "figures/f.png": b"png"}


def test_store_then_load_returns_the_same_bytes(tmp_path: Path) -> None:
    store = SectionCache(tmp_path / "c")
    assert store.load("ab" * 32) is None
    store.store("ab" * 32, FILES)
    assert store.load("ab" * 32) == FILES
    assert not list((tmp_path / "c" / ".tmp").iterdir())


@pytest.mark.parametrize("damage", ["edit", "delete", "truncate-record", "wrong-key"])
def test_a_damaged_entry_is_never_used_and_is_removed(tmp_path: Path, damage: str) -> None:
    store, key = SectionCache(tmp_path / "c"), "cd" * 32
    store.store(key, FILES)
    entry = store.entry_dir(key)
    if damage == "edit":
        (entry / "tables" / "t.csv").write_bytes(b"a\n2\n")
    elif damage == "delete":
        (entry / "figures" / "f.png").unlink()
    elif damage == "truncate-record":
        record = (entry / cache.ENTRY_FILE).read_text()
        (entry / cache.ENTRY_FILE).write_text(record[: len(record) // 2])
    else:
        record = json.loads((entry / cache.ENTRY_FILE).read_text())
        record["key"] = "ef" * 32
        (entry / cache.ENTRY_FILE).write_text(json.dumps(record))
    assert store.load(key) is None
    assert not entry.exists()


def test_concurrent_stores_of_one_key_leave_one_whole_entry(tmp_path: Path) -> None:
    store, key = SectionCache(tmp_path / "c"), "12" * 32
    threads = [threading.Thread(target=store.store, args=(key, FILES)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.load(key) == FILES
    assert not list((tmp_path / "c" / ".tmp").iterdir())


def test_cache_folder_is_under_the_reports_or_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(cache.CACHE_ENV, raising=False)
    assert cache.cache_dir(tmp_path) == tmp_path / ".cache" / "sections"
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "shared"))
    assert cache.cache_dir(tmp_path) == tmp_path / "shared"


class FakeExecution:
    """Stands in for papermill: writes what a section would, from what it can see."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, section, book_dir: Path, templates_dir: Path) -> float:
        self.calls.append(section.name)
        seen = sorted(p.relative_to(book_dir.parent).as_posix()
                      for p in book_dir.parent.rglob("*") if p.is_file())
        (book_dir / f"{section.name}.ipynb").write_text(json.dumps({"saw": seen}))
        tables = book_dir.parent / "data" / "tables"
        tables.mkdir(parents=True, exist_ok=True)
        (tables / f"{section.name}.csv").write_text("n\n1\n")
        (book_dir / "figures").mkdir(exist_ok=True)
        (book_dir / "figures" / f"{section.name}.png").write_bytes(b"png")
        return 0.0


def test_run_section_executes_once_then_reuses(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeExecution()
    monkeypatch.setattr(cache, "execute_section", fake)
    report, store = _report(tmp_path / "report"), SectionCache(tmp_path / "c")
    section = _planned()["recorded-crime"]
    first = run_section(section, report / "_book", tmp_path / "t", store, CODE)
    notebook = (report / "_book" / "recorded-crime.ipynb").read_bytes()
    # Executed with only what the registry says it reads: no returns, provenance, validation.
    assert json.loads(notebook)["saw"] == ["data/inputs.json", "data/street_monthly.parquet"]
    for path in (report / "_book" / "recorded-crime.ipynb", report / "data" / "tables" /
                 "recorded-crime.csv", report / "_book" / "figures" / "recorded-crime.png"):
        path.unlink()
    second = run_section(section, report / "_book", tmp_path / "t", store, CODE)
    assert (first.outcome, second.outcome) == ("executed", "reused")
    assert first.key == second.key and fake.calls == ["recorded-crime"]
    assert (report / "_book" / "recorded-crime.ipynb").read_bytes() == notebook
    assert (report / "data" / "tables" / "recorded-crime.csv").read_text() == "n\n1\n"
    assert (report / "_book" / "figures" / "recorded-crime.png").read_bytes() == b"png"


def test_a_corrupt_entry_is_executed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeExecution()
    monkeypatch.setattr(cache, "execute_section", fake)
    report, store = _report(tmp_path / "report"), SectionCache(tmp_path / "c")
    section = _planned()["outcomes"]
    first = run_section(section, report / "_book", tmp_path / "t", store, CODE)
    (store.entry_dir(first.key) / "notebook").write_text("partial")
    again = run_section(section, report / "_book", tmp_path / "t", store, CODE)
    assert again.outcome == "executed" and fake.calls == ["outcomes", "outcomes"]
    assert store.load(first.key)["notebook"] != b"partial"


def test_without_a_cache_the_section_runs_in_place(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeExecution()
    monkeypatch.setattr(cache, "execute_section", fake)
    report = _report(tmp_path / "report")
    run = run_section(_planned()["outcomes"], report / "_book", tmp_path / "t", None, None)
    assert (run.outcome, run.key) == ("executed", None)
    assert "data/returns/calls.csv" in json.loads(
        (report / "_book" / "outcomes.ipynb").read_text())["saw"]


def _code(template: str) -> str:
    nb = json.loads((cache.NOTEBOOKS_DIR / template).read_text())
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


@pytest.mark.parametrize("spec", sections.REGISTRY, ids=lambda s: s.name)
def test_a_template_declares_what_its_code_visibly_reads(spec) -> None:
    """What a template's own cells reach for must be in its registry entry's ``reads``."""
    code, reads = _code(spec.template), set(spec.reads)
    assert reads <= set(sections.INPUTS)
    assert {"tidy", "inputs"} <= reads  # SectionContext.load reads both
    if "ctx.assessments" in code:
        assert "returns" in reads
    if "ctx.validation()" in code:
        assert "validation" in reads
    if "ctx.provenance" in code:
        assert "provenance" in reads
