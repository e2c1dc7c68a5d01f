"""The evidence digest: what it covers, and verify's checks of it and of the front sheet."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pcc_report import evidence

PARAMETERS = {"force": "testshire", "quarter": "2022-23-Q2", "priority_free": True}


def _report(root: Path) -> tuple[Path, dict]:
    (root / "data" / "tables").mkdir(parents=True)
    (root / "validation").mkdir()
    (root / "data" / "inputs.json").write_text('{"files": []}\n')
    (root / "data" / "returns").mkdir()
    (root / "data" / "returns" / "calls.csv").write_text("month,calls\n2022-09,5\n")
    (root / "validation" / "validation.json").write_text('{"ok": true}\n')
    entry = evidence.record(root, PARAMETERS, "abcd " * 8)
    (root / "data" / "tables" / "front-sheet.csv").write_text(
        f"Item,Detail\nReport digest,{entry['short']}\n")
    (root / "data" / "tables" / "part2.csv").write_text("a\n1\n")  # made by a section
    (root / "data" / "lineage.json").write_text("{}\n")  # written after the sections
    manifest = {"evidence": entry, "notebooks": [
        {"name": "front-sheet", "parameters": PARAMETERS},
        {"name": "priority-x", "parameters": {**PARAMETERS, "priority_id": "x"}}]}
    return root, manifest


def _expected_digest(root: Path) -> str:
    """The definition, computed here: sha256 over sorted keys of parameters and the files."""
    files = []
    for name in ("data/inputs.json", "data/returns/calls.csv", "validation/validation.json"):
        data = (root / name).read_bytes()
        files.append({"path": name, "sha256": hashlib.sha256(data).hexdigest(),
                      "size": len(data)})
    covers = {"files": sorted(files, key=lambda f: f["path"]), "parameters": PARAMETERS}
    text = json.dumps(covers, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_digest_covers_the_evidence_and_not_what_sections_make(tmp_path: Path) -> None:
    root, manifest = _report(tmp_path)
    expected = _expected_digest(root)
    assert manifest["evidence"]["digest"] == expected
    assert manifest["evidence"]["short"] == " ".join(expected[i:i + 4] for i in range(0, 16, 4))
    written = json.loads((root / "data" / "evidence.json").read_text())
    assert written["digest"] == expected and written["signing_key"] == "abcd " * 8
    (root / "data" / "tables" / "part2.csv").write_text("a\n2\n")
    assert evidence.check(root, manifest) == []


def test_an_edited_input_copy_changes_the_digest_and_is_caught(tmp_path: Path) -> None:
    root, manifest = _report(tmp_path)
    (root / "data" / "returns" / "calls.csv").write_text("month,calls\n2022-09,6\n")
    [problem] = evidence.check(root, manifest)
    assert problem.startswith("evidence: the digest of the evidence")


def test_a_front_sheet_without_the_digest_is_caught(tmp_path: Path) -> None:
    root, manifest = _report(tmp_path)
    (root / "data" / "tables" / "front-sheet.csv").write_text("Item,Detail\n")
    (root / "html").mkdir()
    (root / "html" / "front-sheet.html").write_text("<p>no digest</p>")
    problems = evidence.check(root, manifest)
    assert len(problems) == 2
    assert all("does not print the evidence digest" in p for p in problems)


def test_a_section_run_with_other_parameters_is_caught(tmp_path: Path) -> None:
    root, manifest = _report(tmp_path)
    manifest["notebooks"][1]["parameters"]["quarter"] = "2022-23-Q3"
    assert evidence.check(root, manifest) == [
        "evidence: section priority-x ran with parameters the evidence digest does not cover"]
