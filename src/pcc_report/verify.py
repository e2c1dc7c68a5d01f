"""Re-checking a published report against its manifest: the auditor's tool.

:func:`verify` never writes inside the report folder: it checks the files and inputs against
the manifest (:mod:`pcc_report.manifest`), then re-executes every section notebook in a
temporary folder from the report's own data, exactly as the build ran it
(:mod:`pcc_report.execution`), and compares the outputs, tables and figures with the
published ones.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from pcc_report import evidence, execution, lineage, signing
from pcc_report.config import PROJECT_ROOT
from pcc_report.execution import Section, build_environment, execute_section, notebook_error
from pcc_report.manifest import (
    MANIFEST_NAME,
    SCHEMA_VERSION,
    code_version,
    file_entries,
    hash_many,
    manifest_digest,
    report_files,
    schema_problems,
    sha256_file,
)

Progress = Callable[[str], None]


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
    #: "signed by <fingerprint>", "unsigned: ..." or "signature does not match: ..."
    signature: str = ""
    signature_failed: bool = False  # the signature does not match, or is missing but required

    def fail(self, message: str) -> None:
        self.ok = False
        self.problems.append(message)

    def format(self) -> str:
        lines = [f"Signature: {self.signature}"] if self.signature else []
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
    present = {p.relative_to(report_dir).as_posix(): p for p in report_files(report_dir)}
    for name in sorted(set(listed) - set(present)):
        result.fail(f"missing: {name} is listed in the manifest but not in the report folder")
    for name in sorted(set(present) - set(listed)):
        result.fail(f"added: {name} is in the report folder but not in the manifest")
    common = sorted(set(listed) & set(present))
    for entry in file_entries([present[n] for n in common], report_dir):
        expected = listed[entry["path"]]
        if entry["sha256"] != expected["sha256"] or entry["size"] != expected["size"]:
            result.fail(
                f"altered: {entry['path']} (sha256 {entry['sha256'][:12]}, size {entry['size']};"
                f" manifest says {expected['sha256'][:12]}, size {expected['size']})"
            )
    for problem in lineage.check(report_dir, manifest):
        result.fail(problem)
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
) -> None:
    """Each input file still where recorded (or re-rooted) with its size and hash."""
    entries = manifest.get("inputs", [])
    paths = [_input_root(entry, data_root) / entry["path"] for entry in entries]
    present = [p for p in paths if p.is_file()]
    hashed = dict(zip(present, hash_many(present), strict=True))
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


def _environment_notes(manifest: dict, result: VerifyResult) -> None:
    """Differences between the build's code and packages and this checkout's (not failures)."""
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
    if (carried := lineage.carried(output)) is not None:  # the figure's lineage record
        key["lineage"] = carried
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
            for part in ("name", "ename", "evalue", "text", "lineage"):
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
    section = Section(
        name=name,
        template=entry["template"],
        title=entry["title"],
        parameters=entry["parameters"],
        part="main",
    )
    templates.mkdir()
    try:
        execute_section(section, book, templates, notebooks_dir=templates_dir)
    except Exception as exc:  # noqa: BLE001 - any kernel failure is a verification failure
        reason = f"re-execution failed: {notebook_error(exc).splitlines()[-1]}"
        problems.append(f"section {name}: {reason}\n{notebook_error(exc)}")
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
    entries = manifest.get("notebooks", [])
    if not entries:
        return
    try:
        os.getcwd()
    except FileNotFoundError:  # papermill calls getcwd; a deleted cwd (old staging) has none
        os.chdir(work.parent)
    workers = max(1, min(len(entries), os.cpu_count() or 1))
    outcomes: dict[str, _SectionOutcome] = {}
    with build_environment(progress), ThreadPoolExecutor(max_workers=workers) as pool:
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
    require_signature: bool = False,
    fingerprint: str | None = None,
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
       ``templates_dir`` defaults to the project's ``notebooks/`` (execution.NOTEBOOKS_DIR).

    Before all of these the manifest's signature is checked (:mod:`pcc_report.signing`):
    "signed by <fingerprint>", "unsigned" (a note; a failure with ``require_signature``) or
    "signature does not match" (a failure); ``fingerprint`` is the key the auditor expects
    (the one printed on the front sheet). The evidence digest printed on the front sheet is
    recomputed and compared in step 1 (:mod:`pcc_report.evidence`).
    """
    start = time.perf_counter()
    report_dir = Path(report_dir).absolute()
    templates_dir = Path(templates_dir or execution.NOTEBOOKS_DIR).absolute()
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

    _check_signature(report_dir, manifest_path.read_bytes(), manifest, result,
                     require_signature, fingerprint)
    progress(f"  signature: {result.signature}")
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
    for problem in evidence.check(report_dir, manifest):
        result.fail(problem)
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


def _check_signature(report_dir: Path, data: bytes, manifest: dict, result: VerifyResult,
                     required: bool, expected: str | None) -> None:
    """The signature first: a forged manifest makes every later check meaningless."""
    check = signing.check_signature(report_dir, data, manifest)
    result.signature = check.message
    if check.status == "invalid" or (check.status == "unsigned" and required):
        result.signature_failed = True
        result.fail(check.message + (" (--require-signature)" if check.status == "unsigned"
                                     else ""))
    elif check.status == "unsigned":
        result.notes.append("warning: " + check.message)
    elif expected is not None and not signing.same_fingerprint(expected, check.fingerprint or ""):
        result.signature_failed = True
        result.signature = f"signature does not match: signed by {check.fingerprint}, not by " \
                           f"the expected key {expected}"
        result.fail(result.signature)


def _finish(result: VerifyResult, start: float, progress: Progress) -> VerifyResult:
    result.seconds = time.perf_counter() - start
    progress(result.format())
    return result
