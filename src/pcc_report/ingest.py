"""Find and read data.police.uk street-level files into one tidy monthly table.

Analysts download police.uk files in two shapes: the archive's month folders
(``2022-09/2022-09-lancashire-street.csv``) or a flat folder of files, plain or gzipped.
Both are found by searching the data folder for ``YYYY-MM-<force>-street.csv[.gz]``.

Reading keeps every row with its file and line number so that validation can point the
analyst at the exact place of a bad value; only validated rows are then aggregated (with
DuckDB) into the tidy table the report sections use: one row per month, force, district,
crime type and outcome, with a count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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

    path: Path
    relative: str  # path relative to the data root, as recorded in reports
    month: str  # YYYY-MM from the file name
    force: str


def discover_street_files(root: Path, force: str) -> list[StreetFile]:
    """Every street file for ``force`` below ``root``, sorted by month.

    Two files for the same month (say a plain and a gzipped copy) are refused: counting a
    month twice would silently double its crimes.
    """
    root = Path(root)
    if not root.is_dir():
        raise IngestError(f"police.uk data folder not found: {root}")
    found: dict[str, StreetFile] = {}
    for path in sorted(root.rglob(f"*-{force}-street.csv*")):
        match = STREET_FILE_NAME.match(path.name)
        if not match or match["force"] != force or not path.is_file():
            continue
        month = match["month"]
        relative = path.relative_to(root).as_posix()
        if month in found:
            raise IngestError(
                f"two files for {force} {month}: {found[month].relative} and {relative}; keep one"
            )
        found[month] = StreetFile(path, relative, month, force)
    if not found:
        raise IngestError(
            f"no police.uk street files for force '{force}' in {root} "
            f"(expected names like 2022-09-{force}-street.csv or .csv.gz)"
        )
    return [found[m] for m in sorted(found)]


def select_files(files: list[StreetFile], last_month: Month) -> list[StreetFile]:
    """Files up to the report's period end: later months must not leak into a report."""
    return [f for f in files if f.month <= str(last_month)]


def read_street_file(file: StreetFile) -> pa.Table:
    """Read one file as text columns, adding where each row came from.

    Every column stays a string: validation, not the CSV parser, decides what a bad
    latitude is, so that the analyst gets a rule and a line number instead of a crash.
    """
    table = pacsv.read_csv(
        file.path,
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
