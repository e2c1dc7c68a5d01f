"""The section cache end to end: the same report whether sections were executed or reused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import build_demo

from pcc_report import cache, sections
from pcc_report.manifest import MANIFEST_NAME

pytestmark = pytest.mark.e2e


def _files(report: Path) -> dict[str, bytes]:
    return {p.relative_to(report).as_posix(): p.read_bytes() for p in report.rglob("*")
            if p.is_file() and p.name != MANIFEST_NAME}


def _outcomes(report: Path) -> dict[str, str]:
    manifest = json.loads((report / MANIFEST_NAME).read_text())
    return {nb["name"]: nb["cache"]["outcome"] for nb in manifest["notebooks"]}


@pytest.fixture(scope="module")
def builds(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    shared = tmp_path_factory.mktemp("section-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(cache.CACHE_ENV, str(shared))
        plain, _ = build_demo(demo_data, tmp_path_factory.mktemp("plain"), use_cache=False)
        cold, _ = build_demo(demo_data, tmp_path_factory.mktemp("cold"))
        warm, _ = build_demo(demo_data, tmp_path_factory.mktemp("warm"))
    return {"plain": plain.report_dir, "cold": cold.report_dir, "warm": warm.report_dir,
            "cache": shared}


def test_a_report_is_byte_identical_with_or_without_the_cache(builds) -> None:
    plain = _files(builds["plain"])
    assert _files(builds["cold"]) == plain
    assert _files(builds["warm"]) == plain


def test_the_manifest_says_which_sections_were_reused(builds) -> None:
    assert set(_outcomes(builds["cold"]).values()) == {"executed"}
    assert set(_outcomes(builds["warm"]).values()) == {"reused"}
    plain = json.loads((builds["plain"] / MANIFEST_NAME).read_text())
    assert {nb["cache"]["key"] for nb in plain["notebooks"]} == {None}


def test_a_changed_return_reruns_only_the_sections_that_read_returns(
    builds, demo_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    shutil.copytree(demo_data, tmp_path / "data")
    calls = tmp_path / "data" / "returns" / "calls.csv"
    lines = calls.read_text().splitlines()
    header, last = lines[0].split(","), lines[-1].split(",")
    column = header.index("offered")  # more calls offered: still valid, a different figure
    last[column] = str(int(last[column]) + 1)
    calls.write_text("\n".join([*lines[:-1], ",".join(last)]) + "\n")
    monkeypatch.setenv(cache.CACHE_ENV, str(builds["cache"]))
    result, _ = build_demo(tmp_path / "data", tmp_path / "out")
    executed = {n for n, o in _outcomes(result.report_dir).items() if o == "executed"}
    registry = {s.name: s for s in sections.REGISTRY}
    never = {n for n in _outcomes(result.report_dir)
             if not set(registry.get(n, registry["priority"]).reads)
             & {"returns", "provenance", "validation", "evidence"}}
    assert executed and not executed & never
    assert {"performance", "dashboard"} <= executed
