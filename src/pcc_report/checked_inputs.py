"""Reusing validation: a content-hash cache of the checked inputs and the monthly table.

Validation is the slowest step of a rebuild whose inputs have not changed (Great Expectations
runs every suite on every row: about 14 s for the demonstration quarter), and its outcome is a
function of what it is run on. So an unchanged rebuild (a draft after a narrative edit, the
final ``run`` after the last draft) reuses what the previous build found: the validation
results (every edition's), the tidy monthly table, the rows per file and the force named in
the files. The *key* is a sha256 over content only, never timestamps or paths:

* the code (:class:`pcc_report.cache.CodeState`: the package, ``config/``, the lock file,
  Python and the platform) and every suite in ``expectations/``;
* the content of every police.uk file the build reads (or of the zip archive holding them),
  with its name as recorded, and the names of the download's other files (validation notes
  them);
* every file of the returns folder (validation reads the whole folder);
* what else decides validation: the force, the period end, ``--allow-missing``, the edition.

The police.uk hashes made for the key are kept (:attr:`Lookup.hashes`) for the manifest's
input entries, so each input is read and hashed once per build. Only a build whose
validation passed is stored; entries live in ``<out>/.cache/inputs/`` beside the section
cache (or in ``$PCC_REPORT_CACHE/inputs/``), written atomically and verified when read
(:class:`pcc_report.cache.SectionCache`). ``--no-cache`` validates every input again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pcc_report import cache, ingest, manifest
from pcc_report.validation import Problem, ValidationReport

#: Changes when the key or the entry's layout changes, so old entries are never misread.
FORMAT = "1"
RECORD = "checked.json"
TIDY = "tidy.parquet"


def cache_root(out: Path) -> Path:
    """``<out>/.cache/inputs``, or ``$PCC_REPORT_CACHE/inputs`` when that is set."""
    override = os.environ.get(cache.CACHE_ENV)
    return Path(override) / "inputs" if override else Path(out) / ".cache" / "inputs"


@dataclass(frozen=True)
class Checked:
    """What validation and the read produced, as stored in an entry."""

    report: ValidationReport  # every input validated (the restricted edition's results)
    public_report: ValidationReport  # without restricted-only returns (the public edition's)
    tidy: bytes  # the monthly table's Parquet file, exactly as the build writes it
    row_counts: dict[str, int]  # rows per police.uk file (relative path)
    falls_within: str | None  # the "Falls within" of the first row (the force's name)


@dataclass(frozen=True)
class Lookup:
    """One build's key, the police.uk hashes made for it and the entry found (if any)."""

    key: str
    hashes: dict[str, tuple[int, str]]  # (size, sha256) by the manifest's relative path
    found: Checked | None


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _folder_tree(root: Path) -> dict[str, str]:
    paths = sorted(p for p in Path(root).rglob("*") if p.is_file())
    hashed = manifest.hash_many(paths)
    return {p.relative_to(root).as_posix(): h for p, (_, h) in zip(paths, hashed, strict=True)}


def police_uk_hashes(files: list[ingest.StreetFile], root: Path) -> dict[str, tuple[int, str]]:
    """(size, sha256) of each input as the manifest records it: each file, or the zip whole."""
    if ingest.is_archive(root):
        archive = Path(root)
        return {archive.name: manifest.hash_many([archive])[0]}
    return {f.relative: h for f, h in zip(files, manifest.hash_many([f.path for f in files]),
                                          strict=True)}


def input_key(hashes: dict[str, tuple[int, str]], members: list[str], ignored: list[str],
              returns: Path | None, settings: dict, code: cache.CodeState,
              expectations: Path) -> str:
    """The sha256 that decides whether stored validation results can stand in for validating."""
    record = {
        "format": FORMAT,
        "code": code.digest,
        "suites": _folder_tree(expectations),
        "police_uk": {name: sha for name, (_, sha) in sorted(hashes.items())},
        "members": members,
        "ignored": ignored,
        "returns": _folder_tree(returns) if returns is not None else None,
        "settings": settings,
    }
    return _sha(json.dumps(record, sort_keys=True, separators=(",", ":")).encode())


def _report(data: dict) -> ValidationReport:
    return ValidationReport(
        suites=data["suites"], problems=[Problem(**p) for p in data["problems"]],
        incomplete_months=list(data["incomplete_months"]), rows_checked=data["rows_checked"])


def _report_record(report: ValidationReport) -> dict:
    return {"suites": report.suites, "problems": [p.to_dict() for p in report.problems],
            "incomplete_months": list(report.incomplete_months),
            "rows_checked": report.rows_checked}


def lookup(files: list[ingest.StreetFile], police_uk: Path, returns: Path | None,
           settings: dict, out: Path, expectations: Path, use_cache: bool = True) -> Lookup:
    """Hash the inputs, make the key and find its entry (``found`` is None on a miss)."""
    hashes = police_uk_hashes(files, police_uk)
    if not use_cache:
        return Lookup("", hashes, None)
    key = input_key(hashes, [f"{f.relative}|{f.member or ''}" for f in files],
                    ingest.ignored_files(police_uk, settings["force"]), returns, settings,
                    cache.CodeState.current(), expectations)
    stored = cache.SectionCache(cache_root(out), required=RECORD).load(key)
    found = None
    if stored is not None:
        try:
            record = json.loads(stored[RECORD])
            found = Checked(_report(record["report"]), _report(record["public_report"]),
                            stored[TIDY], {k: int(v) for k, v in record["row_counts"].items()},
                            record["falls_within"])
        except (KeyError, TypeError, ValueError):
            cache.SectionCache(cache_root(out), required=RECORD).discard(key)
    return Lookup(key, hashes, found)


def store(out: Path, key: str, checked: Checked) -> None:
    """Keep a passed validation's results under ``key`` (never fails the build)."""
    if not key or not checked.report.ok:
        return
    record = {"report": _report_record(checked.report),
              "public_report": _report_record(checked.public_report),
              "row_counts": checked.row_counts, "falls_within": checked.falls_within}
    try:
        data = json.dumps(record, sort_keys=True, ensure_ascii=False).encode()
    except (TypeError, ValueError):  # a result that JSON cannot hold: validate again next time
        return
    cache.SectionCache(cache_root(out), required=RECORD).store(key, {RECORD: data,
                                                                     TIDY: checked.tidy})
