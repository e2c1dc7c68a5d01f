"""The report's evidence digest: the short digest printed on the front sheet.

The front sheet is part of the report, so it cannot print a digest of the whole report (the
digest would change the page it is printed on). It prints instead the digest of the
*evidence*: everything the sections compute from, fixed before any section runs:

- every file of the edition's ``data/`` folder then (the monthly table, ``inputs.json``,
  ``provenance.json`` with the code version, environment summary, input files and their
  sha256, validation outcome and revision; the force returns and breakdowns), and its
  ``validation/`` results;
- the sections' parameters (force, quarter, period end, edition, meeting, ...).

Not covered: the analyst's prose (``data/narrative/*.md``, see :func:`_prose`), what the
sections make from it (``data/tables``, figures, notebooks, the book),
``data/lineage.json`` (written after the sections) and this file itself. Those are covered by
the manifest, which records the evidence digest and is signed (:mod:`pcc_report.signing`), and
by re-execution, which shows they are what the code makes of the evidence.

The record and its digest are written to ``data/evidence.json`` (which the front sheet reads,
with the signing key's fingerprint) and into the manifest's ``evidence`` entry; ``verify``
recomputes the digest from the files and checks it against both and against the front sheet.
"""

from __future__ import annotations

import json
from pathlib import Path

from pcc_report.manifest import canonical_json, file_entries, sha256_bytes

EVIDENCE_FILE = "evidence.json"
LINEAGE_FILE = "lineage.json"
#: Hex digits of the digest printed on the paper (64 bits: ample against a chosen edit,
#: since the full digest is in the signed manifest).
SHORT_DIGITS = 16


def covered_files(report_dir: Path) -> list[Path]:
    """The files the digest covers: ``data/`` minus what sections write, and ``validation/``."""
    report_dir = Path(report_dir)
    skipped = {f"data/{EVIDENCE_FILE}", f"data/{LINEAGE_FILE}"}
    found = []
    for folder in ("data", "validation"):
        for path in sorted((report_dir / folder).rglob("*")):
            name = path.relative_to(report_dir).as_posix()
            if (path.is_file() and name not in skipped and not name.startswith("data/tables/")
                    and not _prose(name)):
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(report_dir).as_posix())


def _prose(name: str) -> bool:
    """The analyst's Markdown (``data/narrative/*.md``): placed in the book after the sections
    run, so an edit to it re-runs no section. It is covered by the signed manifest (every
    narrative file is an input with its sha256), not by the digest the front sheet prints,
    which would otherwise make the front sheet re-run at every edit of the prose."""
    return name.startswith("data/narrative/") and name.endswith(".md")


def short(digest: str) -> str:
    """The printed form: the first 16 hex digits in groups of four."""
    head = digest[:SHORT_DIGITS]
    return " ".join(head[i : i + 4] for i in range(0, SHORT_DIGITS, 4))


def compute(report_dir: Path, parameters: dict) -> dict:
    """The evidence record of a report folder and its sha256 (``digest``, ``short``)."""
    covers = {"parameters": parameters,
              "files": file_entries(covered_files(report_dir), Path(report_dir))}
    digest = sha256_bytes(canonical_json(covers))
    return {"digest": digest, "short": short(digest), "covers": covers}


def record(report_dir: Path, parameters: dict, signing_key: str | None) -> dict:
    """Compute the evidence digest and write ``data/evidence.json``; the manifest's entry.

    ``signing_key`` is the fingerprint of the key that will sign the manifest (None when
    the build is unsigned); the front sheet prints it beside the digest.
    """
    evidence = compute(report_dir, parameters)
    written = {**evidence, "signing_key": signing_key}
    path = Path(report_dir) / "data" / EVIDENCE_FILE
    path.write_text(json.dumps(written, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return {"digest": evidence["digest"], "short": evidence["short"], "signing_key": signing_key}


def common_parameters(notebooks: list[dict]) -> dict | None:
    """The run parameters every section got (without a section's own, e.g. ``priority_id``)."""
    for entry in notebooks:
        if "priority_id" not in entry.get("parameters", {}):
            return dict(entry["parameters"])
    return None


def check(report_dir: Path, manifest: dict) -> list[str]:
    """Problems with the evidence digest (empty when it holds), one sentence each.

    The digest recomputed from the report's files must equal the manifest's and
    ``data/evidence.json``'s, the parameters it covers must be every section's, and the front
    sheet (its CSV and the HTML book's first page) must print its short form.
    """
    report_dir = Path(report_dir)
    entry = manifest.get("evidence")
    if entry is None:
        return []  # a report built before the evidence digest existed: nothing to check
    problems = []
    path = report_dir / "data" / EVIDENCE_FILE
    try:
        written = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"evidence: data/{EVIDENCE_FILE} cannot be read ({exc})"]
    parameters = written.get("covers", {}).get("parameters", {})
    now = compute(report_dir, parameters)
    if now["digest"] != entry.get("digest") or written.get("digest") != entry.get("digest"):
        problems.append(
            f"evidence: the digest of the evidence (data/ and validation/ files, parameters) "
            f"is {now['short']} now; the manifest says {short(entry.get('digest') or '')}, "
            f"data/{EVIDENCE_FILE} says {short(written.get('digest') or '')}"
        )
    for nb in manifest.get("notebooks", []):
        own = {k: v for k, v in nb.get("parameters", {}).items() if k != "priority_id"}
        if own != parameters:
            problems.append(f"evidence: section {nb.get('name')} ran with parameters the "
                            "evidence digest does not cover")
    printed = entry.get("short", "")
    sheet = report_dir / "data" / "tables" / "front-sheet.csv"
    if not sheet.is_file() or printed not in sheet.read_text(encoding="utf-8"):
        problems.append(f"evidence: the front sheet (data/tables/front-sheet.csv) does not "
                        f"print the evidence digest {printed}")
    notebooks = manifest.get("notebooks") or [{"name": "index"}]
    page = report_dir / "html" / f"{notebooks[0]['name']}.html"  # the book's root: front sheet
    if page.is_file() and printed not in page.read_text(encoding="utf-8"):
        problems.append(f"evidence: the HTML front sheet (html/{page.name}) does not print the "
                        f"evidence digest {printed}")
    return problems
