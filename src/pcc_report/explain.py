"""``pcc-report explain REPORT_DIR ID``: one figure's chain, recounted from the input files.

The lineage record (:mod:`pcc_report.lineage`) says which notebook and cell made a table or
chart, from which measures, windows, months and police.uk files, under which filter. This
module prints that chain and recounts every police.uk figure of the output straight from the
street files (plain, gzipped or inside the data.police.uk zip), with pandas and without the
tidy table or any of the report's code paths for counting: the rows of each month whose
"Crime type" passes the filter. It says whether each figure still matches; the command exits
non-zero when one does not (or a file is missing or altered).

Force-return figures are listed ("force return: not recounted") with their return file and
its sha256, checked against the report folder's copy; their returns are validated and hashed,
and ``verify`` re-executes the sections that read them. A district or outcome figure is
recounted from the "LSOA name" (without its last token) and "Last outcome category" too.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pcc_report.ingest import NO_LOCATION
from pcc_report.lineage import LINEAGE_FILE, POLICE_UK, span
from pcc_report.manifest import MANIFEST_NAME, sha256_file


class ExplainError(Exception):
    """The report or the id cannot be explained (no lineage, unknown id)."""


@dataclass
class Explanation:
    """The printed chain (``lines``) and whether every recounted figure matched."""

    lines: list[str] = field(default_factory=list)
    matched: int = 0
    mismatched: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.mismatched == 0 and not self.problems

    def format(self) -> str:
        return "\n".join(self.lines)


def load_record(report_dir: Path, output_id: str) -> dict:
    path = Path(report_dir) / "data" / LINEAGE_FILE
    if not path.is_file():
        raise ExplainError(f"{path} not found: the report has no per-figure lineage")
    records = json.loads(path.read_text(encoding="utf-8"))
    if output_id not in records:
        near = [k for k in records if output_id in k][:5]
        raise ExplainError(f"no table or chart with id {output_id!r} in {path}"
                           + (f" (did you mean {', '.join(near)}?)" if near else ""))
    return records[output_id]


class _Inputs:
    """The police.uk files of a report, where the manifest says they are (or re-rooted)."""

    def __init__(self, report_dir: Path, data_root: Path | None) -> None:
        manifest = json.loads((Path(report_dir) / MANIFEST_NAME).read_text(encoding="utf-8"))
        self.entries = manifest.get("inputs", [])
        self.data_root = data_root
        self._counts: dict[str, pd.DataFrame] = {}

    def _root(self, entry: dict) -> Path:
        return Path(self.data_root) if self.data_root is not None else Path(entry["data_root"])

    def locate(self, name: str) -> tuple[Path, str | None]:
        """(file on disk, member inside a zip or None) of one police.uk file."""
        for entry in self.entries:
            if entry["path"] == name:
                return self._root(entry) / entry["path"], None
        archives = [e for e in self.entries if e["path"].endswith(".zip")]
        if archives:
            return self._root(archives[0]) / archives[0]["path"], name
        root = self._root(self.entries[0]) if self.entries else Path(".")
        return root / name, None

    def crime_types(self, name: str) -> pd.DataFrame:
        """Rows per (crime type, district, outcome) of one file, read with pandas (cached).

        The district is the "LSOA name" without its last token ("No location" when blank),
        the outcome the "Last outcome category" ("" when blank), as police.uk publishes them.
        """
        if name not in self._counts:
            path, member = self.locate(name)
            if member is not None:
                with zipfile.ZipFile(path) as archive:
                    data = archive.read(member)
            else:
                data = path.read_bytes()
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            frame = pd.read_csv(io.BytesIO(data), usecols=lambda c: c in _COLUMNS, dtype=str,
                                keep_default_na=False).rename(columns=_COLUMNS)
            frame = frame.reindex(columns=list(_COLUMNS.values()), fill_value="")
            place = frame["district"].str.strip()
            frame["district"] = place.str.replace(r"\s+\S+$", "", regex=True).where(
                place != "", NO_LOCATION)
            self._counts[name] = frame.value_counts().rename("rows").reset_index()
        return self._counts[name]


_COLUMNS = {"Crime type": "crime_type", "LSOA name": "district",
            "Last outcome category": "outcome"}


def _other_input(report_dir: Path, entry: dict, out: Explanation) -> str:
    """A force return or source file: present, and its sha256 the record's (a line)."""
    path = report_dir / entry["file"]
    state = "ok"
    if not path.is_file():
        state = "not in the report folder"
    elif entry.get("sha256") and sha256_file(path) != entry["sha256"]:
        state = "ALTERED (sha256 differs from the record's)"
        out.problems.append(f"input altered: {path}")
    months = f"  {entry['month']}" if entry.get("month") else ""
    return (f"{entry['file']}  ({entry['kind']}{months})  "
            f"sha256 {(entry.get('sha256') or 'none')[:16]}  {state}")


def recount(figure: dict, files_by_month: dict[str, list[str]], inputs: _Inputs) -> dict:
    """Rows per month of the figure's filter, and their sum."""
    per_month = {}
    for month in figure["months"]:
        rows = 0
        for name in files_by_month.get(month, []):
            counts = inputs.crime_types(name)
            if figure.get("crime_types"):
                keep = counts["crime_type"].isin(figure["crime_types"])
            else:
                keep = ~counts["crime_type"].isin(figure.get("exclude_crime_types") or [])
            if figure.get("districts"):
                keep &= counts["district"].isin(figure["districts"])
            if figure.get("outcomes"):
                keep &= counts["outcome"].str.strip().isin(figure["outcomes"])
            rows += int(counts.loc[keep, "rows"].sum())
        per_month[month] = rows
    return {"months": per_month, "total": sum(per_month.values())}


def explain(report_dir: Path, output_id: str, data_root: Path | None = None) -> Explanation:
    """The chain of one table or chart, and every police.uk figure of it recounted."""
    record = load_record(report_dir, output_id)
    out = Explanation()
    say = out.lines.append
    say(f"{record['id']} ({record['kind']}): {record['caption']}")
    say(f"  made by {record.get('notebook')}, cell {record.get('cell')} "
        f"(In [{record.get('execution_count')}])")
    if record.get("measures"):
        say(f"  measures: {', '.join(record['measures'])}")
    say(f"  filter: {record.get('filter')}")
    for key, window in (record.get("windows") or {}).items():
        say(f"  window {key}: {window['label']} ({span(window['months'])})")
    inputs = _Inputs(report_dir, data_root)
    files_by_month: dict[str, list[str]] = {}
    say(f"  input files ({len(record.get('inputs', []))}):")
    for entry in record.get("inputs", []):
        if entry.get("kind"):  # a force return or a source file, in the report folder
            say("    " + _other_input(Path(report_dir), entry, out))
            continue
        files_by_month.setdefault(str(entry["month"]), []).append(entry["file"])
        path, member = inputs.locate(entry["file"])
        state = "ok"
        if not path.is_file():
            state = "MISSING"
            out.problems.append(f"input missing: {path}")
        elif member is None and entry.get("sha256") and sha256_file(path) != entry["sha256"]:
            state = "ALTERED (sha256 differs from the report's)"
            out.problems.append(f"input altered: {path}")
        say(f"    {entry['file']}  {entry['month']}  {entry.get('rows')} rows  "
            f"sha256 {(entry.get('sha256') or 'in the archive')[:16]}  {state}")
    figures = record.get("figures", [])
    recountable = [f.get("source") == POLICE_UK and f.get("value") is not None for f in figures]
    say(f"  figures ({len(figures)}; {sum(recountable)} recounted from the police.uk files):")
    if any(p.startswith("input missing") for p in out.problems):
        say("  cannot recount: input files are missing")
        return out
    for f, counted in zip(figures, recountable, strict=True):
        where = f"{f['row']} | {f['column']}"
        if not counted:
            why = "force return: not recounted" if f.get("source") != POLICE_UK else \
                "no value: not recounted"
            say(f"    {where}: {f['value']} ({f['filter']}; {why})")
            continue
        again = recount(f, files_by_month, inputs)
        same = again["total"] == f["value"]
        out.matched += same
        out.mismatched += not same
        months = ", ".join(f"{m}: {n}" for m, n in again["months"].items())
        say(f"    {where}: report {f['value']}, recounted {again['total']} "
            f"{'matches' if same else 'DOES NOT MATCH'} ({f['filter']}) [{months}]")
    verdict = "every recounted figure matches" if out.ok else (
        f"{out.mismatched} figure(s) do not match" if out.mismatched else "inputs changed")
    say(f"{record['id']}: {out.matched} matching, {out.mismatched} not matching: {verdict}")
    return out
