"""Write small police.uk-format street files for tests (exact header, CRLF like the real ones)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from pathlib import Path

HEADER = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip


def row(month: str, crime_type: str = "Burglary", lsoa_name: str = "Preston 001A",
        outcome: str = "Under investigation", crime_id: str | None = None,
        lsoa_code: str = "E01012345", lat: str = "53.76", lon: str = "-2.70",
        force_name: str = "Testshire Police") -> list[str]:
    asb = crime_type == "Anti-social behaviour"
    if crime_id is None:
        key = f"{month}|{crime_type}|{lsoa_name}".encode()
        crime_id = "" if asb else hashlib.sha256(key).hexdigest()
    located = bool(lsoa_name)
    return [
        crime_id, month, force_name, force_name, lon if located else "", lat if located else "",
        "On or near High Street" if located else "No location", lsoa_code if located else "",
        lsoa_name, crime_type, "" if asb else outcome, "",
    ]


def write_street_file(path: Path, rows: list[list[str]], *, gz: bool = False,
                      header: list[str] = HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path
