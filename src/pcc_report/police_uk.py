"""The police.uk street-level file format: one home for its header, names and categories.

Why: ingest, validation and the demonstration data all depend on exactly what data.police.uk
publishes. Keeping the header, the file-name pattern and the category lists here means a
change in the published format is one edit. The value sets themselves (crime types, outcome
categories) are reviewed in the Great Expectations suite ``expectations/police_uk_street.json``;
this module reads them from there rather than repeating them, and code that needs one
named category (the demonstration data's outcome mix) takes it through :func:`crime_type` or
:func:`outcome_category`, which refuse a name the suite does not have. Tests check that the
suite's header rule lists :data:`STREET_COLUMNS` and that real police.uk files agree.
What police.uk publishes over time (categories valid for dated periods) belongs here too.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

#: Where the expectation suites live: ``<repo>/expectations`` (the package is installed editable).
EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"

#: Name of the police.uk street suite; also the JSON file's stem.
STREET_SUITE = "police_uk_street"

#: The police.uk street-level header, in order.
STREET_COLUMNS: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)  # fmt: skip

#: A street file's name: ``<YYYY-MM>-<force>-street.csv`` or ``.csv.gz``.
STREET_FILE_NAME = re.compile(r"^(?P<month>\d{4}-\d{2})-(?P<force>.+)-street\.csv(?:\.gz)?$")

#: The crime type police.uk uses for anti-social behaviour incidents (not crimes).
ANTI_SOCIAL_BEHAVIOUR = "Anti-social behaviour"

#: The Location police.uk gives a row without coordinates (capital L, as published).
NO_LOCATION = "No Location"


def _value_set(column: str, expectations_dir: Path) -> tuple[str, ...]:
    suite = json.loads((Path(expectations_dir) / f"{STREET_SUITE}.json").read_text("utf-8"))
    for spec in suite["expectations"]:
        if (
            spec["type"] == "expect_column_values_to_be_in_set"
            and spec["kwargs"].get("column") == column
        ):
            return tuple(spec["kwargs"]["value_set"])
    raise ValueError(f"the {STREET_SUITE} suite has no value-set rule for {column!r}")


@cache
def crime_types(expectations_dir: Path = EXPECTATIONS_DIR) -> tuple[str, ...]:
    """The crime types the reviewed street suite accepts: the one list other modules check."""
    return _value_set("Crime type", expectations_dir)


@cache
def outcome_categories(expectations_dir: Path = EXPECTATIONS_DIR) -> tuple[str, ...]:
    """The "Last outcome category" values the reviewed street suite accepts ("" included)."""
    return _value_set("Last outcome category", expectations_dir)


def crime_type(name: str) -> str:
    """``name`` if it is a crime type of the reviewed suite; ValueError otherwise."""
    return _checked(name, crime_types(), "crime type")


def outcome_category(name: str) -> str:
    """``name`` if it is an outcome category of the reviewed suite; ValueError otherwise."""
    return _checked(name, outcome_categories(), "outcome category")


def _checked(name: str, known: tuple[str, ...], what: str) -> str:
    if name not in known:
        raise ValueError(f"{name!r} is not a police.uk {what} of the {STREET_SUITE} suite")
    return name
