"""The build as named stages: numbered from the stage list, all-or-nothing when one fails.

The runs here are real up to the stage that fails: small police.uk-format files
(tests/streetfiles.py) are read, validated by the reviewed suites and written to a staging
folder, and then a stage raises, as a section or the book build would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streetfiles import row, write_street_file

from pcc_report import build, publish
from pcc_report.build import STAGES, RunRequest, RunState, Stage, run_report
from pcc_report.context import INPUTS_FILE, PROVENANCE_FILE, TIDY_FILE
from pcc_report.errors import ReportError
from pcc_report.evidence import EVIDENCE_FILE

QUARTER = "2022-23-Q2"
MONTHS = [f"{2020 + (9 + i) // 12:04d}-{(9 + i) % 12 + 1:02d}" for i in range(24)]  # 2020-10..


@pytest.fixture(scope="module")
def police_uk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 months of small but valid street files of a force with no config file."""
    root = tmp_path_factory.mktemp("police-uk")
    for month in MONTHS:
        rows = [row(month, "Burglary", "Preston 001A"), row(month, "Robbery", "Chorley 002B"),
                row(month, "Anti-social behaviour", "Preston 001A")] * 3
        write_street_file(root / month / f"{month}-testshire-street.csv", rows)
    return root


def _failing_after(count: int, seen: dict) -> tuple[Stage, ...]:
    """The real stages up to ``count``, then one that records the run state and fails."""

    def fail(state: RunState) -> None:
        seen["staging"] = state.staging
        seen["editions"] = sorted(p.name for p in state.staging.iterdir())
        seen["data"] = sorted(p.name for p in (state.staging / "public" / "data").iterdir())
        raise ReportError("the book build failed (on purpose)")

    return STAGES[:count] + (Stage(lambda s: "Failing on purpose", fail),) + STAGES[count:]


def test_stages_are_numbered_from_the_list_and_a_failure_leaves_nothing_behind(
    police_uk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict = {}
    stages = _failing_after(4, seen)
    monkeypatch.setattr(build, "STAGES", stages)
    messages: list[str] = []
    out = tmp_path / "reports"
    with pytest.raises(ReportError, match="on purpose"):
        run_report(RunRequest("testshire", QUARTER, police_uk, out=out), progress=messages.append)

    numbered = [m for m in messages if re.match(r"\[\d+/\d+\] ", m)]
    assert numbered == [
        f"[1/{len(stages)}] Reading {len(MONTHS)} police.uk files for testshire ...",
        f"[2/{len(stages)}] Validating inputs ...",
        f"[3/{len(stages)}] Building the monthly table ...",
        f"[4/{len(stages)}] Preparing the public edition data ...",
        f"[5/{len(stages)}] Failing on purpose ...",
    ]
    assert len(stages) == len(STAGES) + 1
    # The stages before it really ran: the staging folder held the public edition's data ...
    assert seen["editions"] == ["public"]
    assert seen["data"] == sorted([INPUTS_FILE, PROVENANCE_FILE, TIDY_FILE, "breakdowns",
                                   "returns", EVIDENCE_FILE])
    # ... and the failure removed it, published nothing and released the lock.
    assert not seen["staging"].exists()
    assert not (out / ".staging").exists()
    assert not (out / "testshire").exists()
    with publish.lock(out, "testshire", QUARTER):
        pass


def test_a_failure_in_the_first_stage_leaves_no_staging_folder(
    police_uk: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(state: RunState) -> None:
        raise ReportError("unreadable")

    monkeypatch.setattr(build, "STAGES", (Stage(lambda s: "Reading", fail), *STAGES[1:]))
    out = tmp_path / "reports"
    with pytest.raises(ReportError, match="unreadable"):
        run_report(RunRequest("testshire", QUARTER, police_uk, out=out), progress=lambda m: None)
    assert sorted(p.name for p in out.iterdir()) == [publish.LOCKS_DIR]

