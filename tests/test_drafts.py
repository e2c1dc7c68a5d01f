"""Drafts replace the previous draft atomically and are marked as drafts."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from pcc_report import book, build, drafts
from pcc_report.errors import InputError


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


def _state(root: Path, text: str) -> SimpleNamespace:
    """What the draft's early start reads of a run: where it is, and its narrative."""
    folder = root / "narrative"
    folder.mkdir(exist_ok=True)
    (folder / "front.md").write_text(text)
    return SimpleNamespace(out=root / "out", request=SimpleNamespace(force="demoshire"),
                           quarter="2022-23-Q2",
                           narrative=SimpleNamespace(folder=folder, sources=[folder / "front.md"]))


class _Counting:
    def __init__(self) -> None:
        self.started = 0

    def start(self) -> None:
        self.started += 1


def test_the_book_server_starts_early_only_when_the_narrative_changed(tmp_path: Path) -> None:
    warm = _Counting()
    drafts._warm_up(_state(tmp_path, "First."), warm)  # no draft yet: started
    assert warm.started == 1
    record = drafts._narrative_record(_state(tmp_path, "First."))
    record.parent.mkdir(parents=True)
    record.write_text(drafts._narrative_digest(_state(tmp_path, "First.")))
    drafts._warm_up(_state(tmp_path, "First."), warm)  # unchanged: book likely reused
    assert warm.started == 1
    drafts._warm_up(_state(tmp_path, "Edited."), warm)  # edited: started
    assert warm.started == 2


def test_a_draft_that_fails_leaves_no_book_server(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    """The first stage starts the book server; a draft refused after it stops it: no
    process is left."""
    started: list = []

    class Recording(book.EarlyBookServer):
        def start(self) -> None:
            super().start()
            started.append(self._server)

    def refused(request: build.RunRequest, progress: object, stages: tuple) -> None:
        stages[0].run(_state(tmp_path, "The first narrative."))
        raise InputError("refused by validation")

    first = build.Stage(lambda s: "Reading", lambda s: None)
    monkeypatch.setattr(build, "STAGES", (first, *build.STAGES[1:]))
    monkeypatch.setattr(drafts.book, "EarlyBookServer", Recording)
    monkeypatch.setattr(drafts.build, "run_report", refused)
    request = build.RunRequest(force="demoshire", quarter="2022-23-Q2", police_uk=tmp_path,
                               out=tmp_path / "out")
    with pytest.raises(InputError, match="refused"):
        drafts.draft_report(request)
    assert len(started) == 1 and started[0] is not None
    assert started[0]._proc.returncode is not None and not Path(started[0].address).exists()
