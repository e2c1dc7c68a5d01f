"""Executing a section reproducibly: the title cell, the scrub, the build environment.

The section run here is the small report's tiny template (tests/smallreport.py) in a real
kernel; the published copy to compare with is the ``pristine`` report of conftest.py.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from smallreport import sections

from pcc_report import execution
from pcc_report.execution import (
    BUILD_ENV,
    INJECTED_CELL_ID,
    build_environment,
    execute_section,
    notebook_error,
    scrub,
    scrub_notebook,
)


def test_a_re_execution_in_another_folder_gives_the_published_bytes(
    pristine: tuple[Path, Path], templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-run one section in a fresh folder: the scrubbed bytes equal the published ones."""
    monkeypatch.setattr(execution, "NOTEBOOKS_DIR", templates)
    report, _ = pristine
    section = sections()[0]
    shutil.copytree(report / "data", tmp_path / "data")
    (tmp_path / "book").mkdir()
    (tmp_path / "t").mkdir()
    with build_environment():
        execute_section(section, tmp_path / "book", tmp_path / "t")
    fresh = tmp_path / "book" / f"{section.name}.ipynb"
    assert fresh.read_bytes() == (report / "notebooks" / f"{section.name}.ipynb").read_bytes()

    scrubbed = json.loads(fresh.read_text())
    papermill = scrubbed["metadata"]["papermill"]
    assert papermill["parameters"] == section.parameters
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        assert key not in papermill
    for cell in scrubbed["cells"]:
        assert "execution" not in cell["metadata"]
        assert not {"start_time", "end_time", "duration"} & set(
            cell["metadata"].get("papermill", {})
        )
    assert [c["id"] for c in scrubbed["cells"]] == ["cell-00", "cell-01", INJECTED_CELL_ID,
                                                    "cell-02"]
    # The title is data: written into the heading escaped, never interpreted.
    assert "".join(scrubbed["cells"][0]["source"]) == "# Crimes \\& \\<i\\>demoshire\\</i\\>"

    before = fresh.read_bytes()
    scrub_notebook(fresh)  # idempotent
    assert fresh.read_bytes() == before


def test_scrub_removes_run_times_and_paths_and_keeps_the_record() -> None:
    executed = {
        "metadata": {"papermill": {"start_time": "2022-11-01T09:30:00", "end_time": "x",
                                   "duration": 3.2, "input_path": "/staging/a.ipynb",
                                   "output_path": "/staging/_book/a.ipynb",
                                   "parameters": {"force": "demoshire"}, "version": "2.4.0"}},
        "cells": [
            {"id": "a1", "metadata": {"tags": ["parameters"], "execution": {"iopub": "t"}}},
            {"id": "random-9f2", "metadata": {"tags": ["injected-parameters"],
                                              "papermill": {"duration": 0.1, "status": "ok"}}},
        ],
    }
    cleaned = scrub(executed)
    assert cleaned["metadata"]["papermill"] == {"parameters": {"force": "demoshire"},
                                                "version": "2.4.0"}
    assert cleaned["cells"][0] == {"id": "a1", "metadata": {"tags": ["parameters"]}}
    assert cleaned["cells"][1]["id"] == INJECTED_CELL_ID
    assert cleaned["cells"][1]["metadata"]["papermill"] == {"status": "ok"}
    assert cleaned is executed  # in place: the caller has just parsed it


def test_build_environment_is_set_for_the_block_and_restored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MPLBACKEND", "TkAgg")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with build_environment():
        assert {key: os.environ.get(key) for key in BUILD_ENV} == BUILD_ENV
    assert os.environ["MPLBACKEND"] == "TkAgg"
    assert "SOURCE_DATE_EPOCH" not in os.environ


def test_a_failing_cell_names_its_exception(
    templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cell's exception fails the section; notebook_error keeps the lines that say why."""
    monkeypatch.setattr(execution, "NOTEBOOKS_DIR", templates)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "values.json").write_text('{"elsewhere": {}}')
    (tmp_path / "book").mkdir()
    (tmp_path / "t").mkdir()
    with build_environment(), pytest.raises(Exception) as caught:
        execute_section(sections()[0], tmp_path / "book", tmp_path / "t")
    assert notebook_error(caught.value).splitlines()[-1].startswith("KeyError: 'demoshire'")
