"""Build one force's quarterly report: a list of named stages over one run state.

The run is all-or-nothing. Everything is built in a staging folder beside the reports and
moved into ``<out>/<force>/<quarter>/<revision>/`` with one rename only when every stage
succeeded, so a failed run never leaves a half-built report where a complete one is
expected, and an existing report is never overwritten. Each stage in :data:`STAGES` reads
what earlier stages put in the :class:`RunState` and adds its own; the progress display
numbers them from that list.
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

from pcc_report import book, cache, execution, ingest, manifest, publish, sections, validation
from pcc_report.config import PROJECT_ROOT, ForceConfig, load_force_config
from pcc_report.context import INPUTS_FILE, PROVENANCE_FILE, TIDY_FILE
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
    edition: str = "public"  # "public" leaves restricted measures out
    reissue: str | None = None  # reason for a new revision of a published report
    use_cache: bool = True  # reuse unchanged sections (pcc_report.cache); same report either way


@dataclass
class RunResult:
    report_dir: Path
    html_index: Path
    pdf: Path
    timings: list[tuple[str, float]] = field(default_factory=list)
    warnings: int = 0


Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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
    report: validation.ValidationReport | None = None  # validate
    force: ForceConfig | None = None  # validate
    staging: Path | None = None  # validate: created only once validation passed
    inputs: list[dict] = field(default_factory=list)  # data: manifest entries of the inputs
    sections: list[Section] = field(default_factory=list)  # data: the planned sections
    section_timings: list[tuple[str, float]] = field(default_factory=list)  # sections
    section_runs: dict[str, cache.SectionRun] = field(default_factory=dict)  # sections

    @property
    def out(self) -> Path:
        return Path(self.request.out)

    @property
    def book_dir(self) -> Path:
        return self.staging / "_book"

    @property
    def pdf_name(self) -> str:
        return f"{self.request.force}-{self.quarter}.pdf"


@dataclass(frozen=True)
class Stage:
    """One named step of the build; ``title`` may use what earlier stages found."""

    title: Callable[[RunState], str]
    run: Callable[[RunState], None]


# --------------------------------------------------------------------------------------------
# The stages


def _read(state: RunState) -> None:
    """File-level checks first; only structurally sound files are read."""
    readable = []
    for file in state.files:
        found = validation.check_street_file(file.path, file.relative)
        state.file_problems += found
        if not any(p.level == "error" for p in found):
            readable.append(file)
    state.street = (
        ingest.read_street_files(readable) if readable else ingest.empty_street_table()
    )
    state.frame = state.street.to_pandas()


def _validate(state: RunState) -> None:
    """Validate the inputs; publish nothing (write the results aside) if any error is found."""
    request = state.request
    needed = [str(m) for m in required_months(report_windows(state.period_end))]
    reports = [
        validation.validate_street(
            state.frame,
            required_months=needed,
            allow_missing=request.allow_missing,
            file_problems=state.file_problems,
            expectations_dir=EXPECTATIONS_DIR,
        )
    ]
    if request.returns is not None:
        reports.append(
            validation.validate_returns(request.returns, expectations_dir=EXPECTATIONS_DIR)
        )
    report = state.report = validation.ValidationReport.combine(reports)
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
        falls_within=str(frame["Falls within"].iloc[0]) if len(frame) else None,
    )
    staging = state.out / ".staging" / name
    staging.mkdir(parents=True)
    state.staging = staging
    report.write(staging / "validation")


def _write_data(state: RunState) -> None:
    """The report's own data: monthly table, returns, inputs and provenance; plan sections."""
    request, data = state.request, state.staging / "data"
    ingest.write_parquet(ingest.tidy_monthly(state.street), data / TIDY_FILE)
    returns_used = _copy_returns(request.returns, data / "returns")
    rows = state.frame.groupby("source_file", sort=False).size()
    row_counts = {f.relative: int(rows.get(f.relative, 0)) for f in state.files}
    state.inputs = manifest.input_entries(state.files, request.police_uk, row_counts)
    if request.returns is not None:
        state.inputs += manifest.input_entries(
            [Path(request.returns) / name for name in returns_used], request.returns
        )
    _write_json(data / INPUTS_FILE, {
        "falls_within": state.force.name,
        "files": [{"file": f.relative, "month": f.month, "rows": row_counts[f.relative]}
                  for f in state.files],
        "returns": returns_used,
    })
    _write_json(data / PROVENANCE_FILE, _provenance(
        request, state.quarter, state.reservation, state.inputs, state.report))
    state.sections = sections.plan(state.force, {
        "force": request.force,
        "quarter": str(state.quarter),
        "period_end": str(state.period_end),
        "data_dir": "../data",
        "incomplete_months": list(state.report.incomplete_months),
        "meeting": request.meeting,
        "edition": request.edition,
    })


def _run_sections(state: RunState) -> None:
    state.book_dir.mkdir()
    section_cache = cache.SectionCache(cache.cache_dir(state.out)) if state.request.use_cache \
        else None
    state.section_timings = run_sections(
        state.sections, state.book_dir, state.staging / ".templates", state.progress,
        section_cache, state.section_runs,
    )


def _build_book(state: RunState) -> None:
    book.assemble(state.book_dir, state.sections, state.force, state.quarter,
                  state.request.meeting, state.reservation)
    book.build(state.book_dir, state.staging, state.pdf_name)


def _collect(state: RunState) -> None:
    """The executed notebooks and figures into the report; the book's working files out."""
    staging, book_dir = state.staging, state.book_dir
    (staging / "notebooks").mkdir()
    for section in state.sections:
        shutil.copy(book_dir / f"{section.name}.ipynb", staging / "notebooks")
    if (book_dir / "figures").is_dir():
        shutil.copytree(book_dir / "figures", staging / "figures")
    shutil.rmtree(book_dir)
    shutil.rmtree(staging / ".templates")


def _write_manifest(state: RunState) -> None:
    seconds = {name.removeprefix("notebook "): t for name, t in state.section_timings}
    manifest.write_manifest(
        state.staging,
        run=manifest.run_record(state.run_id, state.started, datetime.now(UTC)),
        inputs=state.inputs,
        suites=manifest.suite_entries(state.report.suites),
        validation_ok=state.report.ok,
        notebooks=manifest.notebook_entries(
            state.sections, seconds, execution.NOTEBOOKS_DIR, state.staging,
            cache={name: run.manifest_entry() for name, run in state.section_runs.items()},
        ),
        revision=state.reservation.manifest_entry(),
        nondeterministic=manifest.NONDETERMINISTIC,
    )


def _publish(state: RunState) -> None:
    publish.publish(state.staging, state.reservation.target)


STAGES: tuple[Stage, ...] = (
    Stage(lambda s: f"Reading {len(s.files)} police.uk files for {s.request.force}", _read),
    Stage(lambda s: "Validating inputs", _validate),
    Stage(lambda s: "Building the monthly table", _write_data),
    Stage(lambda s: f"Running {len(s.sections)} report sections", _run_sections),
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
    if request.edition not in ("public", "restricted"):
        raise InputError(f"edition must be public or restricted, not {request.edition!r}")
    if request.returns is not None and not Path(request.returns).is_dir():
        raise InputError(f"force returns folder not found: {request.returns}")
    with build_environment(), publish.lock(request.out, request.force, str(quarter)):
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
                         started=started)
        timings = _run_stages(state, STAGES if stages is None else stages)
    target = reservation.target
    return RunResult(
        report_dir=target,
        html_index=target / "html" / "index.html",
        pdf=target / state.pdf_name,
        timings=timings + state.section_timings,
        warnings=len(state.report.warnings()),
    )


def _run_stages(state: RunState, stages: tuple[Stage, ...]) -> list[tuple[str, float]]:
    """Run the stages in order, numbered ``[n/len(stages)]``; return each one's seconds.

    A failing stage removes the staging folder, so nothing half-built is left behind.
    """
    timings: list[tuple[str, float]] = []
    try:
        for number, stage in enumerate(stages, start=1):
            name = stage.title(state)
            state.progress(f"[{number}/{len(stages)}] {name} ...")
            start = time.perf_counter()
            stage.run(state)
            elapsed = time.perf_counter() - start
            timings.append((name, elapsed))
            state.progress(f"      done in {elapsed:.1f} s")
    except BaseException:
        if state.staging is not None:
            shutil.rmtree(state.staging, ignore_errors=True)
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


def _copy_returns(source: Path | None, target: Path) -> list[str]:
    """Copy the validated force returns into the report so its sections read only its own data.

    Only known returns are copied: an unknown file was reported as ignored by validation.
    """
    target.mkdir(parents=True)
    if source is None:
        return []
    names = [f"{name}.csv" for name in RETURNS if (Path(source) / f"{name}.csv").is_file()]
    for name in names:
        shutil.copy(Path(source) / name, target / name)
    return names


def _write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _provenance(
    request: RunRequest,
    quarter: Quarter,
    reservation: publish.Reservation,
    inputs: list[dict],
    report: validation.ValidationReport,
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
    command += ["--edition", request.edition, "--out", "REPORTS_FOLDER"]
    folder = f"REPORTS_FOLDER/{request.force}/{quarter}/{reservation.revision}"
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
