"""The measure catalogue: which measures the performance tables show, and how each is read.

Why: the panel's Part 2 table (Lancashire layout) and dashboard (Leicestershire layout) mix
police.uk crime counts with the force's own returns (call handling, surveys, workforce,
referrals, first time entrants). Which measures appear, which way is better and how each is
rated are editorial decisions, so they live in the reviewed catalogue ``config/measures.yml``.
This module reads it and checks every entry up front, so that a typo in a reviewed file stops
the build with a message an editor can act on instead of a measure silently showing zero.
It also holds the catalogue's words (units, polarities, sources) for the definitions
appendix, and the editions: restricted measures (partner data with no agreement to publish)
are dropped whole from the public edition. A measure may also carry a breakdown (a
district-by-month table on its page) and a disclosure rule for that table (counts below a
threshold are suppressed in the public edition); both are checked here, applied elsewhere.
The catalogue's ``crime_type_mapping`` says how a crime type police.uk retired is counted
under today's types; :func:`counted_types` applies it, so a measure's count follows a
renamed type back before May 2013 and the recorded-crime total stays complete.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from pcc_report import yaml_files
from pcc_report.config import CONFIG_DIR, check_changes
from pcc_report.police_uk import CATEGORY_CHANGES, crime_types
from pcc_report.ratings import POLARITIES, RATING_RULES, TOLERANCE_KINDS
from pcc_report.returns import PART3_RETURNS, QUARTERLY_SOURCES, RETURN_COLUMNS

CATALOGUE_PATH = CONFIG_DIR / "measures.yml"
PLAN_PATH = CONFIG_DIR / "plan.yml"

UNITS: tuple[str, ...] = ("count", "percentage", "snapshot", "mean")
POLICE_UK = "police_uk"
SOURCES: tuple[str, ...] = (POLICE_UK, *(s for s in RETURN_COLUMNS if s not in PART3_RETURNS))
EDITIONS: tuple[str, ...] = ("public", "restricted")

POLARITY_WORDS: dict[str, str] = {
    "higher_is_better": "higher is better",
    "lower_is_better": "lower is better",
    "increase_is_aim": "an increase is the aim",
    "neutral": "no preferred direction (not rated)",
}
UNIT_WORDS: dict[str, str] = {
    "count": "count (total over the period)",
    "percentage": "percentage (pooled over the period)",
    "snapshot": "snapshot (value at the end of the period)",
    "mean": "mean (weighted by its denominator over the period)",
}
SOURCE_WORDS: dict[str, str] = {
    POLICE_UK: "data.police.uk street-level crime",
    "calls": "Force return: call handling (calls.csv)",
    "victim_satisfaction": "Force return: victim satisfaction survey (victim_satisfaction.csv)",
    "public_confidence": "Force return: public confidence survey (public_confidence.csv)",
    "workforce": "Force return: workforce snapshot (workforce.csv)",
    "domestic_abuse_referrals": "Force return: domestic abuse referrals",
    "restorative_justice_referrals": "Partner return: restorative justice referrals",
    "first_time_entrants": "Youth offending services: first time entrants (quarterly)",
    "hate_crime_reports": "Force return: hate crime reports by district (hate_crime_reports.csv)",
}
#: What a measure's page may break its figures down by: a column of its return.
BREAKDOWNS: tuple[str, ...] = ("district",)
DISCLOSURE_KEYS: tuple[str, ...] = ("threshold",)
#: The smallest disclosure threshold: counts are whole numbers of 0 or more, so a threshold
#: of 1 would hide only zeros and one below that nothing: neither is a small-numbers rule.
MIN_DISCLOSURE_THRESHOLD = 2

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_REQUIRED = (
    "id", "title", "priority", "unit", "polarity", "source", "definition",
    "tolerance", "tolerance_kind", "restricted",
)  # fmt: skip
_OPTIONAL = (
    "crime_types", "exclude_crime_types", "value", "numerator", "denominator", "filter",
    "survey", "target", "breakdown", "disclosure", "rating", "spc_changes",
)  # fmt: skip


class CatalogueError(ValueError):
    """The measure catalogue cannot be used; the message lists every problem found."""


@dataclass(frozen=True)
class Measure:
    """One catalogue entry; see ``config/measures.yml`` for the meaning of each field."""

    id: str
    title: str
    priority: str
    unit: Literal["count", "percentage", "snapshot", "mean"]
    polarity: Literal["higher_is_better", "lower_is_better", "increase_is_aim", "neutral"]
    source: str
    definition: str
    tolerance: float
    tolerance_kind: Literal["relative", "points"]
    restricted: bool
    crime_types: tuple[str, ...] = ()
    exclude_crime_types: tuple[str, ...] = ()
    value: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    filter: tuple[tuple[str, str], ...] = ()
    survey: bool = False
    target: float | None = None
    breakdown: str | None = None
    disclosure_threshold: int | None = None
    # The rating rule chosen for this measure ("significance" or "simple"); None: the force's.
    rating: str | None = None
    # Known changes in this measure's process: ((first month "YYYY-MM", reason), ...).
    spc_changes: tuple[tuple[str, str], ...] = ()

    @property
    def quarterly(self) -> bool:
        """True when the source is a quarterly return (values sit at quarter-end months)."""
        return self.source in QUARTERLY_SOURCES


def retired_types() -> dict[str, tuple[str, ...]]:
    """Each crime type police.uk retired -> the types of today that hold all of its crimes.

    From :data:`pcc_report.police_uk.CATEGORY_CHANGES` (a retired type is one in a group's
    "before" but not its "after"); the catalogue's ``crime_type_mapping`` must agree.
    """
    return {
        old: tuple(after)
        for change in CATEGORY_CHANGES
        for before, after in change.groups
        for old in before
        if old not in after
    }


def load_crime_type_mapping(path: Path | str = CATALOGUE_PATH) -> dict[str, tuple[str, ...]]:
    """The catalogue's ``crime_type_mapping``; CatalogueError unless it matches police.uk's."""
    data = yaml_files.read(path) or {}
    given = data.get("crime_type_mapping") or {}
    mapping = {str(k): tuple(v or ()) for k, v in given.items()} if isinstance(given, dict) else {}
    expected = retired_types()
    if {k: set(v) for k, v in mapping.items()} != {k: set(v) for k, v in expected.items()}:
        wanted = "; ".join(f"{k}: [{', '.join(v)}]" for k, v in expected.items())
        raise CatalogueError(
            f"{path}: crime_type_mapping must map each retired police.uk crime type onto the "
            f"types that hold its crimes today ({wanted})"
        )
    return mapping


def counted_types(types: Iterable[str], mapping: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """``types`` plus each retired type whose mapped types are all among them."""
    chosen = list(dict.fromkeys(types))
    for old, new in mapping.items():
        if set(new) <= set(chosen) and old not in chosen:
            chosen.append(old)
    return tuple(chosen)


def plan_priorities(path: Path = PLAN_PATH) -> dict[str, str]:
    """Priority id -> title from a plan file, in plan order (the tables' group order)."""
    data = yaml_files.read(path) or {}
    return {str(p["id"]): str(p["title"]) for p in data.get("priorities") or []}


def load_catalogue(
    path: Path | str = CATALOGUE_PATH, *, priorities: Iterable[str] | None = None
) -> list[Measure]:
    """Read and validate the catalogue; raise :class:`CatalogueError` listing every problem.

    ``priorities`` are the plan's priority ids (a force file may carry its own plan); by
    default those of ``config/plan.yml``. Validating everything up front means a typo in a
    reviewed file stops the build with a message, instead of a measure silently showing zero.
    """
    path = Path(path)
    try:
        data = yaml_files.read(path)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc
    items = data.get("measures") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise CatalogueError(f"{path}: expected a top-level 'measures:' list of measures")
    known = set(plan_priorities() if priorities is None else priorities)
    mapping = load_crime_type_mapping(path) if "crime_type_mapping" in data else {}

    problems: list[str] = []
    measures: list[Measure] = []
    seen: set[str] = set()
    for number, item in enumerate(items, start=1):
        name = f"measure {number}"
        if isinstance(item, dict) and item.get("id"):
            name += f" ({item['id']})"
        errors = _check_measure(item, known)
        if not errors and item["id"] in seen:
            errors = [f"id {item['id']!r} is used twice; ids must be unique"]
        if errors:
            problems.extend(f"{name}: {e}" for e in errors)
            continue
        seen.add(item["id"])
        measures.append(_build_measure(item, mapping))
    if problems:
        raise CatalogueError(
            f"{path}: the measure catalogue has problems:\n- " + "\n- ".join(problems)
        )
    return measures


def _check_measure(item: object, priorities: set[str]) -> list[str]:
    """Every problem with one catalogue entry, in words an editor can act on."""
    if not isinstance(item, dict):
        return ["each measure must be a mapping of keys to values"]
    errors: list[str] = []
    unknown = sorted(set(item) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        errors.append(
            f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(_REQUIRED + _OPTIONAL)})"
        )
    missing = [k for k in _REQUIRED if item.get(k) is None or item.get(k) == ""]
    if missing:
        errors.append(f"missing required key(s): {', '.join(missing)}")

    def one_of(key: str, allowed: Sequence[str]) -> None:
        if key in item and item[key] is not None and item[key] not in allowed:
            errors.append(f"{key} {item[key]!r} is not one of {', '.join(allowed)}")

    one_of("unit", UNITS)
    one_of("polarity", POLARITIES)
    one_of("source", SOURCES)
    one_of("tolerance_kind", TOLERANCE_KINDS)
    one_of("rating", RATING_RULES)
    errors.extend(check_changes(item.get("spc_changes")))
    if item.get("id") is not None and not _ID_RE.match(str(item["id"])):
        errors.append(f"id {item['id']!r} must be lower-case letters, digits and hyphens")
    if item.get("priority") is not None and item["priority"] not in priorities:
        errors.append(
            f"priority {item['priority']!r} is not in the plan "
            f"(known: {', '.join(sorted(priorities))})"
        )
    for key in ("restricted", "survey"):
        if key in item and not isinstance(item[key], bool):
            errors.append(f"{key} must be true or false, not {item[key]!r}")
    tolerance = item.get("tolerance")
    if tolerance is not None and (not _is_number(tolerance) or tolerance < 0):
        errors.append(f"tolerance must be a number of zero or more, not {tolerance!r}")

    unit, source = item.get("unit"), item.get("source")
    kind = item.get("tolerance_kind")
    if unit == "percentage" and kind == "relative":
        errors.append("a percentage needs tolerance_kind: points (percentage points)")
    if unit in ("count", "snapshot", "mean") and kind == "points":
        errors.append(f"a {unit} needs tolerance_kind: relative (a fraction of the comparator)")
    if item.get("survey") and unit != "percentage":
        errors.append("survey: true is only for percentages (sample proportions)")

    target = item.get("target")
    if target is not None:
        if not _is_number(target) or not math.isfinite(target):
            errors.append(f"target must be a number, not {target!r}")
        elif item.get("polarity") == "neutral":
            errors.append("a neutral measure cannot have a target (pass or fail has no meaning)")
        elif unit == "percentage" and not 0 <= target <= 100:
            errors.append(f"a percentage target must be between 0 and 100, not {target}")

    if source == POLICE_UK:
        errors.extend(_check_police_uk(item))
    elif source in RETURN_COLUMNS:
        errors.extend(_check_return_columns(item, source))
    errors.extend(_check_breakdown(item))
    return errors


def _check_breakdown(item: dict) -> list[str]:
    """The optional ``breakdown`` and its ``disclosure`` rule.

    A breakdown splits a count by a column of its return (a district name), so it needs a
    return that has that column; a disclosure rule says which of the breakdown's counts the
    public edition suppresses, so it needs a breakdown to apply to.
    """
    errors: list[str] = []
    breakdown, source = item.get("breakdown"), item.get("source")
    if "breakdown" in item:
        if breakdown not in BREAKDOWNS:
            errors.append(f"breakdown {breakdown!r} is not one of {', '.join(BREAKDOWNS)}")
        elif source == POLICE_UK or (
            source in RETURN_COLUMNS and breakdown not in RETURN_COLUMNS[source]
        ):
            with_column = [s for s, c in RETURN_COLUMNS.items() if breakdown in c]
            errors.append(
                f"breakdown: {breakdown} needs a return with a {breakdown} column "
                f"({', '.join(with_column) or 'none'}), not {source}"
            )
        if item.get("unit") not in (None, "count"):
            errors.append("a breakdown is a table of counts (unit: count)")
    if "disclosure" not in item:
        return errors
    rule = item["disclosure"]
    if not isinstance(rule, dict):
        return [*errors, f"disclosure must be a mapping {{threshold: <number>}}, not {rule!r}"]
    unknown = sorted(str(k) for k in set(rule) - set(DISCLOSURE_KEYS))
    if unknown:
        errors.append(
            f"unknown disclosure key(s) {', '.join(unknown)} "
            f"(allowed: {', '.join(DISCLOSURE_KEYS)})"
        )
    threshold = rule.get("threshold")
    if threshold is None:
        errors.append("disclosure needs threshold: <whole number>")
    elif (
        not isinstance(threshold, int)
        or isinstance(threshold, bool)
        or threshold < MIN_DISCLOSURE_THRESHOLD
    ):
        errors.append(
            f"disclosure threshold must be a whole number of {MIN_DISCLOSURE_THRESHOLD} or "
            f"more, not {threshold!r}"
        )
    if "breakdown" not in item:
        errors.append("disclosure applies to a breakdown; add breakdown: <column>")
    return errors


def _check_police_uk(item: dict) -> list[str]:
    errors = []
    if item.get("unit") not in (None, "count"):
        errors.append("police_uk measures are counts (unit: count)")
    stray = [k for k in ("value", "numerator", "denominator", "filter") if k in item]
    if stray:
        errors.append(f"{', '.join(stray)} apply to force returns, not police_uk")
    given = [k for k in ("crime_types", "exclude_crime_types") if k in item]
    if len(given) != 1:
        errors.append("a police_uk measure needs exactly one of crime_types or exclude_crime_types")
        return errors
    types = item[given[0]]
    if not isinstance(types, list) or not types:
        return [*errors, f"{given[0]} must be a non-empty list of police.uk crime types"]
    # Checked against the reviewed suite's list: a misspelt crime type in the catalogue would
    # otherwise count zero forever without a word.
    known = crime_types()
    unknown = [t for t in types if t not in known]
    if unknown:
        errors.append(f"unknown crime type(s) {unknown}; police.uk uses: {', '.join(known)}")
    return errors


def _check_return_columns(item: dict, source: str) -> list[str]:
    columns = RETURN_COLUMNS[source]
    numeric = [c for c, k in columns.items() if k in ("int", "float")]
    errors = []
    stray = [k for k in ("crime_types", "exclude_crime_types") if k in item]
    if stray:
        errors.append(f"{', '.join(stray)} apply to police_uk measures, not {source}")
    if item.get("unit") == "percentage":
        needed, not_wanted = ("numerator", "denominator"), ("value",)
    elif item.get("unit") == "mean":
        needed, not_wanted = ("value", "denominator"), ("numerator",)
    else:
        needed, not_wanted = ("value",), ("numerator", "denominator")
    for key in needed:
        if not item.get(key):
            errors.append(f"a {item.get('unit')} from {source} needs {key}: <column>")
        elif item[key] not in numeric:
            errors.append(
                f"{key} {item[key]!r} is not a numeric column of {source}.csv "
                f"({', '.join(numeric)})"
            )
    for key in not_wanted:
        if key in item:
            errors.append(f"{key} does not apply to a {item.get('unit')} measure")
    if item.get("unit") == "snapshot" and source in QUARTERLY_SOURCES:
        errors.append("a snapshot needs a monthly source")
    filt = item.get("filter")
    if filt is not None:
        if not isinstance(filt, dict) or not filt:
            errors.append("filter must be a mapping {column: value}")
        else:
            text = [c for c, k in columns.items() if k == "text"]
            for column in filt:
                if column not in text:
                    errors.append(
                        f"filter column {column!r} is not a text column of "
                        f"{source}.csv ({', '.join(text) or 'none'})"
                    )
    return errors


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _build_measure(item: dict[str, Any], mapping: dict[str, tuple[str, ...]]) -> Measure:
    return Measure(
        id=str(item["id"]),
        title=str(item["title"]),
        priority=str(item["priority"]),
        unit=item["unit"],
        polarity=item["polarity"],
        source=item["source"],
        definition=" ".join(str(item["definition"]).split()),
        tolerance=float(item["tolerance"]),
        tolerance_kind=item["tolerance_kind"],
        restricted=item["restricted"],
        crime_types=counted_types(item.get("crime_types") or (), mapping),
        exclude_crime_types=tuple(item.get("exclude_crime_types") or ()),
        value=item.get("value"),
        numerator=item.get("numerator"),
        denominator=item.get("denominator"),
        filter=tuple((str(k), str(v)) for k, v in (item.get("filter") or {}).items()),
        survey=bool(item.get("survey", False)),
        target=None if item.get("target") is None else float(item["target"]),
        breakdown=item.get("breakdown"),
        disclosure_threshold=(item.get("disclosure") or {}).get("threshold"),
        rating=item.get("rating"),
        spc_changes=tuple(
            (str(c["month"]), " ".join(str(c["reason"]).split()))
            for c in item.get("spc_changes") or ()
        ),
    )


def in_edition(catalogue: Iterable[Measure], edition: str) -> tuple[list[Measure], list[Measure]]:
    """The measures an edition shows and those it withholds, each in catalogue order.

    The public edition withholds restricted measures; the restricted edition shows all.
    """
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {', '.join(EDITIONS)}, not {edition!r}")
    shown: list[Measure] = []
    withheld: list[Measure] = []
    for measure in catalogue:
        (withheld if edition == "public" and measure.restricted else shown).append(measure)
    return shown, withheld
