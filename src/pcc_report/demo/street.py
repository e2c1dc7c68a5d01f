"""Demonstration street-level crime files in the data.police.uk layout (see pcc_report.demo).

Every crime type and outcome category named here is checked against the reviewed police.uk
suite (:func:`pcc_report.police_uk.crime_type`, :func:`~pcc_report.police_uk.outcome_category`).
"""

from __future__ import annotations

import csv
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pcc_report.demo.timeline import (
    DEFAULT_SEED,
    FIRST_MONTH,
    LAST_MONTH,
    days_factor,
    month_label,
    month_range,
    seasonal,
    stream,
    years_since_origin,
)
from pcc_report.police_uk import (
    ANTI_SOCIAL_BEHAVIOUR,
    NO_LOCATION,
    STREET_COLUMNS,
    crime_type,
    outcome_category,
)

FORCE_SLUG = "demoshire"

ASB = ANTI_SOCIAL_BEHAVIOUR
UNDER_INVESTIGATION = outcome_category("Under investigation")
AWAITING_COURT = outcome_category("Awaiting court outcome")


@dataclass(frozen=True)
class District:
    """A fictional community safety partnership area: its share of demand and rough centre."""

    name: str
    weight: float
    lsoas: int
    lat: float
    lon: float


DISTRICTS: tuple[District, ...] = (
    District("Demoford", 0.30, 14, 52.800, -1.900),
    District("Eastbridge", 0.18, 9, 52.790, -1.700),
    District("Kingsford Vale", 0.15, 8, 52.650, -1.950),
    District("Marbleham", 0.14, 7, 52.950, -1.850),
    District("Southmere", 0.12, 6, 52.620, -1.750),
    District("Westerholt", 0.11, 6, 52.850, -2.100),
)

# The planted sustained shift (see module docstring).
SHIFT_DISTRICT = "Kingsford Vale"
SHIFT_CRIME_TYPE = crime_type("Vehicle crime")
SHIFT_MONTHS = 9
SHIFT_FACTOR = 1.7


@dataclass(frozen=True)
class CrimeType:
    """How one police.uk crime type behaves in Demoshire.

    share: fraction of all rows (ASB included) at the start; season_amp/peak_month: size and
    calendar month of the yearly peak; trend: change per year; no_location: share of rows
    published without a location; pending: how much more (or less) likely than average a crime of
    this type is still open; outcomes: mix of final outcomes once the case is closed.
    """

    name: str
    share: float
    season_amp: float
    peak_month: int
    trend: float
    no_location: float
    pending: float
    outcomes: dict[str, float]


# The outcome categories the demonstration uses, each checked against the reviewed suite.
_ICNSI = outcome_category("Investigation complete; no suspect identified")
_UPS = outcome_category("Unable to prosecute suspect")
_CRU = outcome_category("Court result unavailable")
_LR = outcome_category("Local resolution")
_CAUTION = outcome_category("Offender given a caution")
_PND = outcome_category("Offender given penalty notice")
_DPW = outcome_category("Offender given a drugs possession warning")
_FORMAL = outcome_category("Formal action is not in the public interest")
_FURTHER_INV = outcome_category("Further investigation is not in the public interest")
_FURTHER_ACT = outcome_category("Further action is not in the public interest")
_OTHER_ORG = outcome_category("Action to be taken by another organisation")
_SUU = outcome_category("Status update unavailable")
_CHARGED_OTHER = outcome_category("Suspect charged as part of another case")

# fmt: off
CRIME_TYPES: tuple[CrimeType, ...] = (
    CrimeType(ASB, 0.290, 0.15, 7, -0.03, 0.0, 0.0, {}),
    CrimeType(crime_type("Bicycle theft"), 0.010, 0.35, 7, -0.03, 0.050, 0.6,
              {_ICNSI: 86, _UPS: 8, _CRU: 3, _SUU: 2, _LR: 1}),
    CrimeType(crime_type("Burglary"), 0.040, 0.10, 12, -0.04, 0.080, 0.9,
              {_ICNSI: 74, _UPS: 14, _CRU: 6, _SUU: 2, _LR: 1.5, _CAUTION: 1,
               _OTHER_ORG: 1, _CHARGED_OTHER: 0.5}),
    CrimeType(crime_type("Criminal damage and arson"), 0.080, 0.06, 10, -0.01, 0.070, 0.9,
              {_ICNSI: 57, _UPS: 26, _CRU: 6, _LR: 6, _CAUTION: 1.5, _SUU: 2, _FURTHER_INV: 1.5}),
    CrimeType(crime_type("Drugs"), 0.020, 0.05, 5, 0.0, 0.072, 1.2,
              {_LR: 42, _UPS: 16, _CRU: 13, _ICNSI: 7, _SUU: 4, _CAUTION: 5, _FORMAL: 5,
               _FURTHER_INV: 3, _PND: 2, _DPW: 3}),
    CrimeType(crime_type("Other crime"), 0.020, 0.0, 1, 0.03, 0.065, 1.3,
              {_UPS: 45, _ICNSI: 22, _CRU: 7, _SUU: 5, _OTHER_ORG: 5, _FORMAL: 4, _LR: 4,
               _FURTHER_ACT: 4, _FURTHER_INV: 2, _CAUTION: 2}),
    CrimeType(crime_type("Other theft"), 0.055, 0.06, 8, -0.01, 0.060, 0.7,
              {_ICNSI: 74, _UPS: 19, _LR: 2, _CRU: 2, _SUU: 1.5, _CAUTION: 1.5}),
    CrimeType(crime_type("Possession of weapons"), 0.007, 0.08, 7, 0.02, 0.060, 1.2,
              {_UPS: 31, _CRU: 28, _LR: 10, _ICNSI: 9, _CAUTION: 7, _SUU: 4, _FURTHER_INV: 3,
               _FORMAL: 3, _FURTHER_ACT: 2, _PND: 3}),
    CrimeType(crime_type("Public order"), 0.075, 0.08, 7, 0.02, 0.063, 1.0,
              {_UPS: 47, _ICNSI: 31, _LR: 7, _CRU: 6, _FORMAL: 3, _FURTHER_INV: 2,
               _FURTHER_ACT: 1.5, _SUU: 1.5, _PND: 1}),
    CrimeType(crime_type("Robbery"), 0.006, 0.05, 11, 0.0, 0.081, 1.1,
              {_UPS: 49, _ICNSI: 36, _CRU: 9, _LR: 2, _SUU: 2, _OTHER_ORG: 2}),
    CrimeType(crime_type("Shoplifting"), 0.045, 0.05, 12, 0.06, 0.070, 0.8,
              {_ICNSI: 66, _CRU: 13, _UPS: 12, _LR: 5, _CAUTION: 1.5, _PND: 1.5, _SUU: 1}),
    CrimeType(crime_type("Theft from the person"), 0.007, 0.08, 12, 0.0, 0.110, 0.8,
              {_ICNSI: 66, _UPS: 28, _CRU: 2, _SUU: 2, _LR: 2}),
    CrimeType(crime_type("Vehicle crime"), 0.045, 0.06, 11, -0.02, 0.047, 0.6,
              {_ICNSI: 86, _UPS: 9, _CRU: 2, _SUU: 2, _LR: 1}),
    CrimeType(crime_type("Violence and sexual offences"), 0.315, 0.06, 7, 0.02, 0.062, 1.3,
              {_UPS: 61, _ICNSI: 16, _LR: 6, _CRU: 6, _OTHER_ORG: 3, _FORMAL: 2, _SUU: 2,
               _FURTHER_ACT: 1.5, _FURTHER_INV: 1, _CAUTION: 1.5}),
)
# fmt: on
CRIME_TYPE_NAMES: tuple[str, ...] = tuple(t.name for t in CRIME_TYPES)

BASE_ROWS_PER_MONTH = 3450  # rows in an average 30.4-day month at the trend origin
REPEATED_ID_MONTHS = 4  # months that re-publish a crime from the month before

# fmt: off
STREETS = (
    "Mill Lane", "Church Street", "High Street", "Station Road", "Park Avenue", "Queen Street",
    "Victoria Road", "School Lane", "The Green", "Orchard Close", "Meadow Way", "Chapel Street",
    "North Street", "Willow Drive", "Oak Avenue", "Beech Grove", "Manor Road", "Kings Road",
    "Bridge Street", "Market Street", "Brook Lane", "Elm Close", "Ash Grove", "Hawthorn Way",
    "Cedar Road", "Holly Close", "Springfield Road", "Green Lane", "New Road", "West Street",
    "York Road", "Albert Road", "George Street", "Mill Road", "Castle Street", "Priory Road",
    "Windmill Hill", "Riverside", "Canal Street", "Forge Lane", "Tannery Row", "Quarry Lane",
    "Heath Road", "Moor Lane", "Rectory Lane", "Vicarage Road", "Cross Street", "Sheep Street",
    "Wharf Road", "Foundry Street", "Larkspur Close", "Kestrel Way", "Fenwick Road",
)
# police.uk snaps many crimes to anonymised map points named after the kind of place.
LANDMARKS = (
    "Supermarket", "Parking Area", "Petrol Station", "Shopping Area", "Sports/Recreation Area",
    "Park/Open Space", "Nightclub", "Police Station", "Further/Higher Educational Building",
    "Hospital", "Pedestrian Subway", "Theatre/Concert Hall",
)
# fmt: on


def force_name(force: str) -> str:
    """The police.uk 'Reported by' / 'Falls within' name for a demonstration force slug."""
    return f"{force.replace('-', ' ').title()} Constabulary"



Point = tuple[str, str, str, str, str]  # longitude, latitude, location, LSOA code, LSOA name


def _geography(seed: int) -> list[tuple[list[Point], np.ndarray]]:
    """Per district: the anonymised map points crimes snap to, and how likely each one is.

    Real files show many crimes on the same few points per LSOA (a supermarket, a town-centre
    street), so each LSOA gets ten points with skewed weights, and LSOAs differ in how busy they
    are. A few points have no street name ("On or near ") and each district's first LSOA has a
    location with a comma, both as seen in real files.
    """
    rng = stream(seed, 0)
    code = 900001
    geography = []
    for district in DISTRICTS:
        points: list[Point] = []
        weights: list[float] = []
        for j in range(district.lsoas):
            lsoa_name = f"{district.name} {j // 4 + 1:03d}{'ABCD'[j % 4]}"
            lsoa_code = f"E01{code:06d}"
            code += 1
            lat0 = district.lat + rng.normal(0, 0.02)
            lon0 = district.lon + rng.normal(0, 0.03)
            names = [str(s) for s in rng.choice(STREETS, size=7, replace=False)]
            names += [str(s) for s in rng.choice(LANDMARKS, size=3, replace=False)]
            if j == 0:
                names[0] = f"Market Place, {district.name}"
            names = ["" if rng.random() < 0.015 else n for n in names]
            lsoa_weight = rng.gamma(2.0)
            point_weights = rng.gamma(0.8, size=len(names))
            for name, weight in zip(names, point_weights / point_weights.sum(), strict=True):
                lat = lat0 + rng.normal(0, 0.004)
                lon = lon0 + rng.normal(0, 0.006)
                points.append(
                    (f"{lon:.6f}", f"{lat:.6f}", f"On or near {name}", lsoa_code, lsoa_name)
                )
                weights.append(lsoa_weight * weight)
        p = np.asarray(weights)
        geography.append((points, p / p.sum()))
    return geography


def _expected_counts(index: int, last_index: int) -> np.ndarray:
    """Expected rows per district x crime type: share x season x trend x days, plus the shift."""
    years, days = years_since_origin(index), days_factor(index)
    per_type = np.array(
        [
            t.share * seasonal(t.season_amp, t.peak_month, index) * (1 + t.trend) ** years
            for t in CRIME_TYPES
        ]
    ) * (BASE_ROWS_PER_MONTH * days)
    weights = np.array([d.weight for d in DISTRICTS])
    expected = np.outer(weights / weights.sum(), per_type)
    if index > last_index - SHIFT_MONTHS:
        d = [x.name for x in DISTRICTS].index(SHIFT_DISTRICT)
        expected[d, CRIME_TYPE_NAMES.index(SHIFT_CRIME_TYPE)] *= SHIFT_FACTOR
    return expected


def _pending_probability(age: int) -> float:
    """Share of crimes still open when the files are downloaded, by months since the crime.

    Fitted by eye to real files downloaded just after their latest month: about half of the
    latest month is still open, a quarter of the month before, a few percent after a year.
    """
    return 0.35 * math.exp(-age / 0.8) + 0.2 * math.exp(-age / 5)


def _outcomes(types: np.ndarray, age: int, rng: np.random.Generator) -> np.ndarray:
    """Last outcome category for each row (empty for ASB, which has no outcome)."""
    out = np.full(len(types), "", dtype=object)
    pending = _pending_probability(age)
    for i, kind in enumerate(CRIME_TYPES):
        selected = types == i
        n = int(selected.sum())
        if n == 0 or kind.name == ASB:
            continue
        categories = np.array(list(kind.outcomes), dtype=object)
        probabilities = np.array(list(kind.outcomes.values()))
        drawn = rng.choice(len(categories), size=n, p=probabilities / probabilities.sum())
        result = categories[drawn]
        # Crimes that usually reach court more often wait for it; waiting grows with age.
        court = min(1.8, max(0.3, kind.outcomes.get(_CRU, 0) / 7))
        awaiting = min(0.9, (0.04 + 0.36 * (1 - math.exp(-age / 4))) * court)
        is_pending = rng.random(n) < min(0.9, pending * kind.pending)
        is_awaiting = rng.random(n) < awaiting
        result[is_pending & is_awaiting] = AWAITING_COURT
        result[is_pending & ~is_awaiting] = UNDER_INVESTIGATION
        out[selected] = result
    return out


def _month_rows(
    index: int,
    last_index: int,
    seed: int,
    geography: list[tuple[list[Point], np.ndarray]],
    name: str,
) -> list[list[str]]:
    """One month of rows, unsorted and without Crime IDs."""
    rng = stream(seed, 1, index)
    month = month_label(index)
    # Shared shocks (weather, events) move the whole month and each crime type a little.
    shock = np.exp(rng.normal(0, 0.03) + rng.normal(0, 0.05, size=len(CRIME_TYPES)))
    counts = rng.poisson(_expected_counts(index, last_index) * shock)
    no_location = rng.binomial(counts, [t.no_location for t in CRIME_TYPES])
    located = counts - no_location

    rows: list[list[str]] = []
    types_parts = []
    for (points, p), per_type in zip(geography, located, strict=True):
        types = np.repeat(np.arange(len(CRIME_TYPES)), per_type)
        chosen = rng.choice(len(points), size=len(types), p=p)
        rows += [["", month, name, name, *points[k], "", "", ""] for k in chosen]
        types_parts.append(types)
    unlocated = np.repeat(np.arange(len(CRIME_TYPES)), no_location.sum(axis=0))
    rows += [["", month, name, name, "", "", NO_LOCATION, "", "", "", "", ""] for _ in unlocated]
    types = np.concatenate([*types_parts, unlocated])
    outcomes = _outcomes(types, last_index - index, rng)
    for row, t, outcome in zip(rows, types, outcomes, strict=True):
        row[9] = CRIME_TYPE_NAMES[t]
        row[10] = outcome
    return rows


def _repeat_from_previous(
    previous: list[list[str]],
    month_index: int,
    last_index: int,
    rng: np.random.Generator,
) -> list[list[str]]:
    """Copies of one or two located crimes from last month, republished this month with the
    same Crime ID (and a possibly updated outcome), as police.uk occasionally does."""
    candidates = [row for row in previous if row[0] and row[4]]
    picks = rng.choice(len(candidates), size=int(rng.integers(1, 3)), replace=False)
    repeats = []
    for k in sorted(int(x) for x in picks):
        row = list(candidates[k])
        row[1] = month_label(month_index)
        types = np.array([CRIME_TYPE_NAMES.index(row[9])])
        row[10] = str(_outcomes(types, last_index - month_index, rng)[0])
        repeats.append(row)
    return repeats


def _sorted_with_ids(rows: list[list[str]], force: str, seed: int) -> list[list[str]]:
    """police.uk order (located rows by LSOA name then crime type, unlocated rows last by crime
    type), then Crime IDs: a 64-hex digest for every crime, none for ASB."""
    located = sorted((r for r in rows if r[4]), key=lambda r: (r[8], r[9]))
    unlocated = sorted((r for r in rows if not r[4]), key=lambda r: r[9])
    ordered = located + unlocated
    for position, row in enumerate(ordered):
        if row[9] != ASB and not row[0]:
            key = f"{force}:{seed}:{row[1]}:{position}".encode()
            row[0] = hashlib.sha256(key).hexdigest()
    return ordered


def generate_street_data(
    out_dir: Path,
    *,
    force: str = FORCE_SLUG,
    first_month: str = FIRST_MONTH,
    last_month: str = LAST_MONTH,
    seed: int = DEFAULT_SEED,
) -> list[Path]:
    """Write police.uk street-level files, `out_dir/YYYY-MM/YYYY-MM-<force>-street.csv`.

    The layout, header, CRLF line ends and minimal quoting match a data.police.uk download, so
    the project reads demonstration and real files with the same code. Outcomes are as if the
    files were downloaded just after `last_month`, which is why recent months have more
    "Under investigation". Returns the paths written, in month order.
    """
    months = month_range(first_month, last_month)
    last_index = months[-1]
    geography = _geography(seed)
    name = force_name(force)
    repeat_rng = stream(seed, 2)
    repeat_months = set()
    if len(months) > 1:
        chosen = repeat_rng.choice(
            months[1:], size=min(REPEATED_ID_MONTHS, len(months) - 1), replace=False
        )
        repeat_months = {int(m) for m in chosen}

    paths = []
    previous: list[list[str]] = []
    for index in months:
        rows = _month_rows(index, last_index, seed, geography, name)
        if index in repeat_months:
            rows += _repeat_from_previous(previous, index, last_index, repeat_rng)
        rows = _sorted_with_ids(rows, force, seed)
        month = month_label(index)
        path = Path(out_dir) / month / f"{month}-{force}-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(STREET_COLUMNS)
            writer.writerows(rows)
        paths.append(path)
        previous = rows
    return paths
