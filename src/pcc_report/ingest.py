"""Find and read data.police.uk street-level files into one tidy monthly table.

Analysts download police.uk files in three shapes: the archive's month folders
(``2022-09/2022-09-lancashire-street.csv``), a flat folder of files (plain or gzipped), or the
zip archive data.police.uk's download page produces, read in place (never unpacked to disk).
All are found by searching for ``YYYY-MM-<force>-street.csv[.gz]``; the download's outcomes,
stop-and-search and unrelated files (``README``, ``.DS_Store``) are listed by
:func:`ignored_files` so that validation can note them, never refuse them.

Reading keeps every row with its file and line number so that validation can point the
analyst at the exact place of a bad value; only validated rows are then aggregated (with
DuckDB) into the tidy table the report sections use: one row per month, force, district,
crime type and outcome, with a count.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pcc_report.periods import Month
from pcc_report.police_uk import STREET_COLUMNS, STREET_FILE_NAME

#: The district the tidy table gives a row without an LSOA (kept, never dropped).
NO_LOCATION = "No location"

#: Columns added to every row read, after the police.uk columns, to trace it to its file and
#: line: ``source_file`` (path relative to the data root), ``source_line`` (1-based, the header
#: is line 1), ``file_month`` (from the file name) and ``force`` (slug). Validation names them
#: in every problem.
TRACE_COLUMNS: tuple[str, ...] = ("source_file", "source_line", "file_month", "force")


class IngestError(Exception):
    """The data folder cannot be used at all (no files, duplicates): nothing to validate."""


@dataclass(frozen=True)
class StreetFile:
    """One police.uk street file found in the data folder."""

    path: Path  # the file, or the zip archive holding it
    relative: str  # path relative to the data root (or inside the zip), as recorded in reports
    month: str  # YYYY-MM from the file name
    force: str
    member: str | None = None  # the name inside the zip archive ``path``; None for a file

    @property
    def name(self) -> str:
        return self.relative.rsplit("/", 1)[-1]


def is_archive(root: Path) -> bool:
    """True when ``--police-uk`` names a zip archive rather than a folder."""
    root = Path(root)
    return root.is_file() and zipfile.is_zipfile(root)


@contextmanager
def open_street_file(file: StreetFile) -> Iterator[BinaryIO]:
    """The file's bytes as stored (still gzipped for ``.gz``), from disk or inside the zip."""
    if file.member is None:
        with open(file.path, "rb") as handle:
            yield handle
        return
    with zipfile.ZipFile(file.path) as archive, archive.open(file.member) as handle:
        yield handle


def file_size(file: StreetFile) -> int:
    """Bytes as stored (a zip member's uncompressed size)."""
    if file.member is None:
        return Path(file.path).stat().st_size
    with zipfile.ZipFile(file.path) as archive:
        return archive.getinfo(file.member).file_size


def discover_street_files(root: Path, force: str) -> list[StreetFile]:
    """Every street file for ``force`` below the folder ``root`` or in the zip ``root``.

    Two files for the same month (say a plain and a gzipped copy) are refused: counting a
    month twice would silently double its crimes.
    """
    root = Path(root)
    if is_archive(root):
        candidates = _archive_members(root, force)
    elif root.is_dir():
        candidates = [
            (path, path.relative_to(root).as_posix(), None)
            for path in sorted(root.rglob(f"*-{force}-street.csv*"))
            if path.is_file()
        ]
    elif root.exists():
        raise IngestError(f"--police-uk {root} is neither a folder nor a zip archive")
    else:
        raise IngestError(f"police.uk data folder not found: {root}")
    found: dict[str, StreetFile] = {}
    for path, relative, member in candidates:
        match = STREET_FILE_NAME.match(relative.rsplit("/", 1)[-1])
        if not match or match["force"] != force:
            continue
        month = match["month"]
        if month in found:
            raise IngestError(
                f"two files for {force} {month}: {found[month].relative} and {relative}; keep one"
            )
        found[month] = StreetFile(path, relative, month, force, member)
    if not found:
        raise IngestError(
            f"no police.uk street files for force '{force}' in {root} "
            f"(expected names like 2022-09-{force}-street.csv or .csv.gz)"
        )
    return [found[m] for m in sorted(found)]


def _archive_members(archive: Path, force: str) -> list[tuple[Path, str, str]]:
    try:
        with zipfile.ZipFile(archive) as opened:
            names = sorted(n for n in opened.namelist() if not n.endswith("/"))
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(f"cannot read the zip archive {archive}: {exc}") from exc
    return [(archive, name, name) for name in names if name.endswith(
        (f"-{force}-street.csv", f"-{force}-street.csv.gz"))]


def ignored_files(root: Path, force: str) -> list[str]:
    """What the download holds besides street files: outcomes and stop-and-search files of
    ``force`` (folder or zip) and, in a zip, every other member (other forces' files,
    ``README``, ``.DS_Store``). Only street files are counted; these are noted, not refused.
    """
    root = Path(root)
    if is_archive(root):
        with zipfile.ZipFile(root) as opened:
            names = sorted(n for n in opened.namelist() if not n.endswith("/"))
    elif root.is_dir():
        names = sorted(
            p.relative_to(root).as_posix()
            for kind in ("outcomes", "stop-and-search")
            for p in root.rglob(f"*-{force}-{kind}.csv*")
        )
    else:
        return []
    return [n for n in names if not STREET_FILE_NAME.match(n.rsplit("/", 1)[-1])]


def select_files(files: list[StreetFile], last_month: Month) -> list[StreetFile]:
    """Files up to the report's period end: later months must not leak into a report."""
    return [f for f in files if f.month <= str(last_month)]


def read_street_file(file: StreetFile) -> pa.Table:
    """Read one file as text columns, adding where each row came from.

    Every column stays a string: validation, not the CSV parser, decides what a bad
    latitude is, so that the analyst gets a rule and a line number instead of a crash.
    """
    table = pacsv.read_csv(
        _csv_source(file),
        read_options=pacsv.ReadOptions(block_size=16 << 20),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in STREET_COLUMNS},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    rows = table.num_rows
    trace = (
        pa.array([file.relative] * rows, pa.string()),
        pa.array(range(2, rows + 2), pa.int64()),
        pa.array([file.month] * rows, pa.string()),
        pa.array([file.force] * rows, pa.string()),
    )
    for name, column in zip(TRACE_COLUMNS, trace, strict=True):
        table = table.append_column(name, column)
    return table


def _csv_source(file: StreetFile) -> Path | BinaryIO:
    """What pyarrow reads: the path itself (it picks gzip from the name), or a zip member's
    text as an in-memory stream (decompressed in memory, never written to disk)."""
    if file.member is None:
        return file.path
    with open_street_file(file) as handle:
        data = handle.read()
    if file.member.endswith(".gz"):
        data = gzip.decompress(data)
    return io.BytesIO(data)


def empty_street_table() -> pa.Table:
    """A table with the street columns and no rows (when no file could be read)."""
    names = [*STREET_COLUMNS, *TRACE_COLUMNS]
    types = [pa.int64() if n == "source_line" else pa.string() for n in names]
    return pa.schema(list(zip(names, types, strict=True))).empty_table()


def read_street_files(files: list[StreetFile]) -> pa.Table:
    """All files as one Arrow table (files must already have passed the file-level checks)."""
    return pa.concat_tables([read_street_file(f) for f in files])


TIDY_SQL = f"""
SELECT
    file_month AS month,
    force,
    CASE WHEN trim("LSOA name") = '' THEN '{NO_LOCATION}'
         ELSE regexp_replace(trim("LSOA name"), '\\s+\\S+$', '') END AS district,
    "Crime type" AS crime_type,
    NULLIF("Last outcome category", '') AS outcome,
    count(*)::BIGINT AS count
FROM street
GROUP BY ALL
ORDER BY month, district, crime_type, outcome NULLS FIRST
"""


def tidy_monthly(street: pa.Table) -> pd.DataFrame:
    """Aggregate raw rows to month x force x district x crime type x outcome counts.

    The district is the LSOA name without its last token ("Blackburn with Darwen 001A" ->
    "Blackburn with Darwen"); rows with no LSOA are counted under "No location", never
    dropped, so district totals add up to the force total.
    """
    con = duckdb.connect()
    try:
        con.register("street", street)
        return con.execute(TIDY_SQL).df()
    finally:
        con.close()


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write the tidy table without pandas' index or volatile metadata."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd")
