"""Small police.uk-format street rows, frames and files for tests (CRLF like the real ones).

``row``/``write_street_file`` build list rows for the ingest tests; ``crime``/``asb``/
``good_month``/``frame_of``/``write_csv`` build the dict rows and frames the validation tests use.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from itertools import count
from pathlib import Path

import pandas as pd

from pcc_report.police_uk import ANTI_SOCIAL_BEHAVIOUR, STREET_COLUMNS
from pcc_report.validation import Problem, ValidationReport

HEADER = list(STREET_COLUMNS)

FORCE = "testshire"
MONTHS = ["2022-07", "2022-08", "2022-09"]
BTP = "British Transport Police"
_ids = count()


def row(
    month: str,
    crime_type: str = "Burglary",
    lsoa_name: str = "Preston 001A",
    outcome: str = "Under investigation",
    crime_id: str | None = None,
    lsoa_code: str = "E01012345",
    lat: str = "53.76",
    lon: str = "-2.70",
    force_name: str = "Testshire Police",
) -> list[str]:
    asb = crime_type == ANTI_SOCIAL_BEHAVIOUR
    if crime_id is None:
        key = f"{month}|{crime_type}|{lsoa_name}".encode()
        crime_id = "" if asb else hashlib.sha256(key).hexdigest()
    located = bool(lsoa_name)
    return [
        crime_id,
        month,
        force_name,
        force_name,
        lon if located else "",
        lat if located else "",
        "On or near High Street" if located else "No location",
        lsoa_code if located else "",
        lsoa_name,
        crime_type,
        "" if asb else outcome,
        "",
    ]


def write_street_file(
    path: Path, rows: list[list[str]], *, gz: bool = False, header: list[str] = HEADER
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def crime(month: str, **values: str) -> dict[str, str]:
    """A valid police.uk crime row; keyword arguments (spaces as _) override columns."""
    row = {
        "Crime ID": hashlib.sha256(f"crime-{next(_ids)}".encode()).hexdigest(),
        "Month": month,
        "Reported by": "Testshire Police",
        "Falls within": "Testshire Police",
        "Longitude": "-2.700000",
        "Latitude": "53.760000",
        "Location": "On or near High Street",
        "LSOA code": "E01012345",
        "LSOA name": "Preston 001A",
        "Crime type": "Burglary",
        "Last outcome category": "Under investigation",
        "Context": "",
    }
    for key, value in values.items():
        row[key.replace("_", " ") if key.replace("_", " ") in row else key] = value
    return row


def asb(month: str, **values: str) -> dict[str, str]:
    return crime(month, **{"Crime ID": "", "Last outcome category": "", **values},
                 Crime_type=ANTI_SOCIAL_BEHAVIOUR)  # fmt: skip


def good_month(month: str) -> list[dict[str, str]]:
    """40 rows (each with its own Crime ID) covering every legitimate shape seen in real files."""
    return [row for _ in range(5) for row in _good_rows(month)]


def _good_rows(month: str) -> list[dict[str, str]]:
    return [
        crime(month),
        crime(month, Crime_type="Violence and sexual offences", LSOA_name="Basingstoke 002D"),
        crime(month, Crime_type="Shoplifting", Last_outcome_category="Local resolution"),
        asb(month),
        # No location: empty coordinates, LSOA code and name.
        crime(
            month, Longitude="", Latitude="", Location="No location", LSOA_code="", LSOA_name=""
        ),  # fmt: skip
        # British Transport Police: no Crime ID and no outcome on crime rows.
        crime(
            month,
            **{"Crime ID": "", "Reported by": BTP, "Falls within": BTP},
            Last_outcome_category="",
        ),  # fmt: skip
        # A BTP station in Scotland: coordinates but no LSOA.
        crime(
            month,
            **{"Crime ID": "", "Reported by": BTP, "Falls within": BTP},
            Last_outcome_category="",
            Longitude="-4.258257",
            Latitude="55.859590",
            LSOA_code="",
            LSOA_name="",
        ),  # fmt: skip
        crime(month, LSOA_code="W01000123", LSOA_name="Cardiff 001A"),
    ]


def frame_of(rows_by_file_month: dict[str, list[dict[str, str]]]) -> pd.DataFrame:
    """The ingest's combined frame: text columns plus source_file/source_line/file_month/force."""
    parts = []
    for file_month, rows in rows_by_file_month.items():
        part = pd.DataFrame(rows, columns=list(STREET_COLUMNS), dtype="str")
        part["source_file"] = f"street/{FORCE}/{file_month}-{FORCE}-street.csv"
        part["source_line"] = range(2, len(rows) + 2)
        part["file_month"] = file_month
        part["force"] = FORCE
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def source(name: str, line: int) -> tuple[str, int]:
    return (f"street/{FORCE}/{name}-{FORCE}-street.csv", line)


def write_csv(
    path: Path,
    rows: list[list[str]] | list[dict[str, str]],
    *,
    header: list[str] | tuple[str, ...] = STREET_COLUMNS,
    gz: bool = False,
) -> Path:
    """A police.uk-style file (CRLF line ends like the real ones), optionally gzipped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[c] for c in STREET_COLUMNS] if isinstance(row, dict) else row)
    data = buffer.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def read_files(paths: list[Path], root: Path, force: str) -> pd.DataFrame:
    """Read street files the way the ingest does (every column text, line numbers kept)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    tables = []
    for path in paths:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in STREET_COLUMNS},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        n = table.num_rows
        table = table.append_column(
            "source_file", pa.array([path.relative_to(root).as_posix()] * n)
        )
        table = table.append_column("source_line", pa.array(range(2, n + 2), pa.int64()))
        table = table.append_column("file_month", pa.array([path.name[:7]] * n))
        table = table.append_column("force", pa.array([force] * n))
        tables.append(table)
    return pa.concat_tables(tables).to_pandas()


def failing(report: ValidationReport, rule: str) -> Problem:
    matches = [p for p in report.problems if p.rule == rule]
    assert len(matches) == 1, f"expected one problem for {rule!r}, got {report.problems}"
    return matches[0]


def lines(problem: Problem) -> set[tuple[str, int]]:
    return {(e["file"], e["line"]) for e in problem.examples}
