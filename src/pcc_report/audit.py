"""The audit trail of a published report: its manifest, and re-checking a report against it.

A report is only as trustworthy as the ability to show, months later, that every figure came
from the recorded inputs through the recorded code. Each report folder therefore carries
``manifest.json`` (schema in ``manifest.schema.json``): who built it, when, with which commit
and packages, from which input files (size, sha256), under which expectation suites, which
notebooks ran with which parameters, and the sha256 of every file in the folder. A ``digest``
over the whole manifest makes an edited entry detectable. The digest is not a signature (anyone
can recompute it), so quote it where the report is published, e.g. in the panel papers; and
re-execution checks independently that the outputs are what the code makes of the data.

:func:`verify` is the auditor's tool. It never writes inside the report folder: it checks the
files and inputs against the manifest, then re-executes every section notebook in a temporary
folder from the report's own data and compares the outputs, tables and figures with the
published ones.

Executed notebooks are scrubbed of run times and staging paths (:func:`scrub_notebook`) so that
two builds of the same inputs by the same code give byte-identical notebooks; what cannot be
identical is listed in the manifest's ``nondeterministic`` section with the reason.
"""

from __future__ import annotations

import contextlib
import copy
import getpass
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
SCHEMA_VERSION = "1.0"
SCHEMA_FILE = Path(__file__).with_name("manifest.schema.json")

#: The cell id given to papermill's injected-parameters cell (papermill makes a random one).
INJECTED_CELL_ID = "injected-parameters"

#: What differs between two builds of the same inputs by the same code, and why. Measured by
#: building the demonstration report twice into different folders with the executed notebooks
#: scrubbed before the book build: every other file was byte-identical, the PDF included
#: (pdflatex honours SOURCE_DATE_EPOCH=0 from build.BUILD_ENV; its bytes still depend on the
#: TeX Live version, recorded under environment.tools) and the HTML.
NONDETERMINISTIC: list[dict[str, str]] = [
    {
        "item": "manifest.json: run (run_id, started, finished, user, host, argv)",
        "reason": "who ran the build, when and how: a record of this run, different by design",
    },
    {
        "item": "manifest.json: notebooks[].seconds",
        "reason": "wall-clock run time of each section; depends on the machine and its load",
    },
    {
        "item": "manifest.json: digest",
        "reason": "sha256 over the whole manifest, so it changes with the run section",
    },
]

Progress = Callable[[str], None]


# --------------------------------------------------------------------------------------------
# Hashing and recording


def sha256_file(path: Path) -> str:
    """sha256 of a file, streamed (hashlib.file_digest releases the GIL; OpenSSL is ~1 GB/s)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _size_and_hash(path: Path) -> tuple[int, str]:
    return Path(path).stat().st_size, sha256_file(path)


def file_entry(path: Path, root: Path) -> dict:
    """``{"path", "size", "sha256"}`` of one file; ``path`` is POSIX and relative to ``root``."""
    size, digest = _size_and_hash(path)
    return {"path": Path(path).relative_to(root).as_posix(), "size": size, "sha256": digest}


def _hash_many(paths: list[Path]) -> list[tuple[int, str]]:
    """(size, sha256) of many files at once: threads overlap reading with hashing."""
    if not paths:
        return []
    workers = max(1, min(8, os.cpu_count() or 1, len(paths)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_size_and_hash, paths))


def _entries(paths: list[Path], root: Path) -> list[dict]:
    """file_entry for many files under ``root``, hashed in parallel."""
    return [
        {"path": p.relative_to(root).as_posix(), "size": size, "sha256": digest}
        for p, (size, digest) in zip(paths, _hash_many(paths), strict=True)
    ]


def _report_files(report_dir: Path) -> list[Path]:
    """Every file in the report folder except the manifest, sorted by relative path."""
    found = []
    for dirpath, dirnames, filenames in os.walk(report_dir):
        dirnames.sort()
        for name in filenames:
            path = Path(dirpath) / name
            if path.relative_to(report_dir).as_posix() != MANIFEST_NAME:
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(report_dir).as_posix())


def canonical_json(value: Any) -> bytes:
    """The one byte form a manifest is hashed in: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def manifest_digest(manifest: dict) -> str:
    """sha256 over the canonical JSON of every manifest entry except ``digest`` itself."""
    return sha256_bytes(canonical_json({k: v for k, v in manifest.items() if k != "digest"}))


def _git(repo_root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(repo_root), *args], capture_output=True, check=False)


def code_version(repo_root: Path) -> dict:
    """The commit the report was built from, and whether the working tree differed from it.

    A dirty tree is recorded with the sha256 of ``git diff HEAD`` (tracked changes) and of each
    untracked file, so an auditor can tell whether a checkout reproduces the build. Without git
    or outside a repository the commit is ``"unknown"`` with the reason, never an error: the
    report still builds from an unpacked release.
    """
    repo_root = Path(repo_root)
    unknown = {
        "commit": "unknown",
        "branch": None,
        "dirty": None,
        "diff_sha256": None,
        "untracked": [],
    }
    try:
        head = _git(repo_root, "rev-parse", "HEAD")
    except FileNotFoundError:
        return {**unknown, "reason": "git is not installed"}
    if head.returncode != 0:
        message = head.stderr.decode("utf-8", "replace").strip().splitlines()
        return {
            **unknown,
            "reason": f"not a git repository with commits: {repo_root}"
            + (f" ({message[-1]})" if message else ""),
        }
    commit = head.stdout.decode().strip()
    branch = _git(repo_root, "rev-parse", "--abbrev-ref", "HEAD").stdout.decode().strip()
    diff = _git(repo_root, "diff", "HEAD", "--binary").stdout
    listed = _git(repo_root, "ls-files", "--others", "--exclude-standard", "-z").stdout
    untracked = []
    for name in sorted(n for n in listed.decode("utf-8", "replace").split("\0") if n):
        path = repo_root / name
        if path.is_file():
            untracked.append({"path": name, "sha256": sha256_file(path)})
    dirty = bool(diff) or bool(untracked)
    return {
        "commit": commit,
        "branch": branch or None,
        "dirty": dirty,
        "diff_sha256": sha256_bytes(diff) if diff else None,
        "untracked": untracked,
        "reason": None,
    }


def _tool_version(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = done.stdout.strip().splitlines()
    return lines[0] if done.returncode == 0 and lines else None


def environment(lock_file: Path) -> dict:
    """Python, platform, every installed distribution, and the lock file's sha256.

    The lock file says what should be installed; the distribution list says what was, so a
    report built in a drifted environment shows it. pdflatex's version is recorded because the
    PDF's bytes depend on it.
    """
    seen: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata.get("Name")
        if name:
            seen.setdefault(name, dist.version)
    distributions = [
        {"name": n, "version": seen[n]}
        for n in sorted(seen, key=lambda n: (n.lower().replace("_", "-"), n))
    ]
    lock_file = Path(lock_file)
    lock = {"path": lock_file.name, "sha256": None}
    if lock_file.is_file():
        lock["sha256"] = sha256_file(lock_file)
    else:
        lock["reason"] = f"lock file not found: {lock_file}"
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "distributions": distributions,
        "lock_file": lock,
        "tools": {"pdflatex": _tool_version(["pdflatex", "--version"])},
    }


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def run_record(
    run_id: str, started: datetime, finished: datetime, argv: list[str] | None = None
) -> dict:
    """The ``run`` section: run id, ISO start/finish times, user, host and command line."""
    return {
        "run_id": run_id,
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "user": _user(),
        "host": socket.gethostname(),
        "argv": list(sys.argv if argv is None else argv),
    }


def input_entries(
    files: Iterable[Any], data_root: Path, rows: dict[str, int] | None = None
) -> list[dict]:
    """Manifest ``inputs`` for files under one data root (police.uk folder, returns folder).

    ``files`` are ingest's StreetFiles (``.path``, ``.relative``) or plain paths under
    ``data_root``. The root is recorded absolute as given (symlinks not resolved) so the
    auditor sees the folder the analyst named; ``verify(data_root=...)`` re-roots the
    relative paths when the inputs have moved.
    """
    root = os.path.abspath(data_root)
    pairs = []
    for f in files:
        if isinstance(f, str | os.PathLike):
            path = Path(f)
            relative = Path(os.path.relpath(os.path.abspath(path), root)).as_posix()
        else:
            path, relative = Path(f.path), str(f.relative)
        pairs.append((path, relative))
    hashed = _hash_many([path for path, _ in pairs])
    return [
        {
            "path": relative,
            "data_root": root,
            "size": size,
            "sha256": digest,
            "rows": (rows or {}).get(relative),
        }
        for (_, relative), (size, digest) in zip(pairs, hashed, strict=True)
    ]


def suite_entries(suites: Iterable[dict]) -> list[dict]:
    """Manifest ``suites`` from ``ValidationReport.suites`` (name, file, sha256, success)."""
    return [
        {"name": s["name"], "file": s["file"], "sha256": s["sha256"], "success": bool(s["success"])}
        for s in suites
    ]


def notebook_entries(
    sections: Iterable[Any], seconds: dict[str, float], templates_dir: Path, report_dir: Path
) -> list[dict]:
    """Manifest ``notebooks`` from build's Sections after the notebooks are in ``notebooks/``.

    The title is recorded because build writes it into the first cell before execution;
    re-execution needs it to produce the same notebook.
    """
    entries = []
    for s in sections:
        executed = Path("notebooks") / f"{s.name}.ipynb"
        entries.append(
            {
                "name": s.name,
                "title": s.title,
                "template": s.template,
                "template_sha256": sha256_file(Path(templates_dir) / s.template),
                "parameters": s.parameters,
                "executed": executed.as_posix(),
                "executed_sha256": sha256_file(Path(report_dir) / executed),
                "seconds": round(float(seconds.get(s.name, 0.0)), 3),
            }
        )
    return entries


def write_manifest(
    report_dir: Path,
    *,
    run: dict,
    inputs: list[dict],
    suites: list[dict],
    validation_ok: bool,
    notebooks: list[dict],
    revision: dict,
    nondeterministic: list[dict],
    code: dict | None = None,
    env: dict | None = None,
) -> Path:
    """Write ``manifest.json`` as the last file of a finished report folder; return its path.

    Call it after every other file is in place (it hashes them all). ``code`` and ``env``
    default to this checkout (:func:`code_version`) and this interpreter (:func:`environment`).
    """
    from pcc_report.config import PROJECT_ROOT

    report_dir = Path(report_dir)
    manifest: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run": run,
        "revision": {
            "revision": revision["revision"],
            "replaces": revision.get("replaces"),
            "reason": revision.get("reason"),
        },
        "code": code if code is not None else code_version(PROJECT_ROOT),
        "environment": env if env is not None else environment(PROJECT_ROOT / "requirements.lock"),
        "inputs": inputs,
        "validation": {"ok": bool(validation_ok), "suites": suites},
        "notebooks": notebooks,
        "files": _entries(_report_files(report_dir), report_dir),
        "nondeterministic": nondeterministic,
    }
    manifest["digest"] = manifest_digest(manifest)
    path = report_dir / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def load_schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def schema_problems(manifest: dict) -> list[str]:
    """Where ``manifest`` breaks the JSON Schema, one line each (empty when it conforms)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top level)'}: {error.message}"
        for error in sorted(validator.iter_errors(manifest), key=lambda e: list(e.path))
    ]


# --------------------------------------------------------------------------------------------
# Scrubbing executed notebooks

_VOLATILE_PAPERMILL = ("start_time", "end_time", "duration", "input_path", "output_path")
_VOLATILE_CELL_PAPERMILL = ("start_time", "end_time", "duration")


def scrub(nb: dict) -> dict:
    """A copy of an executed notebook without what differs between two identical runs.

    Removed: papermill's start/end times, durations and the (staging) input/output paths in the
    notebook metadata; the per-cell papermill times and the kernel's ``execution`` timestamps;
    papermill's random id of the injected-parameters cell (set to ``injected-parameters``).
    Kept: ``metadata.papermill.parameters`` (the record of what ran), papermill's version,
    each cell's status and exception, kernelspec and language_info (stable in one
    environment, and part of the record).
    """
    nb = copy.deepcopy(nb)
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


# --------------------------------------------------------------------------------------------
# Verification


@dataclass
class VerifyResult:
    """The outcome of :func:`verify`.

    ``problems`` are failures, each a sentence naming the file; ``sections`` maps every
    re-executed section to ``"pass"`` or ``"fail: <reason>"``; ``notes`` are facts an auditor
    should know that are not failures (a different commit or package versions now).
    """

    ok: bool = True
    problems: list[str] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, message: str) -> None:
        self.ok = False
        self.problems.append(message)

    def format(self) -> str:
        lines = []
        if self.sections:
            lines.append("Sections:")
            width = max(len(n) for n in self.sections)
            lines += [f"  {n.ljust(width)}  {s}" for n, s in self.sections.items()]
        if self.notes:
            lines.append("Notes:")
            lines += [f"  {n}" for n in self.notes]
        if self.problems:
            lines.append(f"Problems ({len(self.problems)}):")
            lines += [f"  {p}" for p in self.problems]
        verdict = "PASSED" if self.ok else "FAILED"
        lines.append(f"Verification {verdict} in {self.seconds:.1f} s.")
        return "\n".join(lines)


def _check_files(report_dir: Path, manifest: dict, result: VerifyResult) -> None:
    """Every listed file present with its size and sha256; nothing unlisted."""
    listed = {e["path"]: e for e in manifest.get("files", [])}
    present = {p.relative_to(report_dir).as_posix(): p for p in _report_files(report_dir)}
    for name in sorted(set(listed) - set(present)):
        result.fail(f"missing: {name} is listed in the manifest but not in the report folder")
    for name in sorted(set(present) - set(listed)):
        result.fail(f"added: {name} is in the report folder but not in the manifest")
    common = sorted(set(listed) & set(present))
    for entry in _entries([present[n] for n in common], report_dir):
        expected = listed[entry["path"]]
        if entry["sha256"] != expected["sha256"] or entry["size"] != expected["size"]:
            result.fail(
                f"altered: {entry['path']} (sha256 {entry['sha256'][:12]}, size {entry['size']};"
                f" manifest says {expected['sha256'][:12]}, size {expected['size']})"
            )
    for nb in manifest.get("notebooks", []):
        entry = listed.get(nb["executed"])
        if entry is not None and entry["sha256"] != nb["executed_sha256"]:
            result.fail(f"manifest inconsistent: {nb['executed']} has two different sha256")


def _input_root(entry: dict, data_root: Path | dict[str, Path] | None) -> Path:
    """Where to look for an input: its recorded root, or the auditor's replacement."""
    if data_root is None:
        return Path(entry["data_root"])
    if isinstance(data_root, dict):
        return Path(data_root.get(entry["data_root"], entry["data_root"]))
    return Path(data_root)


def _check_inputs(
    manifest: dict, data_root: Path | dict[str, Path] | None, result: VerifyResult
) -> int:
    """Each input file still where recorded (or re-rooted) with its size and hash."""
    entries = manifest.get("inputs", [])
    paths = [_input_root(entry, data_root) / entry["path"] for entry in entries]
    present = [p for p in paths if p.is_file()]
    hashed = dict(zip(present, _hash_many(present), strict=True))
    for entry, path in zip(entries, paths, strict=True):
        if path not in hashed:
            result.fail(f"input missing: {path}")
            continue
        size, digest = hashed[path]
        if size != entry["size"] or digest != entry["sha256"]:
            result.fail(
                f"input altered: {path} (sha256 {digest[:12]}, size {size}; "
                f"manifest says {entry['sha256'][:12]}, size {entry['size']})"
            )
    return len(paths)


def _environment_notes(manifest: dict, result: VerifyResult) -> None:
    """Differences between the build's code and packages and this checkout's (not failures)."""
    from pcc_report.config import PROJECT_ROOT

    built = manifest.get("code", {})
    now = code_version(PROJECT_ROOT)
    if built.get("commit") != now.get("commit"):
        result.notes.append(
            f"code: built from commit {built.get('commit')}, verifying with {now.get('commit')}"
        )
    if built.get("dirty"):
        result.notes.append(
            "code: the report was built from a working tree with uncommitted "
            f"changes (diff sha256 {built.get('diff_sha256')})"
        )
    recorded = {
        d["name"]: d["version"] for d in manifest.get("environment", {}).get("distributions", [])
    }
    current = {d.metadata.get("Name"): d.version for d in metadata.distributions()}
    changed = [
        f"{n} {recorded[n]} -> {current.get(n, 'not installed')}"
        for n in sorted(recorded)
        if current.get(n) != recorded[n]
    ]
    if changed:
        shown = ", ".join(changed[:10]) + (
            f" and {len(changed) - 10} more" if len(changed) > 10 else ""
        )
        result.notes.append(f"environment: package versions differ from the build: {shown}")
    python = manifest.get("environment", {}).get("python")
    if python and python != sys.version.split()[0]:
        result.notes.append(
            f"environment: built with Python {python}, verifying with {sys.version.split()[0]}"
        )


@contextlib.contextmanager
def _build_env() -> Iterator[None]:
    """The build's environment (Agg, hash seed, SOURCE_DATE_EPOCH) for kernels started here.

    Kernels inherit the process environment, so it is set for the duration and restored.
    """
    from pcc_report.build import BUILD_ENV

    saved = {key: os.environ.get(key) for key in BUILD_ENV}
    os.environ.update(BUILD_ENV)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _copy_inputs_of_notebooks(report_dir: Path, root: Path) -> None:
    """The report's data/ (without tables/, so they are regenerated) and validation/, copied.

    Copies, never links: a notebook that wrote to its data folder must not reach the report.
    """
    source = report_dir / "data"

    def skip_tables(directory: str, names: list[str]) -> set[str]:
        return {"tables"} if Path(directory) == source else set()

    if source.is_dir():
        shutil.copytree(source, root / "data", ignore=skip_tables)
    else:
        (root / "data").mkdir(parents=True)
    if (report_dir / "validation").is_dir():
        shutil.copytree(report_dir / "validation", root / "validation")


def _output_key(output: dict) -> dict:
    """What of one output is compared: its type, stream text, all data (images included)."""
    key: dict[str, Any] = {"output_type": output.get("output_type")}
    for name in ("name", "ename", "evalue"):
        if name in output:
            key[name] = output[name]
    if "text" in output:
        text = output["text"]
        key["text"] = "".join(text) if isinstance(text, list) else text
    if "data" in output:
        key["data"] = {
            mime: "".join(value) if isinstance(value, list) else value
            for mime, value in output["data"].items()
        }
    return key


def _first_difference(a: str, b: str) -> str:
    """A short excerpt around where two strings first differ."""
    a, b = str(a), str(b)
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    start = max(0, at - 30)
    return (
        f"at character {at}: published {a[start : at + 40]!r}, re-executed {b[start : at + 40]!r}"
    )


def compare_notebooks(published: dict, fresh: dict) -> list[str]:
    """Differences between a published executed notebook and a re-execution, cell by cell.

    Sources and outputs (stream text, text/markdown, text/plain, HTML and image bytes,
    errors) are compared; metadata is not, since run times and paths legitimately differ.
    """
    differences = []
    old, new = published.get("cells", []), fresh.get("cells", [])
    if len(old) != len(new):
        differences.append(f"published notebook has {len(old)} cells, re-executed {len(new)}")
    for index, (a, b) in enumerate(zip(old, new, strict=False)):
        where = f"cell {index}"
        if a.get("cell_type") != b.get("cell_type"):
            differences.append(f"{where}: cell type {a.get('cell_type')} vs {b.get('cell_type')}")
            continue
        source_a, source_b = ("".join(c.get("source", "")) for c in (a, b))
        if source_a != source_b:
            differences.append(f"{where}: source differs {_first_difference(source_a, source_b)}")
        outputs_a = [_output_key(o) for o in a.get("outputs", [])]
        outputs_b = [_output_key(o) for o in b.get("outputs", [])]
        if len(outputs_a) != len(outputs_b):
            differences.append(
                f"{where}: {len(outputs_a)} outputs published, {len(outputs_b)} re-executed"
            )
            continue
        for number, (x, y) in enumerate(zip(outputs_a, outputs_b, strict=True)):
            if x == y:
                continue
            if x.get("output_type") != y.get("output_type"):
                differences.append(
                    f"{where} output {number}: type {x.get('output_type')} vs "
                    f"{y.get('output_type')}"
                )
                continue
            for part in ("name", "ename", "evalue", "text"):
                if x.get(part) != y.get(part):
                    differences.append(
                        f"{where} output {number} {part} differs "
                        f"{_first_difference(x.get(part), y.get(part))}"
                    )
            data_a, data_b = x.get("data", {}), y.get("data", {})
            for mime in sorted(set(data_a) | set(data_b)):
                if data_a.get(mime) != data_b.get(mime):
                    if mime.startswith("image/"):
                        detail = "(image bytes differ)"
                    else:
                        detail = _first_difference(data_a.get(mime, ""), data_b.get(mime, ""))
                    differences.append(f"{where} output {number} {mime} differs {detail}")
    return differences


def _compare_files(produced: Path, published: Path, label: str) -> dict[str, str | None]:
    """Regenerated files under ``produced`` vs the report's ``published`` folder.

    Returns ``{relative name: None if byte-identical else the reason}``.
    """
    found: dict[str, str | None] = {}
    if not produced.is_dir():
        return found
    for path in sorted(p for p in produced.rglob("*") if p.is_file()):
        name = f"{label}/{path.relative_to(produced).as_posix()}"
        target = published / path.relative_to(produced)
        if not target.is_file():
            found[name] = f"{name} was regenerated but is not in the report"
        elif target.read_bytes() != path.read_bytes():
            found[name] = f"{name} differs from the regenerated file"
        else:
            found[name] = None
    return found


# A forged manifest must not make verify write outside its temporary folder.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]+")
_SAFE_TEMPLATE = re.compile(r"[A-Za-z0-9_.-]+\.ipynb")


@dataclass
class _SectionOutcome:
    name: str
    status: str
    problems: list[str]
    produced: set[str]
    seconds: float

    @classmethod
    def failed(cls, name: str, reason: str, start: float) -> _SectionOutcome:
        """A section that could not be re-executed at all, with the reason."""
        return cls(name, f"fail: {reason}", [f"section {name}: {reason}"], set(),
                   time.perf_counter() - start)


def _reexecute(entry: dict, report_dir: Path, work: Path, templates_dir: Path) -> _SectionOutcome:
    """Re-run one section; an unexpected error fails that section, not the whole verify."""
    start = time.perf_counter()
    try:
        return _reexecute_section(entry, report_dir, work, templates_dir)
    except Exception as exc:  # noqa: BLE001 - reported per section
        name = entry.get("name", "?")
        reason = f"could not be re-executed: {type(exc).__name__}: {exc}"
        return _SectionOutcome.failed(name, reason, start)


def _reexecute_section(
    entry: dict, report_dir: Path, work: Path, templates_dir: Path
) -> _SectionOutcome:
    """Re-run one section as build does, in its own copy of the report's inputs, and compare.

    Each section gets its own copy so that the tables and figures it writes are attributed to
    it; build runs them in one folder, which gives the same files since no two sections write
    the same one.
    """
    from pcc_report import build

    name = entry["name"]
    start = time.perf_counter()
    if not (_SAFE_NAME.fullmatch(name) and _SAFE_TEMPLATE.fullmatch(entry["template"])):
        reason = "the manifest names a section or template that is not a plain file name"
        return _SectionOutcome.failed(name, reason, start)
    reasons: list[str] = []
    problems: list[str] = []
    template = templates_dir / entry["template"]
    if not template.is_file():
        reason = f"template {entry['template']} not found in {templates_dir}"
        return _SectionOutcome.failed(name, reason, start)
    current = sha256_file(template)
    if current != entry["template_sha256"]:
        reason = (
            f"template changed since the report was built ({entry['template']}: "
            f"sha256 {entry['template_sha256'][:12]} then, {current[:12]} now)"
        )
        reasons.append(reason)
        problems.append(f"section {name}: {reason}")

    published_path = report_dir / entry["executed"]
    published = None
    if published_path.is_file():
        try:
            published = json.loads(published_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            reasons.append(f"{entry['executed']} is not a readable notebook")
            problems.append(
                f"section {name}: {entry['executed']} is not a readable notebook ({exc})"
            )
    else:
        reasons.append(f"{entry['executed']} is missing")
    if published is not None:
        recorded = published.get("metadata", {}).get("papermill", {}).get("parameters")
        if recorded is not None and recorded != entry["parameters"]:
            reasons.append("parameters in the notebook differ from the manifest")
            problems.append(
                f"section {name}: {entry['executed']} records parameters {recorded}, "
                f"the manifest {entry['parameters']}"
            )

    root = work / name
    book, templates = root / "book", root / ".templates"
    _copy_inputs_of_notebooks(report_dir, root)
    book.mkdir(parents=True)
    section = build.Section(
        name=name,
        template=entry["template"],
        title=entry["title"],
        parameters=entry["parameters"],
        part="main",
    )
    templates.mkdir()
    try:
        build.execute_section(section, book, templates, notebooks_dir=templates_dir)
    except Exception as exc:  # noqa: BLE001 - any kernel failure is a verification failure
        reason = f"re-execution failed: {build._notebook_error(exc).splitlines()[-1]}"
        problems.append(f"section {name}: {reason}\n{build._notebook_error(exc)}")
        return _SectionOutcome(
            name,
            f"fail: {'; '.join([*reasons, reason])}",
            problems,
            set(),
            time.perf_counter() - start,
        )
    fresh = json.loads((book / f"{name}.ipynb").read_text(encoding="utf-8"))  # scrubbed

    if published is not None:
        differences = compare_notebooks(published, fresh)
        if differences:
            reasons.append(f"{len(differences)} difference(s) in {entry['executed']}")
            problems += [f"{entry['executed']}: {d}" for d in differences]

    produced: set[str] = set()
    for label, folder, target in (
        ("data/tables", root / "data" / "tables", report_dir / "data" / "tables"),
        ("figures", book / "figures", report_dir / "figures"),
    ):
        for file_name, difference in _compare_files(folder, target, label).items():
            produced.add(file_name)
            if difference:
                reasons.append(difference)
                problems.append(f"section {name}: {difference}")
    status = "pass" if not reasons else f"fail: {'; '.join(reasons)}"
    return _SectionOutcome(name, status, problems, produced, time.perf_counter() - start)


def _check_reexecution(
    report_dir: Path,
    manifest: dict,
    result: VerifyResult,
    progress: Progress,
    work: Path,
    templates_dir: Path,
) -> None:
    """Re-execute every section, as many at once as there are cores, and collect the results."""
    from concurrent.futures import as_completed

    entries = manifest.get("notebooks", [])
    if not entries:
        return
    try:
        os.getcwd()
    except FileNotFoundError:  # papermill calls getcwd; a deleted cwd (old staging) has none
        os.chdir(work.parent)
    workers = max(1, min(len(entries), os.cpu_count() or 1))
    outcomes: dict[str, _SectionOutcome] = {}
    with _build_env(), ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_reexecute, e, report_dir, work, templates_dir) for e in entries]
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[outcome.name] = outcome
            progress(f"      {outcome.name}: {outcome.status} ({outcome.seconds:.1f} s)")
    produced: set[str] = set()
    for entry in entries:  # report in the manifest's order, not completion order
        outcome = outcomes[entry["name"]]
        result.sections[outcome.name] = outcome.status
        produced |= outcome.produced
        for problem in outcome.problems:
            result.fail(problem)
    for label, folder, pattern in (
        ("data/tables", report_dir / "data" / "tables", "*.csv"),
        ("figures", report_dir / "figures", "*.png"),
    ):
        if folder.is_dir():
            for path in sorted(folder.glob(pattern)):
                name = f"{label}/{path.name}"
                if name not in produced:
                    result.fail(f"{name} is in the report but no section regenerated it")


def verify(
    report_dir: Path,
    *,
    data_root: Path | dict[str, Path] | None = None,
    reexecute: bool = True,
    progress: Progress = print,
    keep_dir: Path | None = None,
    templates_dir: Path | None = None,
) -> VerifyResult:
    """Check a published report against its manifest; never writes inside ``report_dir``.

    1. The manifest's digest, schema, and every file's size and sha256 (altered, added,
       missing files are named).
    2. The input files at their recorded paths, or under ``data_root`` if the inputs moved
       (one folder for every input, or ``{recorded data_root: new folder}`` when a report
       read several roots, e.g. police.uk files and force returns).
    3. With ``reexecute``, every section notebook is run again with its recorded parameters
       from the current ``notebooks/`` templates in a temporary folder holding copies of the
       report's ``data/`` (minus ``tables/``) and ``validation/``; outputs, tables and figures
       are compared with the published ones. ``keep_dir`` keeps that work for inspection;
       ``templates_dir`` defaults to the project's ``notebooks/`` (build.NOTEBOOKS_DIR).
    """
    from pcc_report import build

    start = time.perf_counter()
    report_dir = Path(report_dir).absolute()
    templates_dir = Path(templates_dir or build.NOTEBOOKS_DIR).absolute()
    if keep_dir is not None:
        keep_dir = Path(keep_dir).absolute()
        if keep_dir.resolve().is_relative_to(report_dir.resolve()):
            raise ValueError(
                f"keep_dir {keep_dir} is inside the report folder, which verify "
                "never writes to; choose another folder"
            )
    result = VerifyResult()
    manifest_path = report_dir / MANIFEST_NAME
    progress(f"Verifying {report_dir}")
    if not manifest_path.is_file():
        result.fail(f"missing: {MANIFEST_NAME} (no manifest: the report cannot be verified)")
        return _finish(result, start, progress)
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        result.fail(f"altered: {MANIFEST_NAME} is not valid JSON ({exc})")
        return _finish(result, start, progress)
    if not isinstance(manifest, dict):
        result.fail(f"altered: {MANIFEST_NAME} is not a manifest object")
        return _finish(result, start, progress)

    revision = manifest.get("revision", {})
    progress(
        f"  revision {revision.get('revision')}"
        + (
            f" (replaces {revision['replaces']}: {revision.get('reason')})"
            if revision.get("replaces")
            else ""
        )
        + f", built {manifest.get('run', {}).get('finished')}"
        f" by {manifest.get('run', {}).get('user')}, digest {manifest.get('digest')}"
    )

    progress(f"[1/3] Checking the manifest and {len(manifest.get('files', []))} files ...")
    if manifest.get("digest") != manifest_digest(manifest):
        result.fail(
            f"altered: {MANIFEST_NAME} (its digest does not match its content: an entry was edited)"
        )
    for problem in schema_problems(manifest):
        result.fail(f"{MANIFEST_NAME} does not follow schema {SCHEMA_VERSION}: {problem}")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        result.notes.append(
            f"manifest schema {manifest.get('schema_version')}, "
            f"this verifier reads {SCHEMA_VERSION}"
        )
    try:
        _check_files(report_dir, manifest, result)
        progress(f"[2/3] Checking {len(manifest.get('inputs', []))} input files ...")
        _check_inputs(manifest, data_root, result)
        _environment_notes(manifest, result)
        if reexecute:
            entries = manifest.get("notebooks", [])
            progress(f"[3/3] Re-executing {len(entries)} sections ...")
            if keep_dir is not None:
                keep_dir.mkdir(parents=True, exist_ok=True)
                work = Path(tempfile.mkdtemp(prefix="verify-", dir=keep_dir))
                _check_reexecution(report_dir, manifest, result, progress, work, templates_dir)
                result.notes.append(f"re-executed sections kept in {work}")
            else:
                with tempfile.TemporaryDirectory(prefix="pcc-verify-") as tmp:
                    _check_reexecution(
                        report_dir, manifest, result, progress, Path(tmp), templates_dir
                    )
        else:
            progress("[3/3] Re-execution skipped")
    except (KeyError, TypeError) as exc:
        result.fail(f"{MANIFEST_NAME} is malformed: missing or wrong entry {exc}")
    return _finish(result, start, progress)


def _finish(result: VerifyResult, start: float, progress: Progress) -> VerifyResult:
    result.seconds = time.perf_counter() - start
    progress(result.format())
    return result
