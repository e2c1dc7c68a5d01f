"""Every force at once: ``pcc-report run-all`` builds each force's quarter in its own process.

A national body (or a region's OPCCs together) builds the same quarter for many forces. Each
force is exactly ``pcc-report run`` on its own folder (``ROOT/<force>/``, the layout of
data.police.uk's per-force downloads) or, when ROOT is a zip archive of several forces (as
data.police.uk's custom download makes), on that archive, read in place for each force (each
report records the archive whole as its input, as ``run`` on the zip does). Each is executed
as a separate process by :func:`build_force`: so each report is byte-identical to building
that force alone, a force that fails (bad data, validation, an existing report) stops only
itself, and the builds share nothing but the reports folder and its section cache. Locally
the forces run ``jobs`` at a time (default: one per core); with ``--dask-scheduler`` each
force is one task on a Dask distributed cluster, whose workers need the project and the data
at the same paths (e.g. a shared file system).

Locally each force's process is forked from a warm one (:func:`build_force_warm`): a
``multiprocessing`` fork server that has already imported the build (Great Expectations,
pandas and the package, about 4 s of imports a force), so a force's process is still new and
its own, as ``pcc-report run`` is, but starts ready. Dask workers run :func:`build_force`,
a ``pcc-report run`` child process (their worker processes are daemons and cannot fork one).
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from pcc_report import ingest, kernels
from pcc_report.errors import InputError
from pcc_report.police_uk import STREET_FILE_NAME

#: What each ``pcc-report run`` exit code means (pcc_report.errors), for the summary table.
OUTCOMES = {0: "built", 1: "build failed", 2: "unusable inputs", 3: "validation failed",
            4: "refused: already published", 5: "refused: build running"}

Progress = Callable[[str, str], None]  # (force, latest progress line)

#: What the warm fork server imports before it forks a force's process: what ``pcc-report
#: run`` imports (the command line imports the build only when it runs; validation imports
#: Great Expectations only when it validates; a section's run imports papermill, with
#: nbclient and jupyter_client; the book's LaTeX preamble Sphinx's escaping).
PRELOAD = ["pcc_report.cli", "pcc_report.build", "great_expectations",
           "great_expectations.data_context.types.base",
           "great_expectations.execution_engine.pandas_execution_engine", "papermill",
           "sphinx.util.texescape"]


@dataclass(frozen=True)
class ForceResult:
    """One force's build, as the summary table shows it."""

    force: str
    exit_code: int
    warnings: int
    seconds: float
    report: str | None  # the published report folder, when built
    peak_rss_mb: float  # largest resident memory of any process of this force's build
    last_line: str  # the build's last message (the reason, when it failed)

    @property
    def outcome(self) -> str:
        return OUTCOMES.get(self.exit_code, f"failed (exit {self.exit_code})")


def archive_forces(archive: Path) -> list[str]:
    """The forces with a street file in a zip archive (from the files' names)."""
    import zipfile

    try:
        with zipfile.ZipFile(archive) as opened:
            names = opened.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"cannot read the zip archive {archive}: {exc}") from exc
    matches = (STREET_FILE_NAME.match(name.rsplit("/", 1)[-1]) for name in names)
    return sorted({m["force"] for m in matches if m})


def force_folders(root: Path, only: Iterable[str] | None = None) -> list[str]:
    """The forces to build: every folder under ``root`` (or every force with street files in
    the zip ``root``), or those of ``only`` (checked)."""
    root = Path(root)
    if ingest.is_archive(root):
        found = archive_forces(root)
    elif not root.is_dir():
        raise InputError(f"police.uk folder not found: {root}")
    else:
        found = sorted(p.name for p in root.iterdir()
                       if p.is_dir() and not p.name.startswith("."))
    if only is None:
        return found
    wanted = [f.strip() for f in only if f.strip()]
    unknown = [f for f in wanted if f not in found]
    if unknown:
        raise InputError(f"no folder under {root} for: {', '.join(unknown)}")
    return wanted


def run_arguments(force: str, root: Path, options: list[str]) -> list[str]:
    """The ``pcc-report run`` arguments of one force: its folder (or the zip archive holding
    every force), then the shared options."""
    source = Path(root).absolute() if ingest.is_archive(root) else Path(root).absolute() / force
    return ["run", "--force", force, "--police-uk", str(source), *options]


def input_bytes(force: str, arguments: list[str]) -> int:
    """The size of a force's police.uk street files, in its folder or in the zip every force
    is read from (0 when unreadable: the build itself says why)."""
    source = Path(arguments[arguments.index("--police-uk") + 1])

    def ours(name: str) -> bool:
        match = STREET_FILE_NAME.match(name.rsplit("/", 1)[-1])
        return bool(match) and match["force"] == force

    try:
        if ingest.is_archive(source):
            import zipfile

            with zipfile.ZipFile(source) as opened:
                return sum(i.file_size for i in opened.infolist() if ours(i.filename))
        return sum(p.stat().st_size for p in source.rglob("*") if p.is_file() and ours(p.name))
    except (OSError, ValueError):
        return 0


def largest_first(jobs: dict[str, list[str]]) -> list[str]:
    """The forces in the order to start them: the most police.uk data first.

    The longest builds start first, so the last force to finish is a short one and the run
    does not end with one long build on one core while the others idle (the "longest
    processing time first" rule); ties in force order.
    """
    sizes = {force: input_bytes(force, arguments) for force, arguments in jobs.items()}
    position = {force: i for i, force in enumerate(jobs)}
    return sorted(jobs, key=lambda force: (-sizes[force], position[force]))


def build_force(force: str, arguments: list[str], progress: Progress | None = None,
                environment: dict[str, str] | None = None) -> ForceResult:
    """Run ``pcc-report run`` for one force in a new child process; never raises for its failure.

    Peak memory is the child's ``ru_maxrss`` from ``wait4``, which Linux takes over the child
    and every process it waited for (kernels, Sphinx), i.e. the largest single process.
    """
    start = time.perf_counter()
    env = {**os.environ, **(environment or {})}
    child = subprocess.Popen([sys.executable, "-m", "pcc_report.cli", *arguments],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    stdout, last = _follow(force, child.stdout, child.stderr, progress)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = code = os.waitstatus_to_exitcode(status)
    return _result(force, code, stdout, last, start, usage.ru_maxrss)


def _follow(force: str, stdout: IO[str], stderr: IO[str], progress: Progress | None
            ) -> tuple[str, str]:
    """A force's summary (all of stdout) and its last progress line (stderr, passed on line
    by line as it comes)."""
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(stdout.read()), daemon=True)
    reader.start()
    last = ""
    for line in stderr:
        if line.strip():
            last = line.strip()
            if progress is not None:
                progress(force, last)
    reader.join()
    return "".join(out), last


def _result(force: str, code: int, stdout: str, last: str, start: float, peak_kb: int
            ) -> ForceResult:
    folder = re.search(r"^\s*revision:\s*(.+)$", stdout, re.MULTILINE)
    warned = re.search(r"with (\d+) validation warning", stdout)
    return ForceResult(
        force=force,
        exit_code=code,
        warnings=int(warned.group(1)) if warned else 0,
        seconds=round(time.perf_counter() - start, 1),
        report=folder.group(1).strip() if folder and code == 0 else None,
        peak_rss_mb=round(peak_kb / 1024, 1),
        last_line=last.removeprefix("pcc-report: "),
    )


@functools.cache
def _warm_context() -> multiprocessing.context.BaseContext:
    """The fork server's context, the server started in the build environment (as a force's
    ``run`` sets it: one BLAS thread, no pyarrow purging thread), so its imports start no
    threads and it forks from a single-threaded process."""
    from multiprocessing import forkserver

    from pcc_report.execution import BUILD_ENV

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    saved = dict(os.environ)
    os.environ.update(BUILD_ENV)
    try:
        forkserver.ensure_running()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return context


Command = Callable[[list[str]], int]  # the command line's entry point (pcc_report.cli.main)


def _run_in_child(command: Command, arguments: list[str], servers: dict[str, str],
                  stdout, stderr, usage) -> None:  # noqa: ANN001
    """A force's build in a process forked from the warm server: ``pcc-report run`` itself.

    Its standard output and error (and so those of its kernels and Sphinx) go to the pipes
    the parent reads, as a ``pcc-report run`` child's do; its exit code is the command's.
    """
    os.dup2(stdout.fileno(), 1)
    os.dup2(stderr.fileno(), 2)
    stdout.close()
    stderr.close()
    sys.argv = ["pcc-report", *arguments]  # the manifest's run record: this force's command
    os.environ.update(servers)
    try:
        code = command(arguments)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code if isinstance(exc.code, int) else 2
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        usage.send(max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                       resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
        usage.close()
    sys.exit(code)


def build_force_warm(force: str, arguments: list[str], command: Command,
                     progress: Progress | None = None, servers: dict[str, str] | None = None
                     ) -> ForceResult:
    """:func:`build_force`, the process forked from the warm server instead of started anew.

    ``command`` is the command line's entry point (passed in: this module is below the
    command line). The same command in a new process of its own, so the report is the same;
    only the imports are already done. ``servers``: the environment naming run-all's shared
    kernel and book servers (:func:`shared_servers`); without them the force starts its own
    kernel server and book child. Peak memory: the largest
    of the force's process and the processes it waited for (kernels, Sphinx), as the child
    measures it before it exits.
    """
    start = time.perf_counter()
    context = _warm_context()
    pipes = [context.Pipe(duplex=False) for _ in range(3)]
    child = context.Process(target=_run_in_child,
                            args=(command, arguments, servers or {},
                                  *(write for _, write in pipes)),
                            daemon=False)
    child.start()
    for _, write in pipes:
        write.close()
    (out_read, _), (err_read, _), (usage_read, _) = pipes
    with open(out_read.fileno(), encoding="utf-8", errors="replace", closefd=False) as stdout, \
            open(err_read.fileno(), encoding="utf-8", errors="replace", closefd=False) as stderr:
        summary, last = _follow(force, stdout, stderr, progress)
    try:
        peak_kb = usage_read.recv()
    except EOFError:  # the process died before it could say (killed, out of memory)
        peak_kb = 0
    child.join()
    for read, _ in pipes:
        read.close()
    code = child.exitcode if child.exitcode is not None else 1
    if code < 0:
        last = last or f"killed by signal {-code}"
    return _result(force, code, summary, last, start, peak_kb)


@contextlib.contextmanager
def shared_servers() -> Iterator[dict[str, str]]:
    """run-all's fork servers, shared by every force: the environment that names them.

    One kernel fork server (:class:`pcc_report.kernels.SharedServer`) and one book server
    (:data:`pcc_report.kernels.SHARED_BOOK_SERVER`, whose children build a force's book
    without importing Sphinx and the extensions again), both started in the build environment
    as each force's build would start its own, so what they fork is what the build would
    have had. One that cannot serve is left out (the forces start their own). Stopped when
    the block ends.
    """
    from pcc_report.book import book_extensions
    from pcc_report.execution import BUILD_ENV, NOTEBOOKS_DIR

    if kernels.supported() is not None:
        yield {}
        return
    saved = dict(os.environ)
    os.environ.update(BUILD_ENV)
    try:
        started = {
            kernels.SHARED_SERVER: kernels.ForkServer.start(lambda _line: None, NOTEBOOKS_DIR),
            kernels.SHARED_BOOK_SERVER: kernels.ForkServer.start(
                lambda _line: None, book_extensions=book_extensions()),
        }
    finally:
        os.environ.clear()
        os.environ.update(saved)
    try:
        yield {name: server.address for name, server in started.items() if server.ready()}
    finally:
        for server in started.values():
            server.stop()


def run_local(jobs: dict[str, list[str]], workers: int, command: Command,
              progress: Progress | None = None) -> list[ForceResult]:
    """Build every force, ``workers`` processes at a time, each forked from the warm server
    (:func:`build_force_warm`), the largest first (:func:`largest_first`); results in force
    order."""
    results: dict[str, ForceResult] = {}
    _warm_context()  # its imports run while the shared servers import theirs
    with shared_servers() as servers, ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(build_force_warm, force, jobs[force], command, progress,
                               servers): force
                   for force in largest_first(jobs)}
        for future in as_completed(futures):
            result = future.result()
            results[result.force] = result
            if progress is not None:
                progress(result.force, f"{result.outcome} in {result.seconds:.0f} s")
    return [results[force] for force in jobs]


def run_dask(jobs: dict[str, list[str]], scheduler: str, progress: Progress | None = None
             ) -> list[ForceResult]:
    """Send each force to a Dask distributed cluster as one task; results in force order.

    The workers run :func:`build_force` with the same arguments (absolute paths), so they
    need the project installed and the data and reports folders at the same paths.
    """
    from distributed import Client
    from distributed import as_completed as dask_completed

    environment = {key: os.environ[key] for key in ("PYTHONPATH",) if key in os.environ}
    results: dict[str, ForceResult] = {}
    with Client(scheduler) as client:
        futures = {client.submit(build_force, force, jobs[force], None, environment,
                                 pure=False,
                                 key=f"pcc-report-{force}-{os.getpid()}-{time.time_ns()}"): force
                   for force in largest_first(jobs)}
        if progress is not None:
            for force in jobs:
                progress(force, f"sent to {scheduler}")
        for future in dask_completed(futures):
            result = future.result()
            results[result.force] = result
            if progress is not None:
                progress(result.force, f"{result.outcome} in {result.seconds:.0f} s")
    return [results[force] for force in jobs]


class Board:
    """One live progress line per force: redrawn in place on a terminal, else appended."""

    def __init__(self, forces: list[str], stream=sys.stderr) -> None:  # noqa: ANN001
        self.forces, self.stream = forces, stream
        self.lines = {force: "waiting" for force in forces}
        self.width = max((len(f) for f in forces), default=0)
        self.live = hasattr(stream, "isatty") and stream.isatty()
        self.lock = threading.Lock()
        self.drawn = False

    def update(self, force: str, message: str) -> None:
        with self.lock:
            self.lines[force] = message
            if not self.live:
                print(f"{force:<{self.width}}  {message}", file=self.stream, flush=True)
                return
            if self.drawn:
                self.stream.write(f"\x1b[{len(self.forces)}F")
            for name in self.forces:
                self.stream.write(f"\x1b[2K{name:<{self.width}}  {self.lines[name][:100]}\n")
            self.stream.flush()
            self.drawn = True


def summary_table(results: list[ForceResult]) -> str:
    """The closing table: force, outcome, exit code, warnings, seconds, report path."""
    header = ("force", "outcome", "exit", "warnings", "seconds", "report")
    rows = [header] + [
        (r.force, r.outcome, str(r.exit_code), str(r.warnings), f"{r.seconds:.1f}",
         r.report or r.last_line[:80])
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True))
             + "  " + row[-1] for row in rows]
    built = sum(r.exit_code == 0 for r in results)
    lines.append(f"{built} of {len(results)} forces built")
    return "\n".join(lines)


def as_records(results: list[ForceResult]) -> list[dict]:
    return [{**asdict(r), "outcome": r.outcome} for r in results]
