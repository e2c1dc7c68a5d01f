"""Published reports are immutable: revisions, the build lock and atomic publication.

Everything here works on real folders and real files; a second process holds the lock where
the point is that another build is running.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pcc_report import publish
from pcc_report.errors import NothingToReissue, ReportError, ReportExists, ReportLocked
from pcc_report.publish import lock, reserve

FORCE, QUARTER = "lancashire", "2022-23-Q2"


def _staging(out: Path, text: str) -> Path:
    """A finished report folder in the staging area, with a few real files."""
    folder = out / ".staging" / f"{FORCE}-{QUARTER}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "table.csv").write_text(f"measure,value\ncrime,{len(text)}\n")
    (folder / "report.pdf").write_bytes(b"%PDF-1.5\n" + text.encode() + b"\n%%EOF\n")
    (folder / "html").mkdir()
    (folder / "html" / "index.html").write_text(f"<p>{text}</p>\n")
    return folder


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_first_build_reserves_r1_and_publishes_it(tmp_path: Path) -> None:
    reservation = reserve(tmp_path, FORCE, QUARTER, reissue_reason=None)
    assert reservation.revision == "r1" and reservation.replaces is None
    assert reservation.target == tmp_path / FORCE / QUARTER / "r1"
    assert reservation.manifest_entry() == {"revision": "r1", "replaces": None, "reason": None}

    staging = _staging(tmp_path, "first issue")
    expected = _hashes(staging)
    assert publish.publish(staging, reservation.target) == reservation.target
    assert not staging.exists()
    assert _hashes(reservation.target) == expected


def test_existing_report_without_reissue_is_refused_with_how_to_reissue(tmp_path: Path) -> None:
    publish.publish(_staging(tmp_path, "first issue"), tmp_path / FORCE / QUARTER / "r1")
    with pytest.raises(ReportExists) as caught:
        reserve(tmp_path, FORCE, QUARTER, reissue_reason=None)
    message = str(caught.value)
    assert str(tmp_path / FORCE / QUARTER / "r1") in message
    assert '--reissue "<reason>"' in message and "r2" in message
    assert caught.value.exit_code == 4


def test_reissue_publishes_r2_beside_r1_and_leaves_r1_byte_identical(tmp_path: Path) -> None:
    r1 = publish.publish(_staging(tmp_path, "first issue"), tmp_path / FORCE / QUARTER / "r1")
    before = _hashes(r1)
    mtimes = {p: p.stat().st_mtime_ns for p in r1.rglob("*")}

    reservation = reserve(tmp_path, FORCE, QUARTER, reissue_reason="  corrected   district names ")
    assert reservation.revision == "r2" and reservation.replaces == "r1"
    assert reservation.reason == "corrected district names"
    assert reservation.manifest_entry() == {
        "revision": "r2",
        "replaces": "r1",
        "reason": "corrected district names",
    }
    publish.publish(_staging(tmp_path, "second issue"), reservation.target)

    assert _hashes(r1) == before
    assert {p: p.stat().st_mtime_ns for p in r1.rglob("*")} == mtimes
    assert (reservation.target / "html" / "index.html").read_text() == "<p>second issue</p>\n"
    assert publish.revisions(tmp_path, FORCE, QUARTER) == ["r1", "r2"]

    third = reserve(tmp_path, FORCE, QUARTER, reissue_reason="late force return")
    assert (third.revision, third.replaces) == ("r3", "r2")


def test_revisions_are_ordered_numerically_not_as_text(tmp_path: Path) -> None:
    for number in (1, 2, 9, 10):
        (tmp_path / FORCE / QUARTER / f"r{number}").mkdir(parents=True)
    (tmp_path / FORCE / QUARTER / "r01").mkdir()  # not a revision name: ignored
    assert publish.revisions(tmp_path, FORCE, QUARTER) == ["r1", "r2", "r9", "r10"]
    assert reserve(tmp_path, FORCE, QUARTER, reissue_reason="x").revision == "r11"


def test_reissue_with_nothing_published_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NothingToReissue, match="nothing to reissue") as caught:
        reserve(tmp_path, FORCE, QUARTER, reissue_reason="corrected figures")
    assert caught.value.exit_code == 2
    assert not (tmp_path / FORCE).exists()


def test_reissue_needs_a_real_reason(tmp_path: Path) -> None:
    publish.publish(_staging(tmp_path, "first issue"), tmp_path / FORCE / QUARTER / "r1")
    with pytest.raises(NothingToReissue, match="needs a reason"):
        reserve(tmp_path, FORCE, QUARTER, reissue_reason="   ")


def test_a_report_in_the_old_layout_is_never_built_over(tmp_path: Path) -> None:
    old = tmp_path / FORCE / QUARTER
    (old / "html").mkdir(parents=True)
    (old / "report.pdf").write_bytes(b"%PDF")
    for reason in (None, "corrected"):
        with pytest.raises(ReportExists, match="old layout"):
            reserve(tmp_path, FORCE, QUARTER, reissue_reason=reason)


def test_publish_never_replaces_an_existing_folder_even_an_empty_one(tmp_path: Path) -> None:
    target = tmp_path / FORCE / QUARTER / "r1"
    target.mkdir(parents=True)  # os.rename alone would silently replace this
    staging = _staging(tmp_path, "late build")
    with pytest.raises(ReportExists, match="already published"):
        publish.publish(staging, target)
    assert staging.is_dir() and list(target.iterdir()) == []

    (target / "index.html").write_text("published")
    with pytest.raises(ReportExists):
        publish.publish(staging, target)
    assert (target / "index.html").read_text() == "published"


def test_publish_refuses_a_missing_staging_folder(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="nothing to publish"):
        publish.publish(tmp_path / "nope", tmp_path / FORCE / QUARTER / "r1")
    assert not (tmp_path / FORCE / QUARTER / "r1").exists()


def test_a_second_lock_fails_at_once_naming_the_running_build(tmp_path: Path) -> None:
    with lock(tmp_path, FORCE, QUARTER) as path:
        assert path == tmp_path / ".locks" / f"{FORCE}-{QUARTER}.lock"
        start = time.perf_counter()
        with pytest.raises(ReportLocked) as caught:
            with lock(tmp_path, FORCE, QUARTER):
                pytest.fail("two builds held the same lock")
        assert time.perf_counter() - start < 1.0  # non-blocking
        message = str(caught.value)
        assert re.search(
            rf"another build of {FORCE} {QUARTER} is running \(pid {os.getpid()}, started at "
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00\)",
            message,
        ), message
        assert caught.value.exit_code == 5
        with lock(tmp_path, FORCE, "2022-23-Q3"):  # another quarter is independent
            pass
    with lock(tmp_path, FORCE, QUARTER):  # released on exit
        pass


def test_lock_is_released_when_the_build_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="section failed"):
        with lock(tmp_path, FORCE, QUARTER):
            raise RuntimeError("section failed")
    with lock(tmp_path, FORCE, QUARTER):
        pass


def test_a_lock_file_left_behind_does_not_block(tmp_path: Path) -> None:
    stale = publish.lock_path(tmp_path, FORCE, QUARTER)
    stale.parent.mkdir(parents=True)
    stale.write_text('{"pid": 999999, "started": "2022-10-01T09:00:00+00:00"}\n')
    with lock(tmp_path, FORCE, QUARTER) as held:
        assert held == stale
        assert json.loads(stale.read_text())["pid"] == os.getpid()  # ours now, not the stale one
    assert stale.read_text() == ""  # released: no holder recorded
    with lock(tmp_path, FORCE, QUARTER):  # and free for the next build
        pass


def test_lock_held_by_another_process(tmp_path: Path) -> None:
    """A real second build: a child process takes the lock; ours fails naming its pid."""
    ready = tmp_path / "ready"
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from pcc_report.publish import lock\n"
        f"with lock(Path({str(tmp_path)!r}), {FORCE!r}, {QUARTER!r}):\n"
        f"    Path({str(ready)!r}).write_text('x')\n"
        "    sys.stdin.read()\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert child.poll() is None, "the child process died"
            assert time.monotonic() < deadline, "the child never took the lock"
            time.sleep(0.05)
        with pytest.raises(ReportLocked, match=rf"\(pid {child.pid}, started at "):
            with lock(tmp_path, FORCE, QUARTER):
                pass
    finally:
        child.communicate(b"", timeout=30)
    assert child.returncode == 0
    with lock(tmp_path, FORCE, QUARTER):  # the child's exit released it
        pass


def test_lock_reserve_publish_together_give_each_build_its_own_revision(tmp_path: Path) -> None:
    for number, reason in enumerate((None, "first correction", "second correction"), start=1):
        with lock(tmp_path, FORCE, QUARTER):
            reservation = reserve(tmp_path, FORCE, QUARTER, reissue_reason=reason)
            publish.publish(_staging(tmp_path, f"issue {number}"), reservation.target)
        assert reservation.revision == f"r{number}"
    assert publish.revisions(tmp_path, FORCE, QUARTER) == ["r1", "r2", "r3"]
