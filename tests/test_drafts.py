"""Drafts replace the previous draft atomically and are marked as drafts."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from pcc_report import build, drafts


def _build(root: Path, name: str, text: str) -> Path:
    staging = root / ".staging" / f"demoshire-2022-23-Q2-{name}"
    (staging / "html").mkdir(parents=True)
    (staging / "html" / "index.html").write_text(text)
    return staging


def test_each_draft_replaces_the_previous_one(tmp_path: Path) -> None:
    target = drafts.draft_dir(tmp_path, "demoshire", "2022-23-Q2")
    assert target == tmp_path / "drafts" / "demoshire" / "2022-23-Q2"
    drafts.replace_draft(_build(tmp_path, "aaa", "first"), target)
    assert (target / "html" / "index.html").read_text() == "first"
    drafts.replace_draft(_build(tmp_path, "bbb", "second"), target)
    assert (target / "html" / "index.html").read_text() == "second"
    assert target.is_symlink()
    # the previous build is gone; only the current one is kept
    assert [p.name for p in (target.parent / drafts.BUILDS_DIR).iterdir()] == [
        os.readlink(target).split("/")[-1]]


def test_a_folder_in_the_way_is_replaced_too(tmp_path: Path) -> None:
    target = drafts.draft_dir(tmp_path, "demoshire", "2022-23-Q2")
    target.mkdir(parents=True)
    (target / "old.txt").write_text("by hand")
    drafts.replace_draft(_build(tmp_path, "ccc", "new"), target)
    assert (target / "html" / "index.html").read_text() == "new"
    assert not (target / "old.txt").exists()


def test_draft_stages_replace_only_the_book_and_the_publication() -> None:
    stages = drafts.draft_stages(html_only=True)
    assert len(stages) == len(build.STAGES)
    changed = [i for i, (a, b) in enumerate(zip(build.STAGES, stages, strict=True))
               if a.run is not b.run]
    assert [build.STAGES[i].run for i in changed] == [build._build_book, build._publish]


def test_the_book_title_says_draft(tmp_path: Path) -> None:
    (tmp_path / "_config.yml").write_text(yaml.safe_dump(
        {"title": "Demoshire: performance report", "sphinx": {"config": {"html_title": "x"}}}))
    drafts._mark_title(tmp_path)
    config = yaml.safe_load((tmp_path / "_config.yml").read_text())
    assert config["title"] == "Demoshire: performance report (draft)"
    assert config["sphinx"]["config"]["html_title"] == config["title"]
