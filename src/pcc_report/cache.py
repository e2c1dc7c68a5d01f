"""Reusing executed sections: a content-hash cache of section notebooks and the files they wrote.

An analyst rebuilds a quarter many times before it is final, and most sections have not
changed between two builds. A section's executed notebook, tables and figures are a function
of what it is run on, so they are reused when the *key* of that is unchanged. The key is a
sha256 over, and only over, content:

* the section's template, name, title and injected parameters;
* the code: every file of the package (``src/pcc_report``), the project's ``config/``, the
  lock file, and the Python version and platform (:class:`CodeState`);
* the content of exactly the inputs the section's registry entry ``reads``
  (:data:`pcc_report.sections.INPUTS`: the monthly table, each return, the validation
  results, the suites, ...). A JSON input limited to some keys contributes only those keys.

Never a timestamp, a path or a run id: a rebuild of the same content finds the same key, and
any change of content (a code edit, a corrected return) gives a new one. Tools that hash only
the notebook's source (Quarto's ``freeze``) or ignore data files (Jupyter Book's execution
cache) serve stale sections; this one cannot, because a section is *executed* with only its
declared inputs present in a scratch folder (:func:`run_section`): a read missing from the
registry fails (or shows "not available") on every build, cached or not, instead of hiding.

The cache lives in one folder (:func:`cache_dir`: ``$PCC_REPORT_CACHE`` or
``<out>/.cache/sections``); entries are written into a temporary folder and renamed into place
(so concurrent builds never see half an entry, and the first to finish wins), and each entry
records the sha256 of every file it holds: a corrupt or partial entry is detected when it is
read, removed, and the section executed again. A report is byte-identical whether its sections
came from the cache or not (``tests/test_cache_e2e.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from pcc_report import sections
from pcc_report.config import PROJECT_ROOT
from pcc_report.execution import NOTEBOOKS_DIR, Section, execute_section

#: Overrides the cache folder (e.g. one cache shared by several reports folders).
CACHE_ENV = "PCC_REPORT_CACHE"
#: Changes when the key or the entry layout changes, so old entries are never misread.
FORMAT = "1"
ENTRY_FILE = "entry.json"
PACKAGE_DIR = Path(__file__).parent

#: Where a section's outputs go, by the folder they are kept under in an entry: tables in
#: the report's ``data/tables``, figures beside the executed notebook in the book folder.
_TABLES, _FIGURES = "tables", "figures"


def cache_dir(out: Path) -> Path:
    """The section cache of a reports folder: ``$PCC_REPORT_CACHE`` or ``<out>/.cache/sections``."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else Path(out) / ".cache" / "sections"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` by relative path (bytecode caches left out)."""
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            found[path.relative_to(root).as_posix()] = _sha(path.read_bytes())
    return found


@dataclass(frozen=True)
class CodeState:
    """What every section's key shares: the code, configuration and environment, hashed."""

    digest: str

    @classmethod
    def current(cls, project_root: Path = PROJECT_ROOT, package_dir: Path = PACKAGE_DIR
                ) -> CodeState:
        lock = Path(project_root) / "requirements.lock"
        record = {
            "package": _tree(Path(package_dir)),
            "config": _tree(Path(project_root) / "config"),
            "lock": _sha(lock.read_bytes()) if lock.is_file() else None,
            "python": sys.version,
            "platform": platform.platform(),
        }
        return cls(_sha(_canonical(record)))


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def visible_inputs(section: Section, report_dir: Path,
                   project_root: Path = PROJECT_ROOT) -> dict[str, bytes]:
    """The bytes of every input the section reads, by ``report:``/``project:`` relative path.

    A JSON input limited to some keys (:class:`pcc_report.sections.Input`) is reduced to
    them here, so the section is both keyed on and given only that part.
    """
    found: dict[str, bytes] = {}
    for name in sections.spec_for(section.template).reads:
        spec = sections.INPUTS[name]
        root = Path(report_dir) if spec.root == "report" else Path(project_root)
        for path in sorted(root.glob(spec.pattern)):
            data = path.read_bytes()
            if spec.keys is not None:
                whole = json.loads(data)
                data = json.dumps({k: whole[k] for k in spec.keys if k in whole}, indent=2,
                                  sort_keys=True).encode() + b"\n"
            found[f"{spec.root}:{path.relative_to(root).as_posix()}"] = data
    return found


def section_key(section: Section, inputs: dict[str, bytes], code: CodeState,
                notebooks_dir: Path = NOTEBOOKS_DIR) -> str:
    """The sha256 that decides whether a stored section can stand in for executing it."""
    template = (Path(notebooks_dir) / section.template).read_bytes()
    return _sha(_canonical({
        "format": FORMAT,
        "code": code.digest,
        "name": section.name,
        "title": section.title,
        "template": _sha(template),
        "parameters": section.parameters,
        "part": section.part,
        "inputs": {name: _sha(data) for name, data in sorted(inputs.items())},
    }))


@dataclass(frozen=True)
class SectionRun:
    """How one section came to be in the book: ``executed`` or ``reused``, with its key."""

    name: str
    outcome: str  # "executed" (run now), "reused" (from the cache)
    key: str | None  # None when the cache was not used (--no-cache)
    seconds: float

    def manifest_entry(self) -> dict:
        return {"outcome": self.outcome, "key": self.key}


class SectionCache:
    """One cache folder of entries ``<root>/<key[:2]>/<key>/`` (see the module docstring).

    ``required`` names the file an entry cannot be without (a section's executed notebook;
    other caches built on this one name theirs).
    """

    def __init__(self, root: Path, required: str = "notebook") -> None:
        self.root = Path(root)
        self.required = required

    def entry_dir(self, key: str) -> Path:
        return self.root / key[:2] / key

    def load(self, key: str) -> dict[str, bytes] | None:
        """The stored files of ``key`` (``notebook``, ``tables/..``, ``figures/..``), verified.

        ``None`` when there is no entry; an entry whose record or any file's sha256 does not
        match (a partial copy, a disk error, an edit) is removed and ``None`` returned.
        """
        entry = self.entry_dir(key)
        if not entry.is_dir():
            return None
        try:
            record = json.loads((entry / ENTRY_FILE).read_text(encoding="utf-8"))
            if record.get("format") != FORMAT or record.get("key") != key:
                raise ValueError("entry record does not match its key")
            files = {}
            for rel, digest in record["files"].items():
                data = (entry / rel).read_bytes()
                if _sha(data) != digest:
                    raise ValueError(f"{rel} does not match its recorded sha256")
                files[rel] = data
            if self.required not in files:
                raise ValueError(f"no {self.required} in the entry")
            return files
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            self.discard(key)
            return None

    def store(self, key: str, files: dict[str, bytes]) -> None:
        """Write an entry atomically: into ``<root>/.tmp/``, then one rename into place.

        If another build stored the same key first, its entry is kept (same content by the
        key's definition) and this one dropped. A failure to store never fails the build.
        """
        tmp = self.root / ".tmp" / uuid.uuid4().hex
        try:
            for rel, data in files.items():
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                (tmp / rel).write_bytes(data)
            record = {"format": FORMAT, "key": key,
                      "files": {rel: _sha(data) for rel, data in sorted(files.items())}}
            (tmp / ENTRY_FILE).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n",
                                          encoding="utf-8")
            target = self.entry_dir(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(tmp, target)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)

    def discard(self, key: str) -> None:
        """Remove an entry: renamed aside first, so no reader sees it half-deleted."""
        aside = self.root / ".tmp" / f"discard-{uuid.uuid4().hex}"
        with contextlib.suppress(OSError):
            aside.parent.mkdir(parents=True, exist_ok=True)
            os.rename(self.entry_dir(key), aside)
        shutil.rmtree(aside, ignore_errors=True)


def _stage(work: Path, inputs: dict[str, bytes]) -> None:
    """A scratch report folder holding only the section's declared report inputs."""
    for name, data in inputs.items():
        root, rel = name.split(":", 1)
        if root == "report":
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_bytes(data)
    (work / "_book").mkdir(parents=True)


def _outputs(work: Path, section: Section) -> dict[str, bytes]:
    """What the section wrote in its scratch folder: notebook, tables, figures."""
    files = {"notebook": (work / "_book" / f"{section.name}.ipynb").read_bytes()}
    folders = ((_TABLES, work / "data" / "tables"), (_FIGURES, work / "_book" / "figures"))
    for kind, folder in folders:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    files[f"{kind}/{path.relative_to(folder).as_posix()}"] = path.read_bytes()
    return files


def _restore(files: dict[str, bytes], section: Section, book_dir: Path) -> None:
    """Put a section's notebook, tables and figures where executing it would have."""
    targets = {_TABLES: book_dir.parent / "data" / "tables", _FIGURES: book_dir / _FIGURES}
    for rel, data in files.items():
        if rel == "notebook":
            path = book_dir / f"{section.name}.ipynb"
        else:
            kind, name = rel.split("/", 1)
            path = targets[kind] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def run_section(section: Section, book_dir: Path, templates_dir: Path,
                cache: SectionCache | None, code: CodeState | None) -> SectionRun:
    """Put one executed section in ``book_dir``: from the cache, or executed and then stored.

    ``book_dir`` is ``<report>/_book`` with the report's data beside it. Without a cache the
    section is executed in place (:func:`execution.execute_section`). With one, a verified
    entry of its key is restored; otherwise it is executed in a scratch folder holding only
    its declared inputs, stored, and restored from what it wrote.
    """
    book_dir, templates_dir = Path(book_dir), Path(templates_dir)
    if cache is None or code is None:
        seconds = execute_section(section, book_dir, templates_dir)
        return SectionRun(section.name, "executed", None, seconds)
    start = time.perf_counter()
    inputs = visible_inputs(section, book_dir.parent)
    key = section_key(section, inputs, code)
    files = cache.load(key)
    outcome = "reused"
    if files is None:
        outcome = "executed"
        work = templates_dir / f"work-{section.name}"
        shutil.rmtree(work, ignore_errors=True)
        _stage(work, inputs)
        execute_section(section, work / "_book", templates_dir)
        files = _outputs(work, section)
        shutil.rmtree(work, ignore_errors=True)
        cache.store(key, files)
    _restore(files, section, book_dir)
    return SectionRun(section.name, outcome, key, time.perf_counter() - start)
