"""Reusing validation: keys over content only, faithful stored results, damaged entries."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from pcc_report import checked_inputs, ingest
from pcc_report.cache import CodeState
from pcc_report.config import load_force_config
from pcc_report.validation import Problem, ValidationReport, validate_returns

CODE = CodeState("0" * 64)
SETTINGS = {"force": "demoshire", "period_end": "2022-09", "allow_missing": False,
            "edition": "public"}


def _inputs(root: Path) -> tuple[list[ingest.StreetFile], Path, Path]:
    street = root / "police-uk" / "2022-09"
    street.mkdir(parents=True)
    (street / "2022-09-demoshire-street.csv").write_text("Crime ID,Month\n1,2022-09\n")
    returns = root / "returns"
    returns.mkdir()
    (returns / "calls.csv").write_text("month,offered\n2022-09,10\n")
    suites = root / "expectations"
    suites.mkdir()
    (suites / "police_uk_street.json").write_text("{}")
    return ingest.discover_street_files(root / "police-uk", "demoshire"), returns, suites


def _key(root: Path, files, returns: Path, suites: Path, settings=SETTINGS, code=CODE) -> str:
    hashes = checked_inputs.police_uk_hashes(files, root / "police-uk")
    return checked_inputs.input_key(hashes, [f.relative for f in files], [], returns, settings,
                                    code, suites)


def test_key_is_content_only(tmp_path: Path) -> None:
    files, returns, suites = _inputs(tmp_path / "a")
    first = _key(tmp_path / "a", files, returns, suites)
    other = _inputs(tmp_path / "b")
    assert _key(tmp_path / "b", *other) == first  # another folder, same content
    for path in (files[0].path, returns / "calls.csv", suites / "police_uk_street.json"):
        os.utime(path, (1, 1))
    assert _key(tmp_path / "a", files, returns, suites) == first


def test_key_changes_with_every_input_the_validation_reads(tmp_path: Path) -> None:
    files, returns, suites = _inputs(tmp_path)
    first = _key(tmp_path, files, returns, suites)
    assert _key(tmp_path, files, returns, suites, code=CodeState("1" * 64)) != first
    assert _key(tmp_path, files, returns, suites, {**SETTINGS, "allow_missing": True}) != first
    seen = {first}
    for path, text in ((files[0].path, "Crime ID,Month\n2,2022-09\n"),
                       (returns / "calls.csv", "month,offered\n2022-09,11\n"),
                       (suites / "police_uk_street.json", '{"changed": 1}'),
                       (returns / "workforce.csv", "month,officers\n")):
        path.write_text(text)
        key = _key(tmp_path, files, returns, suites)
        assert key not in seen
        seen.add(key)


def test_hashes_are_those_the_manifest_records(tmp_path: Path) -> None:
    import hashlib

    files, _, _ = _inputs(tmp_path)
    data = files[0].path.read_bytes()
    assert checked_inputs.police_uk_hashes(files, tmp_path / "police-uk") == {
        files[0].relative: (len(data), hashlib.sha256(data).hexdigest())}


def _lookup(root: Path, out: Path, files, returns: Path, suites: Path):
    return checked_inputs.lookup(files, root / "police-uk", returns, SETTINGS, out, suites)


def test_stored_results_write_the_same_validation_files(tmp_path: Path,
                                                        demo_returns: Path) -> None:
    files, returns, suites = _inputs(tmp_path)
    shutil.copytree(demo_returns, returns, dirs_exist_ok=True)
    # the shared demonstration returns fund Lancashire's districts (tests/conftest.py)
    report = validate_returns(returns, districts=load_force_config("lancashire").districts)
    assert report.ok
    report.problems.append(Problem("returns_calls", "Months in order", "warning", "month",
                                   "out of order", [{"file": "calls.csv", "line": 3,
                                                     "value": "2022-09"}], 1))
    public = ValidationReport(report.suites[:1], report.problems, [], report.rows_checked)
    out = tmp_path / "reports"
    first = _lookup(tmp_path, out, files, returns, suites)
    assert first.found is None
    checked_inputs.store(out, first.key, checked_inputs.Checked(
        report, public, b"PAR1 tidy", {files[0].relative: 1}, "Demoshire Police"))
    again = _lookup(tmp_path, out, files, returns, suites)
    assert again.key == first.key and again.found is not None
    assert again.found.tidy == b"PAR1 tidy"
    assert again.found.row_counts == {files[0].relative: 1}
    assert again.found.falls_within == "Demoshire Police"
    for original, stored, name in ((report, again.found.report, "all"),
                                   (public, again.found.public_report, "public")):
        original.write(tmp_path / f"{name}-fresh")
        stored.write(tmp_path / f"{name}-stored")
        for page in ("validation.json", "validation.html"):
            assert (tmp_path / f"{name}-fresh" / page).read_bytes() == \
                (tmp_path / f"{name}-stored" / page).read_bytes()


def test_failed_validation_is_not_stored(tmp_path: Path) -> None:
    files, returns, suites = _inputs(tmp_path)
    out = tmp_path / "reports"
    failed = ValidationReport([], [Problem("s", "r", "error", None, "bad")], [], 1)
    key = _lookup(tmp_path, out, files, returns, suites).key
    checked_inputs.store(out, key, checked_inputs.Checked(failed, failed, b"", {}, None))
    assert _lookup(tmp_path, out, files, returns, suites).found is None


def test_damaged_entry_is_not_used(tmp_path: Path) -> None:
    files, returns, suites = _inputs(tmp_path)
    out = tmp_path / "reports"
    ok = ValidationReport([], [], [], 1)
    key = _lookup(tmp_path, out, files, returns, suites).key
    checked_inputs.store(out, key, checked_inputs.Checked(ok, ok, b"tidy", {}, None))
    entry = checked_inputs.cache_root(out) / key[:2] / key
    (entry / checked_inputs.TIDY).write_bytes(b"truncated")
    assert _lookup(tmp_path, out, files, returns, suites).found is None
    assert not entry.exists()


def test_without_the_cache_nothing_is_looked_up(tmp_path: Path) -> None:
    files, returns, suites = _inputs(tmp_path)
    found = checked_inputs.lookup(files, tmp_path / "police-uk", returns, SETTINGS,
                                  tmp_path / "reports", suites, use_cache=False)
    assert found.found is None and found.key == ""
    assert set(found.hashes) == {files[0].relative}
