"""Build one force's quarterly report: a list of named stages over one run state.

The run is all-or-nothing. Everything is built in a staging folder beside the reports and
moved into ``<out>/<force>/<quarter>/<revision>/`` with one rename only when every stage
succeeded, so a failed run never leaves a half-built report where a complete one is
expected, and an existing report is never overwritten. Each stage in :data:`STAGES` reads
what earlier stages put in the :class:`RunState` and adds its own; the progress display
numbers them from that list.

One run builds one edition or both (:mod:`pcc_report.editions`): each is a complete,
self-contained report folder inside the revision (``rN/public/``,
``rN/RESTRICTED-not-for-publication/``) with its own data, validation results, book, notebooks
and manifest. The stages after validation do their work once per edition
(:class:`EditionRun`), so the public edition is exactly what ``--edition public`` alone builds.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pcc_report import (
    book,
    cache,
    catalogue,
    checked_inputs,
    diff,
    editions,
    evidence,
    execution,
    ingest,
    lineage,
    manifest,
    narrative_book,
    narrative_files,
    peers,
    publish,
    sections,
    signing,
    validation,
)
from pcc_report.config import PROJECT_ROOT, ForceConfig, load_force_config
from pcc_report.context import INPUTS_FILE, PROVENANCE_FILE, TIDY_FILE
from pcc_report.editions import Edition
from pcc_report.errors import InputError, ReportError, ValidationFailed
from pcc_report.execution import Section, build_environment, notebook_error
from pcc_report.periods import Month, Quarter, report_windows, required_months, resolve_period_end
from pcc_report.returns import RETURNS

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


@dataclass(frozen=True)
class RunRequest:
    """Everything that decides a report's content (recorded as its parameters)."""

    force: str
    quarter: str
    police_uk: Path
    out: Path = Path("reports")
    period_end: str | None = None
    allow_missing: bool = False
    meeting: str | None = None
    returns: Path | None = None  # folder of force returns (calls, surveys, ...); optional
    edition: str = "public"  # "public", "restricted" or "both" (editions.CHOICES)
    reissue: str | None = None  # reason for a new revision of a published report
    use_cache: bool = True  # reuse unchanged sections (pcc_report.cache); same report either way
    narrative: Path | None = None  # the analyst's narrative folder (default narrative/<f>/<q>)
    final: bool = False  # refuse unless every narrative piece is written (narrative_files)
    home_office: Path | None = None  # Home Office recorded crime by force (peer comparison)


@dataclass
class RunResult:
    """The published revision; ``report_dir``, ``html_index`` and ``pdf`` are its first
    edition's (the public one when it was built); ``editions`` maps every edition built to its
    folder."""

    report_dir: Path
    html_index: Path
    pdf: Path
    revision_dir: Path | None = None
    editions: dict[str, Path] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)
    warnings: int = 0


Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class EditionRun:
    """One edition's part of the run: its folder in the staging area and what was made there."""

    edition: Edition
    dir: Path
    report: validation.ValidationReport
    data: editions.EditionData | None = None  # data: returns and breakdowns written
    inputs: list[dict] = field(default_factory=list)  # data: manifest entries of its inputs
    sections: list[Section] = field(default_factory=list)  # data: its planned sections
    section_timings: list[tuple[str, float]] = field(default_factory=list)  # sections
    section_runs: dict[str, cache.SectionRun] = field(default_factory=dict)  # sections
    evidence: dict | None = None  # data: the front sheet's digest (pcc_report.evidence)

    @property
    def book_dir(self) -> Path:
        return self.dir / "_book"


@dataclass
class RunState:
    """What one run knows so far. Fields after ``started`` are set by the stages, in order."""

    request: RunRequest
    quarter: Quarter
    period_end: Month
    reservation: publish.Reservation
    files: list[ingest.StreetFile]
    progress: Progress
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    file_problems: list = field(default_factory=list)  # read: file-level validation problems
    street: pa.Table | None = None  # read: the street rows
    frame: pd.DataFrame | None = None  # read: the same rows as pandas, for validation
    report: validation.ValidationReport | None = None  # validate: every input validated
    public_report: validation.ValidationReport | None = None  # validate: without withheld
    force: ForceConfig | None = None  # validate
    staging: Path | None = None  # validate: created only once validation passed
    editions: list[EditionRun] = field(default_factory=list)  # validate: one per edition
    inputs: list[dict] = field(default_factory=list)  # data: manifest entries of police.uk
    row_counts: dict[str, int] = field(default_factory=dict)  # data: rows per police.uk file
    signer: signing.Signer | None = None  # before any work: the key that signs (or None)
    narrative: narrative_files.Narrative | None = None  # checked before the stages run
    checked: checked_inputs.Lookup | None = None  # read: the inputs' key, hashes, stored checks

    @property
    def out(self) -> Path:
        return Path(self.request.out)

    @property
    def built(self) -> list[Edition]:
        return editions.editions_for(self.request.edition)

    @property
    def section_timings(self) -> list[tuple[str, float]]:
        """Every edition's section timings (named by edition when more than one was built)."""
        if len(self.editions) == 1:
            return self.editions[0].section_timings
        return [(f"{name} ({e.edition.name})", t)
                for e in self.editions for name, t in e.section_timings]

    def pdf_name(self, edition: Edition) -> str:
        return edition.pdf_name(self.request.force, str(self.quarter))


@dataclass(frozen=True)
class Stage:
    """One named step of the build; ``title`` may use what earlier stages found."""

    title: Callable[[RunState], str]
    run: Callable[[RunState], None]


# --------------------------------------------------------------------------------------------
# The stages


def _read(state: RunState) -> None:
    """File-level checks first; only structurally sound files are read.

    Unless the same inputs were validated before (:mod:`pcc_report.checked_inputs`): then
    nothing is read, and the next stages take the stored results.
    """
    request = state.request
    state.checked = checked_inputs.lookup(
        state.files, request.police_uk, request.returns, _check_settings(state), state.out,
        EXPECTATIONS_DIR, use_cache=request.use_cache)
    if state.checked.found is not None:
        return
    readable = []
    state.file_problems += validation.ignored_files_note(
        ingest.ignored_files(state.request.police_uk, state.request.force)
    )
    for file in state.files:
        found = validation.check_street_file(file.path, file.relative, file.member)
        state.file_problems += found
        if not any(p.level == "error" for p in found):
            readable.append(file)
    state.street = (
        ingest.read_street_files(readable) if readable else ingest.empty_street_table()
    )
    state.frame = state.street.to_pandas()


def _check_settings(state: RunState) -> dict:
    """What decides validation besides the files, the suites and the code (its cache key)."""
    request = state.request
    return {"force": request.force, "period_end": str(state.period_end),
            "allow_missing": request.allow_missing, "edition": request.edition,
            "home_office": manifest.sha256_file(request.home_office)
            if request.home_office is not None else None}


def _validate(state: RunState) -> None:
    """Validate the inputs; publish nothing (write the results aside) if any error is found."""
    request = state.request
    stored = state.checked.found if state.checked is not None else None
    if stored is not None:
        report = state.report = stored.report
        state.public_report = stored.public_report
    else:
        report = state.report = _validation_report(state)
    name = f"{request.force}-{state.quarter}-{state.run_id}"
    if not report.ok:
        failed = state.out / "failed-validation" / name
        report.write(failed)
        raise ValidationFailed(
            f"validation failed for {request.force} {state.quarter}: nothing was published.\n"
            f"{report.format_errors()}\n"
            f"Full results: {failed / 'validation.html'}"
        )
    frame = state.frame
    state.force = load_force_config(
        request.force,
        falls_within=stored.falls_within if stored is not None else
        str(frame["Falls within"].iloc[0]) if len(frame) else None,
    )
    staging = state.out / ".staging" / name
    staging.mkdir(parents=True)
    state.staging = staging
    for edition in state.built:
        folder = staging / edition.folder
        folder.mkdir()
        shown = report if edition.shows_restricted else state.public_report
        shown.write(folder / "validation")
        state.editions.append(EditionRun(edition, folder, shown))


def _validation_report(state: RunState) -> validation.ValidationReport:
    """Every input validated (sets ``state.public_report``: the public edition's part)."""
    request = state.request
    needed = [str(m) for m in required_months(report_windows(state.period_end))]
    reports = [
        validation.validate_street(
            state.frame,
            required_months=needed,
            allow_missing=request.allow_missing,
            file_problems=state.file_problems,
            expectations_dir=EXPECTATIONS_DIR,
            check_force=True,
        )
    ]
    withheld = _withheld_from_public(state)
    if request.returns is not None:
        # restricted-only returns are not opened here, so the public edition's results are
        # those of a public-only build, which never reads them at all
        reports.append(validation.validate_returns(
            request.returns, expectations_dir=EXPECTATIONS_DIR, skip=withheld,
            districts=load_force_config(request.force).districts))
    if request.home_office is not None:
        reports.append(validation.validate_home_office(request.home_office,
                                                       expectations_dir=EXPECTATIONS_DIR))
    state.public_report = validation.ValidationReport.combine(reports)
    if request.returns is not None and withheld and any(e.shows_restricted for e in state.built):
        # the restricted edition needs them: validated once, apart
        reports.append(_only_suites(validation.validate_returns(
            request.returns, expectations_dir=EXPECTATIONS_DIR,
            skip=[r for r in RETURNS if r not in withheld],
            districts=load_force_config(request.force).districts), withheld))
    return validation.ValidationReport.combine(reports)


def _withheld_from_public(state: RunState) -> set[str]:
    """Returns that feed only restricted measures (withheld from the public edition)."""
    return set(editions.withheld_returns(_catalogue_for(state), editions.PUBLIC))


def _catalogue_for(state: RunState) -> list:
    """The catalogue with the force's own plan (before validation: the force file's name)."""
    force = state.force or load_force_config(state.request.force)
    return catalogue.load_catalogue(priorities=[p.id for p in force.priorities])


def _only_suites(
    report: validation.ValidationReport, names: set[str]
) -> validation.ValidationReport:
    """The part of a returns report about the named returns (drops repeated folder warnings)."""
    suites = {validation.return_suite_name(name) for name in names}
    return validation.ValidationReport(
        suites=[s for s in report.suites if s["name"] in suites],
        problems=[p for p in report.problems if p.suite in suites],
        incomplete_months=list(report.incomplete_months),
        rows_checked=report.rows_checked,
    )


def _write_data(state: RunState) -> None:
    """The monthly table, into every edition's data folder; the inputs read, for the manifest."""
    request = state.request
    stored = state.checked.found if state.checked is not None else None
    first = state.editions[0].dir / "data" / TIDY_FILE
    if stored is not None:
        first.parent.mkdir(parents=True, exist_ok=True)
        first.write_bytes(stored.tidy)
        state.row_counts = dict(stored.row_counts)
    else:
        ingest.write_parquet(ingest.tidy_monthly(state.street), first)
        rows = state.frame.groupby("source_file", sort=False).size()
        state.row_counts = {f.relative: int(rows.get(f.relative, 0)) for f in state.files}
    for run in state.editions[1:]:
        (run.dir / "data").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(first, run.dir / "data" / TIDY_FILE)
    if stored is None and state.checked is not None:
        checked_inputs.store(state.out, state.checked.key, checked_inputs.Checked(
            state.report, state.public_report, first.read_bytes(), state.row_counts,
            str(state.frame["Falls within"].iloc[0]) if len(state.frame) else None))
    # made for the key: each input is hashed once
    hashes = state.checked.hashes if state.checked is not None else None
    if ingest.is_archive(request.police_uk):  # the zip is the input: hashed whole, as given
        archive = Path(request.police_uk)
        state.inputs = manifest.input_entries(
            [archive], archive.parent, {archive.name: sum(state.row_counts.values())}, hashes)
    else:
        state.inputs = manifest.input_entries(state.files, request.police_uk, state.row_counts,
                                              hashes)


def _prepare_editions(state: RunState) -> None:
    """Each edition's returns and breakdowns (editions.prepare_data), inputs, provenance, plan."""
    request = state.request
    window = report_windows(state.period_end, state.force.baseline_fy)["latest_quarter"]
    measured = _catalogue_for(state)
    for run in state.editions:
        data = run.dir / "data"
        run.data = editions.prepare_data(run.edition, measured, request.returns, data, window)
        state.narrative.copy_to(data)
        run.inputs = list(state.inputs)
        if request.home_office is not None:  # public statistics: in every edition
            shutil.copyfile(request.home_office, data / peers.DATA_FILE)
            run.inputs += manifest.input_entries([Path(request.home_office)],
                                                 Path(request.home_office).parent)
        if request.returns is not None:
            run.inputs += manifest.input_entries(
                [Path(request.returns) / name for name in run.data.raw_inputs], request.returns
            )
        hashes = {entry["path"]: entry["sha256"] for entry in state.inputs}  # none in a zip
        _write_json(data / INPUTS_FILE, {
            "falls_within": state.force.name,
            "files": [{"file": f.relative, "month": f.month, "rows": state.row_counts[f.relative],
                       "sha256": hashes.get(f.relative)} for f in state.files],
            "returns": run.data.returns,
        })
        _write_json(data / PROVENANCE_FILE, _provenance(
            request, state.quarter, state.reservation, run.inputs, run.report, run.edition))
        run.sections = book.mark_sections(run.edition, sections.plan(state.force, {
            "force": request.force,
            "quarter": str(state.quarter),
            "period_end": str(state.period_end),
            "data_dir": "../data",
            "incomplete_months": list(run.report.incomplete_months),
            "meeting": request.meeting,
            "edition": run.edition.name,
        }))
        run.evidence = evidence.record(run.dir, run.sections[0].parameters,
                                       state.signer.fingerprint if state.signer else None)


def _run_sections(state: RunState) -> None:
    section_cache = cache.SectionCache(cache.cache_dir(state.out)) if state.request.use_cache \
        else None
    for run in state.editions:
        run.book_dir.mkdir()
        run.section_timings = run_sections(
            run.sections, run.book_dir, run.dir / ".templates", state.progress,
            section_cache, run.section_runs,
        )


def _build_book(state: RunState) -> None:
    for run in state.editions:
        book.assemble(run.book_dir, run.sections, state.force, state.quarter,
                      state.narrative.meeting(state.request.meeting), state.reservation,
                      edition=run.edition, first_pages=_what_changed(state, run))
        narrative_book.place(run.book_dir, run.sections, state.narrative)
        book.build(run.book_dir, run.dir, state.pdf_name(run.edition))


def _what_changed(state: RunState, run: EditionRun) -> tuple[str, ...]:
    """A reissue's "What changed since rN" page (pcc_report.diff), beside its reason."""
    revision = state.reservation
    if not revision.replaces:
        return ()
    previous = revision.target.parent / revision.replaces / run.edition.folder
    page = diff.reissue_page(previous, run.dir / "data", run.book_dir,
                             revision.manifest_entry())
    (run.book_dir / "what-changed.md").write_text(page, encoding="utf-8")
    return ("what-changed",)


def _collect(state: RunState) -> None:
    """The executed notebooks and figures into each edition; the book's working files out."""
    for run in state.editions:
        folder, book_dir = run.dir, run.book_dir
        (folder / "notebooks").mkdir()
        for section in run.sections:
            shutil.copy(narrative_book.executed_notebook(book_dir, section.name),
                        folder / "notebooks")
        lineage.write([folder / "notebooks" / f"{s.name}.ipynb" for s in run.sections],
                      folder / "data")
        if (book_dir / "figures").is_dir():
            shutil.copytree(book_dir / "figures", folder / "figures")
        shutil.rmtree(book_dir)
        shutil.rmtree(folder / narrative_book.EXECUTED_DIR, ignore_errors=True)
        shutil.rmtree(folder / ".templates")


def _write_manifest(state: RunState) -> None:
    for run in state.editions:
        seconds = {name.removeprefix("notebook "): t for name, t in run.section_timings}
        shipped = state.signer.ship_public_key(run.dir) if state.signer else None
        manifest.write_manifest(
            run.dir,
            run=manifest.run_record(state.run_id, state.started, datetime.now(UTC)),
            inputs=run.inputs + _narrative_inputs(state.narrative),
            suites=manifest.suite_entries(run.report.suites),
            validation_ok=run.report.ok,
            notebooks=manifest.notebook_entries(
                run.sections, seconds, execution.NOTEBOOKS_DIR, run.dir,
                cache={name: r.manifest_entry() for name, r in run.section_runs.items()},
            ),
            revision=state.reservation.manifest_entry(),
            nondeterministic=manifest.NONDETERMINISTIC,
            edition=run.data.manifest_block(run.edition),
            evidence=run.evidence,
            signing=shipped,
        )
        if state.signer:
            state.signer.sign_manifest(run.dir)


def _publish(state: RunState) -> None:
    publish.publish(state.staging, state.reservation.target)


def _names(state: RunState) -> str:
    return " and ".join(e.name for e in state.built)


STAGES: tuple[Stage, ...] = (
    Stage(lambda s: f"Reading {len(s.files)} police.uk files for {s.request.force}", _read),
    Stage(lambda s: "Validating inputs", _validate),
    Stage(lambda s: "Building the monthly table", _write_data),
    Stage(lambda s: f"Preparing the {_names(s)} edition data", _prepare_editions),
    Stage(lambda s: f"Running {sum(len(e.sections) for e in s.editions)} report sections",
          _run_sections),
    Stage(lambda s: "Building the book (HTML and PDF)", _build_book),
    Stage(lambda s: "Collecting outputs", _collect),
    Stage(lambda s: "Writing the manifest", _write_manifest),
    Stage(lambda s: "Publishing", _publish),
)


# --------------------------------------------------------------------------------------------
# Running


def run_report(request: RunRequest, progress: Progress = _stderr,
               stages: tuple[Stage, ...] | None = None) -> RunResult:
    """Build the report; raise a :class:`pcc_report.errors.ReportError` with a clear message.

    One build of a force and quarter runs at a time (a lock); the revision is chosen
    before any work (``r1``, or the next one for a reissue) and checked again at publish.
    Every child process runs in the build environment (:func:`execution.build_environment`).
    ``stages`` are :data:`STAGES` unless a caller replaces some (drafts, :mod:`pcc_report.drafts`).
    """
    try:
        quarter = Quarter.parse(request.quarter)
        period_end = resolve_period_end(quarter, request.period_end)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if request.edition not in editions.CHOICES:
        raise InputError(
            f"edition must be one of {', '.join(editions.CHOICES)}, not {request.edition!r}")
    if request.returns is not None and not Path(request.returns).is_dir():
        raise InputError(f"force returns folder not found: {request.returns}")
    if request.home_office is not None and not Path(request.home_office).is_file():
        raise InputError(f"Home Office file not found: {request.home_office}")
    publish.check_output_folder(request.out)
    signer = signing.configured_signer([PROJECT_ROOT, Path(request.out)])
    narrative = _narrative(request, quarter)
    with build_environment(progress), publish.lock(request.out, request.force, str(quarter)):
        for dead in publish.clean_dead_staging(request.out, request.force, str(quarter)):
            progress(f"Removed the staging folder of an interrupted build: {dead}")
        reservation = publish.reserve(
            request.out, request.force, str(quarter), reissue_reason=request.reissue
        )
        started = datetime.now(UTC)
        try:
            files = ingest.select_files(
                ingest.discover_street_files(request.police_uk, request.force), period_end
            )
        except ingest.IngestError as exc:
            raise InputError(str(exc)) from exc
        state = RunState(request, quarter, period_end, reservation, files, progress,
                         started=started, signer=signer, narrative=narrative)
        timings = _run_stages(state, STAGES if stages is None else stages)
    target = reservation.target
    folders = {run.edition.name: target / run.edition.folder for run in state.editions}
    first = state.editions[0]
    return RunResult(
        report_dir=folders[first.edition.name],
        html_index=folders[first.edition.name] / "html" / "index.html",
        pdf=folders[first.edition.name] / state.pdf_name(first.edition),
        revision_dir=target,
        editions=folders,
        timings=timings + state.section_timings,
        warnings=len(state.report.warnings()),
    )


def _narrative(request: RunRequest, quarter: Quarter) -> narrative_files.Narrative:
    """The checked narrative (before any stage: a misspelt placeholder stops the run at once);
    ``--final`` refuses an unfinished one. Its folder: ``--narrative`` or the default if any."""
    folder = request.narrative
    default = narrative_files.default_dir(request.force, str(quarter))
    if folder is None and default.is_dir():
        folder = default
    force = load_force_config(request.force)
    measured = catalogue.load_catalogue(priorities=[p.id for p in force.priorities])
    story = narrative_files.load(folder, [p.id for p in force.priorities],
                                 [m.id for m in measured])
    if request.final:
        narrative_files.refuse_unless_final(story)
    return story


def _narrative_inputs(story: narrative_files.Narrative) -> list[dict]:
    """Manifest inputs of the narrative files (verified like every input)."""
    return manifest.input_entries(story.sources, story.folder) if story.sources else []


def _run_stages(state: RunState, stages: tuple[Stage, ...]) -> list[tuple[str, float]]:
    """Run the stages in order, numbered ``[n/len(stages)]``; return each one's seconds.

    A failing stage removes the staging folder, so nothing half-built is left behind.
    """
    timings: list[tuple[str, float]] = []
    name = "starting the build"
    try:
        for number, stage in enumerate(stages, start=1):
            name = stage.title(state)
            state.progress(f"[{number}/{len(stages)}] {name} ...")
            start = time.perf_counter()
            stage.run(state)
            elapsed = time.perf_counter() - start
            timings.append((name, elapsed))
            state.progress(f"      done in {elapsed:.1f} s")
    except BaseException as exc:
        # Judged before the staging folder is removed: a full disk is still full now.
        cause = publish.output_error(exc, name[:1].lower() + name[1:], state.out)
        if state.staging is not None:
            shutil.rmtree(state.staging, ignore_errors=True)
        if cause is not None and isinstance(exc, Exception):
            raise cause from exc
        raise
    finally:
        with contextlib.suppress(OSError):
            (state.out / ".staging").rmdir()
    return timings


def run_sections(
    planned: list[Section], book_dir: Path, templates_dir: Path, progress: Progress,
    section_cache: cache.SectionCache | None = None,
    runs: dict[str, cache.SectionRun] | None = None,
) -> list[tuple[str, float]]:
    """Execute (or reuse from ``section_cache``) every section, as many at once as cores.

    Sections are independent (each reads only the run's data folder), so they run in
    parallel; a kernel's start-up and imports dominate each section's time. How each
    section came about (:class:`cache.SectionRun`) is put in ``runs``.
    """
    templates_dir.mkdir(parents=True, exist_ok=True)
    code = cache.CodeState.current() if section_cache is not None else None
    runs = {} if runs is None else runs
    timings: dict[str, float] = {}
    workers = max(1, min(len(planned), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(cache.run_section, s, book_dir, templates_dir, section_cache,
                               code): s for s in planned}
        for done_count, future in enumerate(as_completed(futures), start=1):
            section = futures[future]
            try:
                runs[section.name] = future.result()
                timings[section.name] = runs[section.name].seconds
            except Exception as exc:
                for other in futures:
                    other.cancel()
                raise ReportError(
                    f"section '{section.title}' ({section.template}) failed:\n"
                    f"{notebook_error(exc)}"
                ) from exc
            progress(f"      section {done_count}/{len(planned)} {runs[section.name].outcome}: "
                     f"{section.title} ({timings[section.name]:.1f} s)")
    return [(f"notebook {s.name}", timings[s.name]) for s in planned]


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _provenance(
    request: RunRequest,
    quarter: Quarter,
    reservation: publish.Reservation,
    inputs: list[dict],
    report: validation.ValidationReport,
    edition: Edition,
) -> dict:
    """What the audit-trail appendix shows: code, environment, inputs, validation, commands.

    Only what is the same for two builds of the same inputs and code goes here (no times,
    no absolute paths), so the appendix itself is reproducible; the manifest has the rest.
    """
    env = manifest.environment(PROJECT_ROOT / "requirements.lock")
    key = {"jupyter-book", "papermill", "great-expectations", "great_expectations", "pandas",
           "duckdb", "seaborn", "matplotlib", "nbval", "pyarrow", "numpy"}
    command = ["pcc-report", "run", "--force", request.force, "--quarter", str(quarter),
               "--police-uk", "DATA_FOLDER"]
    if request.period_end:
        command += ["--period-end", request.period_end]
    if request.returns is not None:
        command += ["--returns", "RETURNS_FOLDER"]
    if request.allow_missing:
        command += ["--allow-missing"]
    if request.narrative is not None:
        command += ["--narrative", "NARRATIVE_FOLDER"]
    command += ["--edition", edition.name, "--out", "REPORTS_FOLDER"]
    folder = f"REPORTS_FOLDER/{request.force}/{quarter}/{reservation.revision}/{edition.folder}"
    return {
        "code": manifest.code_version(PROJECT_ROOT),
        "environment": {
            "python": env["python"],
            "platform": env["platform"],
            "lock_file_sha256": env["lock_file"]["sha256"],
            "packages": [d for d in env["distributions"] if d["name"].lower() in key],
        },
        "inputs": [{k: v for k, v in entry.items() if k != "data_root"} for entry in inputs],
        "validation": {"ok": report.ok, "errors": len(report.errors()),
                       "warnings": len(report.warnings()),
                       "suites": manifest.suite_entries(report.suites)},
        "revision": reservation.manifest_entry(),
        "commands": {
            "rebuild": " ".join(command),
            "verify": f"pcc-report verify {folder} --data-root DATA_FOLDER",
            "nbval": "see README.md, 'Checking a report with nbval'",
        },
    }
