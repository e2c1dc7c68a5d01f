"""Drafts: the report as ``run`` would publish it, rebuilt in place while the analyst edits.

An analyst rebuilds a quarter many times (narrative, a corrected return) before it is final.
A draft is built by the same stages as ``run`` (:data:`pcc_report.build.STAGES`), with the
same validation, sections and section cache (so an unchanged draft reuses every section, and
the final ``run`` reuses the draft's), but it is never a published revision:

* it goes to ``<out>/drafts/<force>/<quarter>/``, replaced at every draft;
* the replacement is atomic: that path is a symbolic link to a complete build in
  ``<out>/drafts/<force>/.builds/``, switched with one rename, so a reader sees the previous
  draft or the new one, and a failed draft leaves the previous one untouched;
* the book's title says "(draft)"; its sections show the revision ``run`` would publish
  (r1, or the next revision with ``--reissue``), so they are the final report's sections;
* ``--html-only`` skips the PDF for a faster edit loop;
* when the narrative changed since the last draft (the edit loop: its book is built again),
  a book server is started with the draft's first stage and imports Sphinx and the
  extensions once while the earlier stages run (:class:`pcc_report.book.EarlyBookServer`);
  the HTML and PDF builders are forked from it, and it is stopped when the draft ends,
  however it ends. With the narrative unchanged the book is most often reused outright, so
  none is started (it would spend about 1.6 s of CPU for nothing, beside the draft's own
  work); a book that must be built then starts its builder processes as before.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
from pathlib import Path

import yaml

from pcc_report import book, book_reuse, build, narrative_book, yaml_files

DRAFTS_DIR = "drafts"
BUILDS_DIR = ".builds"
DRAFT_MARK = " (draft)"
#: The sha256 of the narrative of the last draft whose book was built, in the quarter's work
#: folder (:func:`pcc_report.book_reuse.work_dir`): whether to start the builders early.
NARRATIVE_RECORD = "narrative.sha256"


def draft_dir(out: Path, force: str, quarter: str) -> Path:
    """Where the current draft of a force's quarter is: ``<out>/drafts/<force>/<quarter>``."""
    return Path(out) / DRAFTS_DIR / force / str(quarter)


def _mark_title(book_dir: Path) -> None:
    """Say "(draft)" in the book's title, so a draft is never mistaken for the report."""
    path = book_dir / "_config.yml"
    config = yaml_files.read(path)
    config["title"] += DRAFT_MARK
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["html_title"] = config["title"]
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def _narrative_record(state: build.RunState) -> Path:
    return (state.out / DRAFTS_DIR / state.request.force / book_reuse.WORK_DIR
            / str(state.quarter) / NARRATIVE_RECORD)


def _narrative_digest(state: build.RunState) -> str:
    digest = hashlib.sha256()
    for path in state.narrative.sources:
        digest.update(f"{path.relative_to(state.narrative.folder).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _warm_up(state: build.RunState, warm: book.EarlyBookServer | None) -> None:
    """Start the book server now if the narrative changed since the last draft whose book
    was built (or there was none); see the module docstring."""
    record = _narrative_record(state)
    last = record.read_text(encoding="utf-8") if record.is_file() else None
    if warm is not None and last != _narrative_digest(state):
        warm.start()


def _book_stage(html_only: bool, warm: book.EarlyBookServer | None):  # noqa: ANN202 - a stage
    def run(state: build.RunState) -> None:
        for edition_run in state.editions:
            _warm_up(state, warm)  # the first edition's: started with the draft
            book_dir = edition_run.book_dir
            book.assemble(book_dir, edition_run.sections, state.force, state.quarter,
                          state.narrative.meeting(state.request.meeting), state.reservation,
                          edition=edition_run.edition,
                          first_pages=build._what_changed(state, edition_run))
            narrative_book.place(book_dir, edition_run.sections, state.narrative)
            _mark_title(book_dir)
            pdf_name = None if html_only else state.pdf_name(edition_run.edition)
            work = book_reuse.work_dir(state.out / DRAFTS_DIR / state.request.force,
                                       str(state.quarter), edition_run.edition.folder)
            outcomes = book_reuse.build(book_dir, edition_run.dir, pdf_name, work, warm=warm)
            state.progress("      book: " + ", ".join(f"{builder} {outcome}"
                                                   for builder, outcome in outcomes.items()))
        _narrative_record(state).parent.mkdir(parents=True, exist_ok=True)
        _narrative_record(state).write_text(_narrative_digest(state), encoding="utf-8")
    return run


def replace_draft(staging: Path, target: Path) -> Path:
    """Make ``target`` (a symbolic link) point at the finished ``staging`` build, atomically.

    The build is moved into ``<target's folder>/.builds/`` first; then a new link is made
    beside ``target`` and renamed over it (``rename`` replaces a link in one step); only then
    is the previous build deleted.
    """
    staging, target = Path(staging), Path(target)
    builds = target.parent / BUILDS_DIR
    builds.mkdir(parents=True, exist_ok=True)
    kept = builds / f"{target.name}-{staging.name.rsplit('-', 1)[-1]}"
    os.rename(staging, kept)
    previous = None
    if target.is_symlink():
        previous = target.parent / os.readlink(target)
    elif target.exists():  # a folder put there by hand: kept aside, then replaced
        previous = builds / f"{target.name}-replaced"
        shutil.rmtree(previous, ignore_errors=True)
        os.rename(target, previous)
    link = target.parent / f".{target.name}.link"
    with contextlib.suppress(FileNotFoundError):
        link.unlink()
    link.symlink_to(kept.relative_to(target.parent))
    os.rename(link, target)
    if previous is not None and previous.resolve() != kept.resolve():
        shutil.rmtree(previous, ignore_errors=True)
    return target


def _starting(first: build.Stage, warm: book.EarlyBookServer) -> build.Stage:
    """``first`` that starts the book server before its work: in the build environment."""
    def run(state: build.RunState) -> None:
        _warm_up(state, warm)
        first.run(state)
    return build.Stage(first.title, run)


def draft_stages(html_only: bool = False,
                 warm: book.EarlyBookServer | None = None) -> tuple[build.Stage, ...]:
    """``run``'s stages with the book marked as a draft and publication replaced; with
    ``warm``, the first stage starts the book server (the caller stops it)."""
    def publish(state: build.RunState) -> None:
        replace_draft(state.staging, draft_dir(state.out, state.request.force, str(state.quarter)))

    stages = []
    for stage in build.STAGES:
        if warm is not None and not stages:
            stage = _starting(stage, warm)
        if stage.run is build._build_book:
            stage = build.Stage(
                (lambda s: "Building the draft book (HTML)") if html_only
                else (lambda s: "Building the draft book (HTML and PDF)"),
                _book_stage(html_only, warm))
        elif stage.run is build._publish:
            stage = build.Stage(lambda s: "Replacing the draft", publish)
        stages.append(stage)
    return tuple(stages)


def draft_report(request: build.RunRequest, progress: build.Progress = build._stderr,
                 html_only: bool = False) -> build.RunResult:
    """Build the draft of ``request`` (see the module docstring); raise as ``run`` does."""
    warm = book.EarlyBookServer()
    try:
        result = build.run_report(request, progress, stages=draft_stages(html_only, warm))
    finally:
        warm.stop()
    target = draft_dir(request.out, request.force, Path(result.revision_dir).parent.name)
    folders = {name: target / Path(path).name for name, path in result.editions.items()}
    first = target / Path(result.report_dir).name
    return dataclasses.replace(
        result, report_dir=first, html_index=first / "html" / "index.html",
        pdf=first / result.pdf.name, revision_dir=target, editions=folders,
    )
