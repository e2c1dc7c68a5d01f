"""Executing one section notebook reproducibly: the build environment, the run, the scrub.

The build and the auditor's re-execution (:mod:`pcc_report.verify`) must run a section the
same way, or re-execution would prove nothing; so both call :func:`execute_section` here, in
the environment :func:`build_environment` sets. Executed notebooks are scrubbed of run times
and staging paths (:func:`scrub_notebook`) so that two builds of the same inputs by the same
code give byte-identical notebooks.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pcc_report import kernels
from pcc_report.config import PROJECT_ROOT
from pcc_report.errors import ReportError
from pcc_report.present import md_escape

NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"

# Environment for every child process (kernels, Sphinx, LaTeX): no analytics, no GUI,
# fixed hashing and timestamps so that two builds write the same bytes.
BUILD_ENV = {
    "GX_ANALYTICS_ENABLED": "false",
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
    "SOURCE_DATE_EPOCH": "0",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    # No thread started by imports: the kernel fork server (kernels.py) must be single-threaded
    # when it forks. One BLAS/OpenMP thread per process (forces built in parallel would
    # oversubscribe the cores anyway), and no jemalloc purging thread in pyarrow (which pandas
    # imports); neither changes a result.
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}

#: Seconds a kernel may take to start, and one cell to run, before the section fails (a hung
#: kernel must fail its section with a message, never stall the build).
START_TIMEOUT = 60
EXECUTION_TIMEOUT = 600

#: The cell id given to papermill's injected-parameters cell (papermill makes a random one).
INJECTED_CELL_ID = "injected-parameters"


@contextlib.contextmanager
def build_environment(progress: Callable[[str], None] | None = None) -> Iterator[None]:
    """:data:`BUILD_ENV` in this process's environment for the ``with`` block, then restored.

    The one way the build environment reaches child processes: kernels (started by
    papermill's threads), jupyter-book with Sphinx and pdflatex, nbval all inherit the
    process environment, so setting it here covers every one of them, for a build and for
    verify's re-execution alike. The kernel fork server (:mod:`pcc_report.kernels`) is
    started here, in that environment, and stopped at the end of the block; ``progress``
    hears once if it cannot run.
    """
    saved = {key: os.environ.get(key) for key in BUILD_ENV}
    os.environ.update(BUILD_ENV)
    try:
        with kernels.serving(progress, NOTEBOOKS_DIR):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@dataclass(frozen=True)
class Section:
    """One executed notebook: the template it comes from and the parameters it gets."""

    name: str  # file stem in the book, e.g. "priority-tackle-crime"
    template: str  # file name in notebooks/
    title: str
    parameters: dict
    part: str  # "main" or "appendix"


def _title_cell(template: Path, title: str) -> dict:
    """Load a template and put the section's title in its first heading.

    Headings must be Markdown cells (not outputs) to become sections in the book, so
    the title is written into the notebook before execution, never evaluated.
    """
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
) -> float:
    """Run one section with papermill, its kernel started in ``book_dir``; return seconds.

    The kernel's working folder is given to nbclient (``resources.metadata.path``) rather
    than papermill's ``cwd=``, which changes the whole process's folder: sections run in
    parallel threads would race for it. The executed notebook is scrubbed of volatile
    metadata (times, paths) so that two builds write identical bytes. The kernel's own
    start-up chatter is silenced; anything a cell prints or raises is still captured in the
    executed notebook and fails the run. Call it inside :func:`build_environment`.
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
    stopped = kernels.failure()
    if stopped is not None:
        raise ReportError(f"section {section.name}: {stopped}")
    manager = kernels.manager_class()
    try:
        pm.execute_notebook(
            str(staged_input),
            str(output),
            parameters=section.parameters,
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,  # written once at the end (and on a failure)
            report_mode=False,
            log_output=False,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.enabled=False"],
            resources={"metadata": {"path": str(Path(book_dir).absolute())}},
            start_timeout=START_TIMEOUT,
            execution_timeout=EXECUTION_TIMEOUT,
            # Killed once its last cell has run: ipykernel 7's graceful shutdown can deadlock
            # (its control thread flushes into the IOPub thread it has just stopped) until
            # jupyter_client's SIGTERM 2.5 s later, idling a core for every third section.
            shutdown_kernel="immediate",
            kernel_manager_class=manager,
        )
    except Exception as exc:
        failure = _kernel_failure(section, exc)
        if failure is None:
            raise
        raise failure from exc
    scrub_notebook(output)
    return time.perf_counter() - start


def _kernel_failure(section: Section, exc: Exception) -> ReportError | None:
    """A one-line ReportError for a section whose kernel failed (not one of its cells).

    A cell's own exception (papermill's execution error) is left as it is: its last lines
    are the message (:func:`notebook_error`).
    """
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return None
    stopped = kernels.failure()
    if stopped is not None:
        return ReportError(f"section {section.name}: {stopped} while the section ran")
    if isinstance(exc, CellTimeoutError):
        return ReportError(f"section {section.name}: a cell ran longer than "
                           f"{EXECUTION_TIMEOUT} s (the execution timeout) and was stopped")
    if isinstance(exc, DeadKernelError):
        return ReportError(f"section {section.name}: its kernel died while a cell ran")
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, RuntimeError) and first.startswith("Kernel "):
        return ReportError(f"section {section.name}: its kernel did not start ({first})")
    return None


def notebook_error(exc: Exception) -> str:
    """The useful last lines of a papermill failure (the cell's exception)."""
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return "\n".join(lines[-12:])


# --------------------------------------------------------------------------------------------
# Scrubbing executed notebooks

_VOLATILE_PAPERMILL = ("start_time", "end_time", "duration", "input_path", "output_path")
_VOLATILE_CELL_PAPERMILL = ("start_time", "end_time", "duration")


def scrub(nb: dict) -> dict:
    """An executed notebook without what differs between two identical runs, scrubbed in
    place and returned (its caller has just parsed it: a deep copy of every output was a
    tenth of a section's time in the build's own process).

    Removed: papermill's start/end times, durations and the (staging) input/output paths in the
    notebook metadata; the per-cell papermill times and the kernel's ``execution`` timestamps;
    papermill's random id of the injected-parameters cell (set to ``injected-parameters``).
    Kept: ``metadata.papermill.parameters`` (the record of what ran), papermill's version,
    each cell's status and exception, kernelspec and language_info (stable in one
    environment, and part of the record).
    """
    papermill = nb.get("metadata", {}).get("papermill")
    if isinstance(papermill, dict):
        for key in _VOLATILE_PAPERMILL:
            papermill.pop(key, None)
    ids = {c.get("id") for c in nb.get("cells", [])}
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("execution", None)
        cell_papermill = meta.get("papermill")
        if isinstance(cell_papermill, dict):
            for key in _VOLATILE_CELL_PAPERMILL:
                cell_papermill.pop(key, None)
        if "injected-parameters" in meta.get("tags", []) and "id" in cell:
            if cell["id"] != INJECTED_CELL_ID and INJECTED_CELL_ID not in ids:
                cell["id"] = INJECTED_CELL_ID
                ids.add(INJECTED_CELL_ID)
    return nb


def notebook_bytes(nb: dict) -> bytes:
    """Stable JSON for a notebook: nbformat's own layout (indent 1, sorted keys, newline)."""
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def scrub_notebook(path: Path) -> None:
    """Scrub an executed notebook in place (see :func:`scrub`); idempotent.

    Call it on the notebooks in the book folder before the book is built: Sphinx copies them
    into ``html/_sources/``, so scrubbing afterwards would leave the volatile copies there.
    """
    path = Path(path)
    data = notebook_bytes(scrub(json.loads(path.read_text(encoding="utf-8"))))
    if path.read_bytes() != data:
        path.write_bytes(data)
