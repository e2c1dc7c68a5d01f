"""police.uk-layout street files for any month since 2010-12, with that month's crime types.

The generator writes what data.police.uk publishes for a month: the 12-column header, crime
types of the month's period only (six until 2011-08, eleven until 2013-04, fourteen from
2013-05; the periods are typed out here from the research notes, not read from the package,
so a wrong date in :mod:`pcc_report.police_uk` fails the tests), outcomes only on crimes.
``write_history`` lays the files out as the archive does (``YYYY-MM/YYYY-MM-<force>-street.csv``)
or as the download zip; both hold the same bytes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from streetfiles import row, write_street_file

FORCE = "testshire"

SIX = ["Anti-social behaviour", "Burglary", "Other crime", "Robbery", "Vehicle crime",
       "Violent crime"]  # fmt: skip
ELEVEN = [*SIX, "Criminal damage and arson", "Drugs", "Other theft",
          "Public disorder and weapons", "Shoplifting"]  # fmt: skip
FOURTEEN = ["Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson",
            "Drugs", "Other crime", "Other theft", "Possession of weapons", "Public order",
            "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
            "Violence and sexual offences"]  # fmt: skip


def types_of(month: str) -> list[str]:
    """The crime types police.uk published for a data month."""
    if month < "2011-09":
        return SIX
    if month < "2013-05":
        return ELEVEN
    return FOURTEEN


def months(first: str, last: str) -> list[str]:
    out, (year, number) = [], (int(first[:4]), int(first[5:]))
    while f"{year}-{number:02d}" <= last:
        out.append(f"{year}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return out


def month_rows(month: str, per_type: int = 2, types: list[str] | None = None) -> list[list[str]]:
    """``per_type`` rows of each of the month's types, in two districts."""
    return [
        row(month, crime_type, district,
            crime_id=None if crime_type == "Anti-social behaviour" else f"{month}-{i}-{j}",
            outcome="Offender sent to prison" if j == 0 else "Under investigation")
        for i, crime_type in enumerate(types or types_of(month))
        for j, district in enumerate((["Preston 001A", "Chorley 002B"] * per_type)[:per_type])
    ]  # fmt: skip


def write_history(root: Path, first: str, last: str, *, per_type: int = 2) -> list[Path]:
    """One street file per month (archive layout) plus the download's other files."""
    paths = []
    for month in months(first, last):
        paths.append(write_street_file(
            root / month / f"{month}-{FORCE}-street.csv", month_rows(month, per_type)))
        # What the download also holds (never read): outcomes and stop-and-search files.
        (root / month / f"{month}-{FORCE}-outcomes.csv").write_text("Crime ID,Month\r\n")
        (root / month / f"{month}-{FORCE}-stop-and-search.csv").write_text("Type,Date\r\n")
    return paths


def zip_folder(folder: Path, archive: Path, extra: dict[str, bytes] | None = None) -> Path:
    """The folder as data.police.uk's zip (DEFLATE, month folders), plus ``extra`` members."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            out.write(path, path.relative_to(folder).as_posix())
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return archive
