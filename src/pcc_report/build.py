"""Build one force's quarterly report: ingest, validate, run the sections, publish the book.

The run is all-or-nothing. Everything is built in a staging folder beside the reports and
moved into ``<out>/<force>/<quarter>/`` with one rename only when every stage succeeded,
so a failed run never leaves a half-built report where a complete one is expected, and an
existing report is never overwritten.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from pcc_report import audit, ingest, publish, validation
from pcc_report.config import PROJECT_ROOT, ForceConfig, load_force_config
from pcc_report.context import INPUTS_FILE, PROVENANCE_FILE, TIDY_FILE
from pcc_report.errors import InputError, ReportError, ValidationFailed
from pcc_report.periods import Month, Quarter, report_windows, required_months, resolve_period_end
from pcc_report.returns import RETURNS

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
BOOK_DIR = PROJECT_ROOT / "book"
BOOK_CONFIG = PROJECT_ROOT / "_config.yml"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"

# Environment for every child process (kernels, Sphinx, LaTeX): no analytics, no GUI,
# fixed hashing and timestamps so that two builds write the same bytes.
BUILD_ENV = {
    "GX_ANALYTICS_ENABLED": "false",
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
    "SOURCE_DATE_EPOCH": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


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


@dataclass(frozen=True)
class Section:
    """One executed notebook: the template it comes from and the parameters it gets."""

    name: str  # file stem in the book, e.g. "priority-tackle-crime"
    template: str  # file name in notebooks/
    title: str
    parameters: dict
    part: str  # "main" or "appendix"


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


class _Stages:
    """Prints each stage as it starts and records how long it took."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.total = total
        self.number = 0
        self.timings: list[tuple[str, float]] = []

    def run(self, name: str, func: Callable, *args, **kwargs):  # noqa: ANN002, ANN003
        self.number += 1
        self.progress(f"[{self.number}/{self.total}] {name} ...")
        start = time.perf_counter()
        result = func(*args, **kwargs)
        elapsed = time.perf_counter() - start
        self.timings.append((name, elapsed))
        self.progress(f"      done in {elapsed:.1f} s")
        return result


def plan_sections(force: ForceConfig, params: dict) -> list[Section]:
    """The book's sections in order; one priority template runs once per plan priority."""

    def section(name: str, template: str, title: str, part: str = "main") -> Section:
        return Section(name, template, title, params, part)

    sections = [
        section("front-sheet", "front_sheet.ipynb", "Front sheet and headlines"),
        section("performance", "performance.ipynb", "Part 2: performance against the plan"),
        section("dashboard", "dashboard.ipynb", "Performance dashboard"),
        section("recorded-crime", "recorded_crime.ipynb", "Recorded crime"),
    ]
    for priority in force.priorities:
        sections.append(
            Section(
                f"priority-{priority.id}",
                "priority.ipynb",
                f"Priority: {priority.title}",
                {**params, "priority_id": priority.id},
                "main",
            )
        )
    return sections + [
        section("districts", "districts.ipynb", "Districts"),
        section("outcomes", "outcomes.ipynb", "Outcomes"),
        section("definitions", "definitions.ipynb", "Measure definitions", "appendix"),
        section("data-quality", "data_quality.ipynb", "Data quality and validation", "appendix"),
        section("audit-trail", "audit_trail.ipynb", "Audit trail", "appendix"),
    ]


def _title_cell(template: Path, title: str) -> dict:
    """Load a template and put the section's title in its first heading.

    Headings must be Markdown cells (not outputs) to become sections in the book, so
    the title is written into the notebook before execution, never evaluated.
    """
    from pcc_report.present import md_escape

    nb = json.loads(template.read_text(encoding="utf-8"))
    first = nb["cells"][0]
    source = "".join(first["source"])
    first["source"] = source.replace("{title}", md_escape(title))
    return nb


def execute_section(
    section: Section,
    book_dir: Path,
    templates_dir: Path,
    *,
    notebooks_dir: Path | None = None,
    scrub_output: bool = True,
) -> float:
    """Run one section with papermill, its kernel started in ``book_dir``; return seconds.

    The kernel's working folder is given to nbclient (``resources.metadata.path``) rather
    than papermill's ``cwd=``, which changes the whole process's folder: sections run in
    parallel threads would race for it. The executed notebook is scrubbed of volatile
    metadata (times, paths) so that two builds write identical bytes. The kernel's own
    start-up chatter is silenced; anything a cell prints or raises is still captured in the
    executed notebook and fails the run.
    """
    import papermill as pm

    start = time.perf_counter()
    staged_input = Path(templates_dir) / f"{section.name}.ipynb"
    staged_input.write_text(
        json.dumps(
            _title_cell(Path(notebooks_dir or NOTEBOOKS_DIR) / section.template, section.title),
            indent=1,
        ),
        encoding="utf-8",
    )
    output = Path(book_dir) / f"{section.name}.ipynb"
    pm.execute_notebook(
        str(staged_input),
        str(output),
        parameters=section.parameters,
        kernel_name="python3",
        progress_bar=False,
        report_mode=False,
        log_output=False,
        extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        resources={"metadata": {"path": str(Path(book_dir).absolute())}},
    )
    if scrub_output:
        audit.scrub_notebook(output)
    return time.perf_counter() - start


def run_sections(
    sections: list[Section], book_dir: Path, templates_dir: Path, progress: Progress
) -> list[tuple[str, float]]:
    """Execute every section, as many at once as the machine has cores.

    Sections are independent (each reads only the run's data folder), so they run in
    parallel; a kernel's start-up and imports dominate each section's time.
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    templates_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    workers = max(1, min(len(sections), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(execute_section, s, book_dir, templates_dir): s for s in sections}
        for done_count, future in enumerate(as_completed(futures), start=1):
            section = futures[future]
            try:
                timings[section.name] = future.result()
            except Exception as exc:
                for other in futures:
                    other.cancel()
                raise ReportError(
                    f"section '{section.title}' ({section.template}) failed:\n"
                    f"{_notebook_error(exc)}"
                ) from exc
            progress(f"      section {done_count}/{len(sections)} done: {section.title} "
                     f"({timings[section.name]:.1f} s)")
    return [(f"notebook {s.name}", timings[s.name]) for s in sections]


def _notebook_error(exc: Exception) -> str:
    """The useful last lines of a papermill failure (the cell's exception)."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return "\n".join(lines[-12:])


def _book_config(
    force: ForceConfig, quarter: Quarter, meeting: str | None, reservation: publish.Reservation
) -> dict:
    config = yaml.safe_load(BOOK_CONFIG.read_text(encoding="utf-8"))
    title = f"{force.name}: performance report, {quarter.title}"
    if force.demonstration:
        title += " (demonstration data)"
    if reservation.replaces:
        title += f", revised ({reservation.revision})"
    config["title"] = title
    config["author"] = f"Report of the {force.report_of}"
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["today"] = f"{force.panel}: meeting {meeting or 'date to be confirmed'}"
    sphinx_config["html_title"] = title
    return config


def _toc(sections: list[Section], static_pages: list[str]) -> dict:
    main = [{"file": s.name} for s in sections[1:] if s.part == "main"]
    appendix = [{"file": s.name} for s in sections if s.part == "appendix"]
    appendix += [{"file": page} for page in static_pages]
    return {
        "format": "jb-book",
        "root": sections[0].name,
        "parts": [
            {"caption": "Performance", "chapters": main},
            {"caption": "Appendices", "chapters": appendix},
        ],
    }


def _jupyter_book(book_dir: Path, builder: str) -> None:
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(book_dir),
               "--builder", builder, "--warningiserror", "--keep-going"]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **BUILD_ENV})
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
        raise ReportError(f"jupyter-book {builder} build failed:\n{tail}")


def _build_book(book_dir: Path, staging: Path, pdf_name: str) -> None:
    _jupyter_book(book_dir, "html")
    shutil.move(book_dir / "_build" / "html", staging / "html")
    _jupyter_book(book_dir, "pdflatex")
    pdfs = sorted((book_dir / "_build" / "latex").glob("*.pdf"))
    if not pdfs:
        raise ReportError("the PDF build produced no PDF")
    shutil.move(pdfs[0], staging / pdf_name)


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


def run_report(request: RunRequest, progress: Progress = _stderr) -> RunResult:
    """Build the report; raise a :class:`pcc_report.errors.ReportError` with a clear message.

    One build of a force and quarter runs at a time (a lock); the revision is chosen
    before any work (``r1``, or the next one for a reissue) and checked again at publish.
    """
    os.environ.update(BUILD_ENV)
    try:
        quarter = Quarter.parse(request.quarter)
        period_end = resolve_period_end(quarter, request.period_end)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if request.edition not in ("public", "restricted"):
        raise InputError(f"edition must be public or restricted, not {request.edition!r}")
    if request.returns is not None and not Path(request.returns).is_dir():
        raise InputError(f"force returns folder not found: {request.returns}")
    with publish.lock(request.out, request.force, str(quarter)):
        reservation = publish.reserve(
            request.out, request.force, str(quarter), reissue_reason=request.reissue
        )
        return _build(request, quarter, period_end, reservation, progress)


def _build(
    request: RunRequest,
    quarter: Quarter,
    period_end: Month,
    reservation: publish.Reservation,
    progress: Progress,
) -> RunResult:
    started = datetime.now(UTC)
    needed = [str(m) for m in required_months(report_windows(period_end))]
    stages = _Stages(progress, 8)
    try:
        files = ingest.select_files(
            ingest.discover_street_files(request.police_uk, request.force), period_end
        )
    except ingest.IngestError as exc:
        raise InputError(str(exc)) from exc

    def read_and_check():
        """File-level checks first; only structurally sound files are read."""
        problems, readable = [], []
        for file in files:
            found = validation.check_street_file(file.path, file.relative)
            problems += found
            if not any(p.level == "error" for p in found):
                readable.append(file)
        table = ingest.read_street_files(readable) if readable else ingest.empty_street_table()
        return problems, table

    file_problems, street = stages.run(
        f"Reading {len(files)} police.uk files for {request.force}", read_and_check
    )
    frame = street.to_pandas()

    def validate() -> validation.ValidationReport:
        reports = [
            validation.validate_street(
                frame,
                required_months=needed,
                allow_missing=request.allow_missing,
                file_problems=file_problems,
                expectations_dir=EXPECTATIONS_DIR,
            )
        ]
        if request.returns is not None:
            reports.append(
                validation.validate_returns(request.returns, expectations_dir=EXPECTATIONS_DIR)
            )
        return validation.ValidationReport.combine(reports)

    report = stages.run("Validating inputs", validate)
    out = Path(request.out)
    run_id = uuid.uuid4().hex[:12]
    if not report.ok:
        failed = out / "failed-validation" / f"{request.force}-{quarter}-{run_id}"
        report.write(failed)
        raise ValidationFailed(
            f"validation failed for {request.force} {quarter}: nothing was published.\n"
            f"{report.format_errors()}\n"
            f"Full results: {failed / 'validation.html'}"
        )

    force = load_force_config(
        request.force,
        falls_within=str(frame["Falls within"].iloc[0]) if len(frame) else None,
    )
    staging = out / ".staging" / f"{request.force}-{quarter}-{run_id}"
    book_dir = staging / "_book"
    try:
        staging.mkdir(parents=True)
        report.write(staging / "validation")
        tidy = stages.run("Building the monthly table", ingest.tidy_monthly, street)
        ingest.write_parquet(tidy, staging / "data" / TIDY_FILE)
        returns_used = _copy_returns(request.returns, staging / "data" / "returns")
        rows = frame.groupby("source_file", sort=False).size()
        row_counts = {f.relative: int(rows.get(f.relative, 0)) for f in files}
        inputs = audit.input_entries(files, request.police_uk, row_counts)
        if request.returns is not None:
            inputs += audit.input_entries(
                [Path(request.returns) / name for name in returns_used], request.returns
            )
        _write_json(staging / "data" / INPUTS_FILE, {
            "falls_within": force.name,
            "files": [{"file": f.relative, "month": f.month, "rows": row_counts[f.relative]}
                      for f in files],
            "returns": returns_used,
        })
        _write_json(staging / "data" / PROVENANCE_FILE, _provenance(
            request, quarter, reservation, inputs, report))

        params = {
            "force": request.force,
            "quarter": str(quarter),
            "period_end": str(period_end),
            "data_dir": "../data",
            "incomplete_months": list(report.incomplete_months),
            "meeting": request.meeting,
            "edition": request.edition,
        }
        sections = plan_sections(force, params)
        book_dir.mkdir()
        section_timings = stages.run(
            f"Running {len(sections)} report sections", run_sections,
            sections, book_dir, staging / ".templates", progress,
        )
        _assemble_book(book_dir, sections, force, quarter, request.meeting, reservation)
        pdf_name = f"{request.force}-{quarter}.pdf"
        stages.run("Building the book (HTML and PDF)", _build_book, book_dir, staging, pdf_name)

        def collect() -> None:
            (staging / "notebooks").mkdir()
            for section in sections:
                shutil.copy(book_dir / f"{section.name}.ipynb", staging / "notebooks")
            if (book_dir / "figures").is_dir():
                shutil.copytree(book_dir / "figures", staging / "figures")
            shutil.rmtree(book_dir)
            shutil.rmtree(staging / ".templates")

        stages.run("Collecting outputs", collect)

        def write_manifest() -> None:
            seconds = {name.removeprefix("notebook "): t for name, t in section_timings}
            audit.write_manifest(
                staging,
                run=audit.run_record(run_id, started, datetime.now(UTC)),
                inputs=inputs,
                suites=audit.suite_entries(report.suites),
                validation_ok=report.ok,
                notebooks=audit.notebook_entries(sections, seconds, NOTEBOOKS_DIR, staging),
                revision=reservation.manifest_entry(),
                nondeterministic=audit.NONDETERMINISTIC,
            )

        stages.run("Writing the manifest", write_manifest)
        stages.run("Publishing", publish.publish, staging, reservation.target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        try:
            (out / ".staging").rmdir()
        except OSError:
            pass
    target = reservation.target
    return RunResult(
        report_dir=target,
        html_index=target / "html" / "index.html",
        pdf=target / pdf_name,
        timings=stages.timings + section_timings,
        warnings=len(report.warnings()),
    )


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
    env = audit.environment(PROJECT_ROOT / "requirements.lock")
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
        "code": audit.code_version(PROJECT_ROOT),
        "environment": {
            "python": env["python"],
            "platform": env["platform"],
            "lock_file_sha256": env["lock_file"]["sha256"],
            "packages": [d for d in env["distributions"] if d["name"].lower() in key],
        },
        "inputs": [{k: v for k, v in entry.items() if k != "data_root"} for entry in inputs],
        "validation": {"ok": report.ok, "errors": len(report.errors()),
                       "warnings": len(report.warnings()),
                       "suites": audit.suite_entries(report.suites)},
        "revision": reservation.manifest_entry(),
        "commands": {
            "rebuild": " ".join(command),
            "verify": f"pcc-report verify {folder} --data-root DATA_FOLDER",
            "nbval": "see README.md, 'Checking a report with nbval'",
        },
    }


def _assemble_book(
    book_dir: Path,
    sections: list[Section],
    force: ForceConfig,
    quarter: Quarter,
    meeting: str | None,
    reservation: publish.Reservation,
) -> None:
    """Static pages, configuration and table of contents beside the executed notebooks."""
    static_pages = []
    for page in sorted(BOOK_DIR.glob("*.md")):
        shutil.copy(page, book_dir / page.name)
        static_pages.append(page.stem)
    config = _book_config(force, quarter, meeting, reservation)
    (book_dir / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False),
                                          encoding="utf-8")
    (book_dir / "_toc.yml").write_text(
        yaml.safe_dump(_toc(sections, static_pages), sort_keys=False), encoding="utf-8"
    )
    for extra in ("_static", "_templates"):
        if (BOOK_DIR / extra).is_dir():
            shutil.copytree(BOOK_DIR / extra, book_dir / extra)
