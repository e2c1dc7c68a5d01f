"""The police.uk street-level file format: one home for its header, names and categories.

Why: ingest, validation and the demonstration data all depend on exactly what data.police.uk
publishes. Keeping the header, the file-name pattern and the category lists here means a
change in the published format is one edit. The value sets themselves (crime types, outcome
categories) are reviewed in the Great Expectations suite ``expectations/police_uk_street.json``;
this module reads them from there rather than repeating them, and code that needs one
named category (the demonstration data's outcome mix) takes it through :func:`crime_type` or
:func:`outcome_category`, which refuse a name the suite does not have. Tests check that the
suite's header rule lists :data:`STREET_COLUMNS` and that real police.uk files agree.
What police.uk publishes over time belongs here too: :data:`CRIME_TYPE_HISTORY` gives the
months in which each crime type was used (a type outside its months is a validation error),
:data:`CATEGORY_CHANGES` the dated changes, and :func:`counted_as` / :func:`series_breaks` say
how a measure's crime types follow a change and when its comparison is no longer like for like.
Sources for the dates: /work/notes/police-uk-history.md (data.police.uk changelog "June 2013",
the data.police.uk archive files 2013-12 and 2017-04, the streetlamp package's data-source notes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pcc_report.periods import Month

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


# ----- the crime-type history -----------------------------------------------------------------

#: Each crime type police.uk has published in street files: (first month, last month or None
#: for "still used"). Data months (the ``Month`` column), not publication months: the changelog
#: entry "June 2013" applies from the May 2013 data. The 2011-09 start of the eleven-type set
#: was checked in one force's archive files only (see the module docstring's sources).
CRIME_TYPE_HISTORY: dict[str, tuple[str, str | None]] = {
    "Anti-social behaviour": ("2010-12", None),
    "Burglary": ("2010-12", None),
    "Robbery": ("2010-12", None),
    "Vehicle crime": ("2010-12", None),
    "Other crime": ("2010-12", None),
    "Violent crime": ("2010-12", "2013-04"),
    "Criminal damage and arson": ("2011-09", None),
    "Drugs": ("2011-09", None),
    "Shoplifting": ("2011-09", None),
    "Other theft": ("2011-09", None),
    "Public disorder and weapons": ("2011-09", "2013-04"),
    "Bicycle theft": ("2013-05", None),
    "Theft from the person": ("2013-05", None),
    "Possession of weapons": ("2013-05", None),
    "Public order": ("2013-05", None),
    "Violence and sexual offences": ("2013-05", None),
}

#: The first month police.uk street files exist for.
FIRST_MONTH = "2010-12"


@dataclass(frozen=True)
class CategoryChange:
    """One dated change of police.uk's crime types.

    ``month`` is the first data month with the new types. Each group in ``groups`` is
    ``(before, after)``: the types that held a set of crimes until the change and the types
    that hold the same crimes from it (a rename, a split, or a type that became narrower).
    A count is comparable across the change only if, for every group, it takes all of the
    group's types or none of them.
    """

    month: str
    groups: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    summary: str

    @property
    def label(self) -> str:
        """"May 2013": the change as the report names it."""
        return Month.parse(self.month).name


#: police.uk's crime-type changes, oldest first. Helper code that recalculates control limits
#: or marks series breaks reads the dates from here.
CATEGORY_CHANGES: tuple[CategoryChange, ...] = (
    CategoryChange(
        "2011-09",
        (
            (
                ("Other crime",),
                ("Other crime", "Criminal damage and arson", "Drugs", "Other theft",
                 "Public disorder and weapons", "Shoplifting"),
            ),
        ),  # fmt: skip
        "Criminal damage and arson, Drugs, Other theft, Public disorder and weapons and "
        "Shoplifting were split out of Other crime",
    ),
    CategoryChange(
        "2013-05",
        (
            (("Violent crime",), ("Violence and sexual offences",)),
            (("Public disorder and weapons",), ("Public order", "Possession of weapons")),
            (("Other theft",), ("Other theft", "Bicycle theft", "Theft from the person")),
        ),
        "Violent crime was renamed Violence and sexual offences, Public disorder and weapons "
        "was split into Public order and Possession of weapons, and Bicycle theft and Theft "
        "from the person were split out of Other theft",
    ),
)


def crime_type_periods() -> list[tuple[str, str | None, tuple[str, ...]]]:
    """``(first, last, crime types)`` of each period with one set of types, oldest first.

    Derived from :data:`CRIME_TYPE_HISTORY`; the suite's per-period rules must list the same
    sets (a test checks this).
    """
    starts = [FIRST_MONTH, *(c.month for c in CATEGORY_CHANGES)]
    periods = []
    for i, first in enumerate(starts):
        last = _month_before(starts[i + 1]) if i + 1 < len(starts) else None
        types = tuple(sorted(t for t in CRIME_TYPE_HISTORY if valid_in(t, first)))
        periods.append((first, last, types))
    return periods


def period_name(first: str, last: str | None) -> str:
    """``"2011-09..2013-04"`` or ``"2013-05.."``: how the suite names a period."""
    return f"{first}..{last or ''}"


def period_of(month: str) -> str:
    """The name of the period holding ``month`` (YYYY-MM); "" for a month before 2010-12 or
    one that is not a month (other rules report those)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month) or month < FIRST_MONTH:
        return ""
    for first, last, _ in crime_type_periods():
        if first <= month and (last is None or month <= last):
            return period_name(first, last)
    return ""


def valid_in(crime_type_name: str, month: str) -> bool:
    """True when police.uk used ``crime_type_name`` in the data month ``month``."""
    if crime_type_name not in CRIME_TYPE_HISTORY:
        return False
    first, last = CRIME_TYPE_HISTORY[crime_type_name]
    return first <= month and (last is None or month <= last)


def months_used(crime_type_name: str) -> str:
    """"2010-12 to 2013-04" or "from 2013-05": the months a crime type was valid."""
    first, last = CRIME_TYPE_HISTORY[crime_type_name]
    return f"{first} to {last}" if last else f"from {first}"


def counted_as(types: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``types`` plus every retired type whose crimes are now wholly inside them.

    A measure of "Violence and sexual offences" also counts "Violent crime" before May 2013
    (a rename); "Public order" and "Possession of weapons" together also count "Public
    disorder and weapons" (a split), but either alone does not: the old rows cannot be
    divided. Applied repeatedly, so a chain of changes is followed back to 2010-12.
    """
    chosen = list(dict.fromkeys(types))
    changed = True
    while changed:
        changed = False
        for change in CATEGORY_CHANGES:
            for before, after in change.groups:
                retired = [t for t in before if t not in after]
                if retired and set(after) <= set(chosen):
                    for t in retired:
                        if t not in chosen:
                            chosen.append(t)
                            changed = True
    return tuple(chosen)


def series_breaks(
    types: tuple[str, ...] | list[str], first: str, last: str
) -> tuple[CategoryChange, ...]:
    """The changes inside ``first``..``last`` (YYYY-MM) that make a count of ``types`` unlike
    before and after: for some group it takes part of the crimes, not all or none.

    ``types`` should already include what :func:`counted_as` adds. A count of all crime types
    (the recorded-crime total) never breaks.
    """
    chosen = set(types)
    found = []
    for change in CATEGORY_CHANGES:
        if not first < change.month <= last:
            continue
        for before, after in change.groups:
            group = set(before) | set(after)
            if chosen & group and not group <= chosen:
                found.append(change)
                break
    return tuple(found)


def _month_before(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
