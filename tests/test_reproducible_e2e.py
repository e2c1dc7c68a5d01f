"""Published reports are reproducible and immutable: same inputs, same bytes; reissues beside."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from conftest import build_demo

from pcc_report.cli import main

pytestmark = pytest.mark.e2e


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_two_builds_of_the_same_inputs_are_identical(demo_report, demo_data, tmp_path) -> None:
    first = demo_report["report"]
    second, _ = build_demo(demo_data, tmp_path / "again")
    a, b = _hashes(first), _hashes(second.report_dir)
    assert a.keys() == b.keys()
    differing = sorted(name for name in a if a[name] != b[name])
    # Only the manifest differs (its run section: run id, times, durations), as it declares.
    assert differing == ["manifest.json"]
    manifest = json.loads((first / "manifest.json").read_text())
    declared = " ".join(entry["item"] for entry in manifest["nondeterministic"])
    assert "manifest.json: run" in declared and "seconds" in declared


def test_a_second_build_without_reissue_is_refused_and_changes_nothing(demo_report, demo_data,
                                                                        capsys) -> None:
    report = demo_report["report"]
    before = _hashes(report)
    out = report.parent.parent.parent.parent
    code = main(["run", "--force", "demoshire", "--quarter", "2022-23-Q2", "--police-uk",
                 str(demo_data / "police-uk"), "--returns", str(demo_data / "returns"),
                 "--out", str(out)])
    assert code == 4
    err = capsys.readouterr().err
    assert "already published" in err and "--reissue" in err
    assert _hashes(report) == before
    assert sorted(p.name for p in report.parent.parent.iterdir()) == ["r1"]


def test_reissue_creates_r2_beside_r1_and_leaves_r1_untouched(demo_report, demo_data,
                                                              tmp_path) -> None:
    # Work on a copy of the published quarter so the session's r1 stays as other tests expect.
    import shutil

    out = tmp_path / "reports"
    shutil.copytree(demo_report["report"].parent.parent, out / "demoshire" / "2022-23-Q2")
    r1 = out / "demoshire" / "2022-23-Q2" / "r1"
    before = _hashes(r1)
    reason = "Corrected the meeting date <b>& checked</b>"
    result, _ = build_demo(demo_data, out, reissue=reason, meeting="12 December 2022")
    assert result.report_dir == out / "demoshire" / "2022-23-Q2" / "r2" / "public"
    assert _hashes(r1) == before
    manifest = json.loads((result.report_dir / "manifest.json").read_text())
    assert manifest["revision"] == {"revision": "r2", "replaces": "r1", "reason": reason}
    front = (result.report_dir / "html" / "front-sheet.html").read_text()
    assert "revised (r2)" in front
    assert "Revised version r2, replacing r1: Corrected the meeting date" in front
    assert "<b>& checked</b>" not in front  # the reason is data: escaped, never markup
    assert "&lt;b&gt;&amp; checked&lt;/b&gt;" in front
