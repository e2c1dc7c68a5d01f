"""Whole builds from police.uk-layout files of 2011-2014 (before and after the May 2013
change), from a folder and from the download zip, and every fault of the reports folder:
one line naming the cause, the documented exit code, no traceback, nothing half-published."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from historyfiles import FORCE, write_history, zip_folder

from pcc_report import build
from pcc_report.cli import main

pytestmark = pytest.mark.e2e

QUARTER = "2014-15-Q1"  # April to June 2014: its 24 months reach back to July 2012
FIRST, LAST = "2011-07", "2014-06"  # and its earliest comparisons to 2011


@pytest.fixture(scope="module")
def history(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("history")
    folder = root / "police-uk"
    write_history(folder, FIRST, LAST)
    # The same files as the folder (a README or .DS_Store in the zip only would rightly be
    # noted in the zip's report alone: tests/test_faults.py covers those).
    archive = zip_folder(folder, root / "download.zip")
    return folder, archive


def _run(police_uk: Path, out: Path, capsys, *extra: str) -> tuple[int, str]:
    code = main(["run", "--force", FORCE, "--quarter", QUARTER, "--police-uk", str(police_uk),
                 "--out", str(out), *extra])  # fmt: skip
    return code, capsys.readouterr().err


def _tables(report: Path) -> dict[str, pd.DataFrame]:
    # audit-inputs lists the inputs themselves: the zip, or the files of the folder.
    return {p.name: pd.read_csv(p) for p in sorted((report / "data" / "tables").glob("*.csv"))
            if p.name != "audit-inputs.csv"}  # fmt: skip


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def built(history, tmp_path_factory) -> dict[str, Path]:
    folder, archive = history
    out = tmp_path_factory.mktemp("out")
    reports = {}
    for name, source in (("folder", folder), ("zip", archive)):
        code = main(["run", "--force", FORCE, "--quarter", QUARTER, "--police-uk", str(source),
                     "--out", str(out / name)])  # fmt: skip
        assert code == 0
        reports[name] = out / name / FORCE / QUARTER / "r1" / "public"
    return reports


def test_a_quarter_reaching_back_before_may_2013_builds(built) -> None:
    report = built["folder"]
    tidy = pd.read_parquet(report / "data" / "street_monthly.parquet")
    assert {"Violent crime", "Public disorder and weapons"} <= set(tidy["crime_type"])
    assert tidy["month"].min() <= "2013-04" and (report / f"{FORCE}-{QUARTER}.pdf").is_file()
    part2 = pd.read_csv(report / "data" / "tables" / "part2-performance-raw.csv")
    assert len(part2)
    # Violence follows "Violent crime" back: every month of the 24 has the same count.
    by_month = tidy[tidy["crime_type"].isin(["Violent crime", "Violence and sexual offences"])]
    assert by_month.groupby("month")["count"].sum().nunique() == 1


def _street_rows(folder: Path, first: str, last: str) -> pd.DataFrame:
    """Every street row of the months ``first``..``last``, read straight from the files."""
    frames = [pd.read_csv(p) for p in sorted(folder.rglob("*-street.csv"))]
    rows = pd.concat(frames, ignore_index=True)
    return rows[rows["Month"].between(first, last)]


def test_priority_pages_follow_the_may_2013_change_like_for_like(built, history) -> None:
    # 2014-15-Q1: the previous 12 months (2012-07..2013-06) straddle May 2013.
    tables = built["folder"] / "data" / "tables"
    by_type = pd.read_csv(tables / "priority-protect-vulnerable-by-type.csv")
    assert "Violent crime" not in set(by_type["Crime type"])
    rows = _street_rows(history[0], "2012-07", "2013-06")
    violence = rows["Crime type"].isin(["Violent crime", "Violence and sexual offences"]).sum()
    shown = by_type.set_index("Crime type").iloc[:, 0]  # the previous 12 months' column
    assert shown["Violence and sexual offences"] == violence
    merged = ("Public order and Possession of weapons (together: Public disorder and weapons "
              "before May 2013)")
    weapons = rows["Crime type"].isin(
        ["Public disorder and weapons", "Public order", "Possession of weapons"]).sum()
    assert shown[merged] == weapons


def test_zip_and_folder_give_identical_tables(built) -> None:
    folder, archive = _tables(built["folder"]), _tables(built["zip"])
    assert list(folder) == list(archive) and folder
    # the front sheet's evidence digest covers the inputs as recorded: the zip, or the files
    digests = [t["front-sheet.csv"].set_index(t["front-sheet.csv"].columns[0]).loc[
        "Report digest"].iloc[0] for t in (folder, archive)]
    assert digests[0] != digests[1]
    for tables in (folder, archive):
        sheet = tables["front-sheet.csv"]
        tables["front-sheet.csv"] = sheet[sheet.iloc[:, 0] != "Report digest"]
    # each file of the folder is hashed; inside the zip the archive as a whole is (audit-inputs)
    assert folder["input-files.csv"]["sha256"].str.fullmatch("[0-9a-f]{64}").all()
    assert archive["input-files.csv"]["sha256"].isna().all()
    for tables in (folder, archive):
        tables["input-files.csv"] = tables["input-files.csv"].drop(columns="sha256")
    for name in folder:
        pd.testing.assert_frame_equal(folder[name].reset_index(drop=True),
                                      archive[name].reset_index(drop=True), obj=name)
    assert (built["folder"] / "data" / "street_monthly.parquet").read_bytes() == (
        built["zip"] / "data" / "street_monthly.parquet").read_bytes()
    page = (built["zip"] / "validation" / "validation.json").read_text()
    assert "Only street files are read from the police.uk download" in page
    assert "(36 outcomes, 36 stop-and-search)" in page


def test_out_that_is_a_file(history, tmp_path, capsys) -> None:
    out = tmp_path / "reports"
    out.write_text("x")
    code, err = _run(history[0], out, capsys)
    assert code == 7 and "Traceback" not in err
    assert f"--out {out} is a file, not a folder" in err and out.read_text() == "x"


def _mount_tmpfs(folder: Path, options: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs (read-only or full disk)")
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")


def test_out_on_a_read_only_file_system(history, tmp_path, capsys) -> None:
    out = tmp_path / "ro"
    _mount_tmpfs(out, "ro,size=1m")
    try:
        code, err = _run(history[0], out, capsys)
        assert code == 7 and "Traceback" not in err
        assert "read-only file system while checking that --out" in err
        assert list(out.iterdir()) == []
    finally:
        subprocess.run(["umount", str(out)], check=True)


def test_disk_full_during_the_build(history, tmp_path, capsys) -> None:
    out = tmp_path / "small"
    _mount_tmpfs(out, "size=2m")
    try:
        code, err = _run(history[0], out, capsys)
        assert code == 7 and "Traceback" not in err, err
        (line,) = [x for x in err.splitlines() if x.startswith("pcc-report: ")]
        assert line.startswith("pcc-report: no space left on device while ")
        assert line.endswith("nothing was published") or "nothing was published" in line
        assert not (out / FORCE).exists() and not (out / ".staging").exists()
    finally:
        subprocess.run(["umount", str(out)], check=True)


def _start(police_uk: Path, out: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "pcc_report.cli", "run", "--force", FORCE, "--quarter",
               QUARTER, "--police-uk", str(police_uk), "--out", str(out), *extra]  # fmt: skip
    return subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _kill_at(process: subprocess.Popen, marker: str) -> str:
    seen = []
    for line in process.stderr:
        seen.append(line)
        if marker in line:
            os.killpg(process.pid, signal.SIGKILL)  # the build and its kernels: a power cut
            break
    process.wait(timeout=60)
    process.stderr.close()
    return "".join(seen)


def test_a_killed_build_leaves_revisions_untouched_and_the_next_run_recovers(
    built, history, tmp_path
) -> None:
    out = built["folder"].parents[3]
    r1 = built["folder"].parent  # the revision, with its edition folders
    before = _digest(r1)
    stages = len(build.STAGES)
    for marker in (f"[3/{stages}]", f"[4/{stages}]", "section 1/", f"[6/{stages}]"):
        seen = _kill_at(_start(history[0], out, "--reissue", "killed test"), marker)
        assert marker in seen, seen
        assert _digest(r1) == before and not (r1.parent / "r2").exists()
    assert any((out / ".staging").iterdir())  # the dead build's staging folder is left
    done = subprocess.run(
        [sys.executable, "-m", "pcc_report.cli", "run", "--force", FORCE, "--quarter", QUARTER,
         "--police-uk", str(history[0]), "--out", str(out), "--reissue", "after a kill"],
        capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Removed the staging folder of an interrupted build" in done.stderr
    assert "Traceback" not in done.stderr
    assert (r1.parent / "r2" / "public" / "manifest.json").is_file() and _digest(r1) == before
    assert not (out / ".staging").exists()
