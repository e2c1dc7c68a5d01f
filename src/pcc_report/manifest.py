"""The manifest of a published report: what was built, from what, by which code; file hashes.

A report is only as trustworthy as the ability to show, months later, that every figure came
from the recorded inputs through the recorded code. Each report folder therefore carries
``manifest.json`` (schema in ``manifest.schema.json``): who built it, when, with which commit
and packages, from which input files (size, sha256), under which expectation suites, which
notebooks ran with which parameters, and the sha256 of every file in the folder. A ``digest``
over the whole manifest makes an edited entry detectable. The digest is not a signature (anyone
can recompute it), so quote it where the report is published, e.g. in the panel papers; and
re-execution (:mod:`pcc_report.verify`) checks independently that the outputs are what the
code makes of the data.

What cannot be identical between two builds is listed in the manifest's ``nondeterministic``
section with the reason.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import platform
import socket
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from pcc_report.config import PROJECT_ROOT
from pcc_report.execution import Section

MANIFEST_NAME = "manifest.json"
#: The signature beside the manifest (pcc_report.signing): it cannot be listed in what it signs.
SIGNATURE_NAME = "manifest.json.sig"
SCHEMA_VERSION = "1.0"
SCHEMA_FILE = Path(__file__).with_name("manifest.schema.json")

#: What differs between two builds of the same inputs by the same code, and why. Measured by
#: building the demonstration report twice into different folders with the executed notebooks
#: scrubbed before the book build: every other file was byte-identical, the PDF included
#: (pdflatex honours SOURCE_DATE_EPOCH=0 from execution.BUILD_ENV; its bytes still depend on the
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
        "item": "manifest.json: notebooks[].cache.outcome",
        "reason": "whether a section was executed or reused from the section cache; the "
        "reused notebook, tables and figures are byte-identical to executing it",
    },
    {
        "item": "manifest.json: digest",
        "reason": "sha256 over the whole manifest, so it changes with the run section",
    },
    {
        "item": "manifest.json.sig (signed reports)",
        "reason": "the signature over manifest.json's bytes, so it changes with the run section",
    },
]


# --------------------------------------------------------------------------------------------
# Hashing


def sha256_file(path: Path) -> str:
    """sha256 of a file, streamed (hashlib.file_digest releases the GIL; OpenSSL is ~1 GB/s)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _size_and_hash(path: Path) -> tuple[int, str]:
    return Path(path).stat().st_size, sha256_file(path)


def hash_many(paths: list[Path]) -> list[tuple[int, str]]:
    """(size, sha256) of many files at once: threads overlap reading with hashing."""
    if not paths:
        return []
    workers = max(1, min(8, os.cpu_count() or 1, len(paths)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_size_and_hash, paths))


def file_entries(paths: list[Path], root: Path) -> list[dict]:
    """``{"path", "size", "sha256"}`` of files under ``root`` (POSIX paths relative to it)."""
    return [
        {"path": p.relative_to(root).as_posix(), "size": size, "sha256": digest}
        for p, (size, digest) in zip(paths, hash_many(paths), strict=True)
    ]


def report_files(report_dir: Path) -> list[Path]:
    """Every file in the report folder except the manifest, sorted by relative path."""
    found = []
    for dirpath, dirnames, filenames in os.walk(report_dir):
        dirnames.sort()
        for name in filenames:
            path = Path(dirpath) / name
            if path.relative_to(report_dir).as_posix() not in (MANIFEST_NAME, SIGNATURE_NAME):
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


# --------------------------------------------------------------------------------------------
# Recording


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


def _name_and_version(dist: metadata.Distribution) -> tuple[str | None, str | None]:
    """A distribution's ``Name`` and ``Version``, as ``dist.metadata`` gives them.

    Read from the metadata file's header lines only: ``dist.metadata`` parses the whole file
    (long descriptions included) as an e-mail message, which for every installed package made
    this record about 0.2-0.4 CPU-seconds of every build. Parsed in full when the header
    lines do not have both (a file laid out unusually).
    """
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    found: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, _, value = line.partition(":")
        if key in ("Name", "Version") and key not in found:
            found[key] = value.strip()
    if len(found) == 2:
        return found["Name"], found["Version"]
    return dist.metadata.get("Name"), dist.version


def environment(lock_file: Path) -> dict:
    """Python, platform, every installed distribution, and the lock file's sha256.

    The lock file says what should be installed; the distribution list says what was, so a
    report built in a drifted environment shows it. pdflatex's version is recorded because the
    PDF's bytes depend on it.
    """
    seen: dict[str, str] = {}
    for dist in metadata.distributions():
        name, version = _name_and_version(dist)
        if name:
            seen.setdefault(name, version)
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
    files: Iterable[Any], data_root: Path, rows: dict[str, int] | None = None,
    hashes: dict[str, tuple[int, str]] | None = None,
) -> list[dict]:
    """Manifest ``inputs`` for files under one data root (police.uk folder, returns folder).

    ``files`` are ingest's StreetFiles (``.path``, ``.relative``) or plain paths under
    ``data_root``. The root is recorded absolute as given (symlinks not resolved) so the
    auditor sees the folder the analyst named; ``verify(data_root=...)`` re-roots the
    relative paths when the inputs have moved. ``hashes`` are (size, sha256) already made in
    this build, by relative path (:mod:`pcc_report.checked_inputs`), so no input is hashed twice.
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
    known = hashes or {}
    if all(relative in known for _, relative in pairs):
        hashed = [known[relative] for _, relative in pairs]
    else:
        hashed = hash_many([path for path, _ in pairs])
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
    sections: Iterable[Section], seconds: dict[str, float], templates_dir: Path, report_dir: Path,
    cache: dict[str, dict] | None = None,
) -> list[dict]:
    """Manifest ``notebooks`` from the run's Sections once the notebooks are in ``notebooks/``.

    The title is recorded because build writes it into the first cell before execution;
    re-execution needs it to produce the same notebook. ``cache`` gives, by section name,
    whether it was executed or reused from the section cache and its key
    (:meth:`pcc_report.cache.SectionRun.manifest_entry`).
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
        if cache and s.name in cache:
            entries[-1]["cache"] = cache[s.name]
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
    edition: dict | None = None,
    evidence: dict | None = None,
    signing: dict | None = None,
) -> Path:
    """Write ``manifest.json`` as the last file of a finished report folder; return its path.

    Call it after every other file is in place (it hashes them all). ``code`` and ``env``
    default to this checkout (:func:`code_version`) and this interpreter (:func:`environment`).
    ``edition`` is the edition's entry (:meth:`pcc_report.editions.EditionData.manifest_block`):
    its name, the inputs it withheld and why (never their hashes), and its suppressed cells.
    ``evidence`` is the front sheet's digest (:func:`pcc_report.evidence.record`); ``signing``
    names the key whose signature will be written beside the manifest.
    """
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
        "files": file_entries(report_files(report_dir), report_dir),
        "nondeterministic": nondeterministic,
    }
    if edition is not None:
        manifest["edition"] = edition
    if evidence is not None:  # the digest printed on the front sheet (pcc_report.evidence)
        manifest["evidence"] = evidence
    if signing is not None:  # the key that signs this manifest (pcc_report.signing)
        manifest["signing"] = signing
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

