"""Fictional demonstration data for pcc-report: "Demoshire Constabulary".

Why this exists: the project must build a complete report out of the box, in CI and on a
laptop, without shipping real police data in the repository. So it generates its own inputs:
police.uk-style street-level files and the force's internal returns, for a force that does not
exist. Everything is deterministic (numpy PCG64 streams derived from one seed, stable row order,
no timestamps), so the same call always writes byte-identical files and a report built from them
is reproducible.

Nothing here is copied from real files. Parameters (crime-type mix, outcome mix per crime type,
share of rows with no location, how "Under investigation" fades with a month's age, summer peaks)
were set from proportions observed in real data.police.uk files for two forces, 2019-2022.

Demoshire has six fictional districts whose LSOAs are named like real ones ("Demoford 001A") and
carry codes in the E01 format from E01900001 up, a range no real LSOA uses. Two features are
planted on purpose so the report has something to find: Vehicle crime in Kingsford Vale rises by
about 70% over the last nine months (an SPC shift), and a few Crime IDs reappear in the following
month (a real police.uk quirk that a validator warns about but accepts).
"""

from __future__ import annotations

import argparse
import calendar
import csv
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pcc_report.periods import Month, Quarter
from pcc_report.police_uk import (
    ANTI_SOCIAL_BEHAVIOUR,
    NO_LOCATION,
    STREET_COLUMNS,
    crime_type,
    outcome_category,
)
from pcc_report.returns import RETURN_COLUMNS

DEFAULT_SEED = 20240401
FIRST_MONTH = "2019-04"
LAST_MONTH = "2023-03"
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
TREND_ORIGIN = "2019-04"
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


# ---------------------------------------------------------------------------------------------
# Months and random streams


def _month_index(month: str) -> int:
    """Months since year 0 (periods.Month.index), so month arithmetic is integer arithmetic."""
    return Month.parse(month).index


def _month_label(index: int) -> str:
    return str(Month.from_index(index))


def _month_range(first_month: str, last_month: str) -> list[int]:
    first, last = _month_index(first_month), _month_index(last_month)
    if first > last:
        raise ValueError(f"first_month {first_month} is after last_month {last_month}")
    return list(range(first, last + 1))


def _days_factor(index: int) -> float:
    """Counts scale with the number of days: February really is the quietest month."""
    return calendar.monthrange(index // 12, index % 12 + 1)[1] / 30.44


def _years_since_origin(index: int) -> float:
    return (index - _month_index(TREND_ORIGIN)) / 12


def _seasonal(amp: float, peak_month: int, index: int) -> float:
    return 1 + amp * math.cos(2 * math.pi * (index % 12 + 1 - peak_month) / 12)


def _rng(seed: int, *key: int) -> np.random.Generator:
    """An independent, reproducible stream per purpose (and per month), so that one month's
    rows do not depend on how many random numbers earlier months happened to use."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *key])))


def force_name(force: str) -> str:
    """The police.uk 'Reported by' / 'Falls within' name for a demonstration force slug."""
    return f"{force.replace('-', ' ').title()} Constabulary"


# ---------------------------------------------------------------------------------------------
# Street-level crime (police.uk layout)

Point = tuple[str, str, str, str, str]  # longitude, latitude, location, LSOA code, LSOA name


def _geography(seed: int) -> list[tuple[list[Point], np.ndarray]]:
    """Per district: the anonymised map points crimes snap to, and how likely each one is.

    Real files show many crimes on the same few points per LSOA (a supermarket, a town-centre
    street), so each LSOA gets ten points with skewed weights, and LSOAs differ in how busy they
    are. A few points have no street name ("On or near ") and each district's first LSOA has a
    location with a comma, both as seen in real files.
    """
    rng = _rng(seed, 0)
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
    years, days = _years_since_origin(index), _days_factor(index)
    per_type = np.array(
        [
            t.share * _seasonal(t.season_amp, t.peak_month, index) * (1 + t.trend) ** years
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
    rng = _rng(seed, 1, index)
    month = _month_label(index)
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
        row[1] = _month_label(month_index)
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
    months = _month_range(first_month, last_month)
    last_index = months[-1]
    geography = _geography(seed)
    name = force_name(force)
    repeat_rng = _rng(seed, 2)
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
        month = _month_label(index)
        path = Path(out_dir) / month / f"{month}-{force}-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(STREET_COLUMNS)
            writer.writerows(rows)
        paths.append(path)
        previous = rows
    return paths


# ---------------------------------------------------------------------------------------------
# Force returns (the CSV templates documented in returns/README.md)

SATISFACTION_GROUPS: dict[str, tuple[float, float]] = {
    # crime group: (satisfied share at the trend origin, change per year)
    "Burglary": (0.84, -0.005),
    "Violent crime": (0.78, -0.025),
    "Vehicle crime": (0.80, 0.0),
    "Hate crime": (0.76, 0.01),
}
UPLIFT_START, UPLIFT_END, UPLIFT_GAIN = "2019-10", "2023-03", 270.0  # officer uplift programme


def _calls_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    """999 calls mostly beat their target (90% in 10 s) but slip in busy summers; 101 calls
    hover around or below theirs (80% in 40 s). Mean answer time rises as performance falls."""
    rows = []
    for index in months:
        years, days = _years_since_origin(index), _days_factor(index)
        summer = max(0.0, _seasonal(1.0, 7, index) - 1)  # 0 in winter, up to 1 in July
        offered_999 = 8600 * _seasonal(0.08, 7, index) * 1.04**years * days
        offered_101 = 21000 * _seasonal(0.05, 7, index) * 0.95**years * days
        rate_999 = min(0.99, 0.935 - 0.02 * summer + rng.normal(0, 0.007))
        rate_101 = min(0.95, 0.80 - 0.04 * summer + rng.normal(0, 0.025))
        for line, offered, rate, mean in (
            ("999", offered_999, rate_999, 2.5 + 45 * (1 - rate_999)),
            ("101", offered_101, rate_101, 15 + 350 * (1 - rate_101)),
        ):
            n = int(round(offered * math.exp(rng.normal(0, 0.03))))
            answered = int(round(n * rate))
            seconds = max(1.0, mean + rng.normal(0, 0.05 * mean))
            rows.append((_month_label(index), line, n, answered, f"{seconds:.1f}"))
    return rows


def _satisfaction_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    rows = []
    for index in months:
        for group, (share, trend) in SATISFACTION_GROUPS.items():
            respondents = int(rng.integers(80, 121))
            p = min(0.99, share + trend * _years_since_origin(index) + rng.normal(0, 0.01))
            satisfied = int(rng.binomial(respondents, p))
            rows.append((_month_label(index), group, respondents, satisfied))
    return rows


def _confidence_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    rows = []
    for index in months:
        respondents = int(rng.integers(300, 501))
        p = 0.78 - 0.015 * _years_since_origin(index) + rng.normal(0, 0.01)
        rows.append((_month_label(index), respondents, int(rng.binomial(respondents, p))))
    return rows


def _workforce_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    """Month-end snapshot. Officers follow the national uplift: recruit cohorts in April,
    September and January, steady leavers; PCSOs drift down; specials decline between twice-yearly
    intakes; cadets leave each August and join each September."""
    start, end = _month_index(UPLIFT_START), _month_index(UPLIFT_END)
    officers, pcsos, specials, cadets = 1742.5, 232.0, 268, 150
    rows = []
    for index in months:
        cal = index % 12 + 1
        if cal in (1, 4, 9):
            progress = min(1.0, max(0.0, (index + 4 - start) / (end - start)))
            target = 1742.5 + UPLIFT_GAIN * progress
            officers += max(0.0, target - officers + 0.0045 * officers * 4 + rng.normal(0, 6))
        officers -= rng.poisson(0.0045 * officers) * rng.uniform(0.9, 1.0)
        pcsos += (12 if cal == 10 else 0) - rng.poisson(1.1) * rng.uniform(0.8, 1.0)
        specials += (14 if cal in (3, 9) else 0) - int(rng.poisson(3.5))
        cadets += (int(rng.integers(30, 41)) if cal == 9 else 0) - int(rng.poisson(0.8))
        cadets -= int(rng.integers(25, 36)) if cal == 8 else 0
        specials, cadets = max(specials, 0), max(cadets, 0)
        rows.append((_month_label(index), f"{officers:.1f}", f"{pcsos:.1f}", specials, cadets))
    return rows


def _monthly_counts(
    months: Sequence[int],
    rng: np.random.Generator,
    base: float,
    trend: float,
    amp: float,
) -> list[tuple]:
    """A Poisson count per month with a summer peak, a trend and some extra month-to-month
    noise (real referral counts vary more than Poisson)."""
    rows = []
    for index in months:
        mean = base * _seasonal(amp, 7, index) * (1 + trend) ** _years_since_origin(index)
        mean *= _days_factor(index) * math.exp(rng.normal(0, 0.05))
        rows.append((_month_label(index), int(rng.poisson(mean))))
    return rows


def quarter_label(index: int) -> str:
    """Financial-year quarter of a month index, e.g. July 2022 -> '2022-23-Q2' (Q1 = Apr-Jun)."""
    return str(Quarter.containing(Month.from_index(index)))


def _first_time_entrant_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    """Quarterly, and only for quarters wholly inside the months (a part quarter would look like
    a fall)."""
    rows = []
    for index in months:
        if (index % 12 + 1) % 3 == 0 and index - 2 in months:  # Jun, Sep, Dec, Mar end a quarter
            mean = 48 * 0.94 ** _years_since_origin(index)
            rows.append((quarter_label(index), int(rng.poisson(mean))))
    return rows


def generate_returns(
    out_dir: Path,
    *,
    first_month: str = FIRST_MONTH,
    last_month: str = LAST_MONTH,
    seed: int = DEFAULT_SEED,
) -> list[Path]:
    """Write the seven force returns as CSV files (plain LF, headers from returns.RETURN_COLUMNS).

    Each return has its own random stream, so adding or changing one return never changes
    another. Returns the paths written.
    """
    months = _month_range(first_month, last_month)
    builders = {
        "calls.csv": lambda r: _calls_rows(months, r),
        "victim_satisfaction.csv": lambda r: _satisfaction_rows(months, r),
        "public_confidence.csv": lambda r: _confidence_rows(months, r),
        "workforce.csv": lambda r: _workforce_rows(months, r),
        "domestic_abuse_referrals.csv": lambda r: _monthly_counts(months, r, 520, 0.04, 0.06),
        "restorative_justice_referrals.csv": lambda r: _monthly_counts(months, r, 32, 0.05, 0.0),
        "first_time_entrants.csv": lambda r: _first_time_entrant_rows(months, r),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, (filename, build) in enumerate(builders.items()):
        path = out_dir / filename
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(RETURN_COLUMNS[path.stem])
            writer.writerows(build(_rng(seed, 3, number)))
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------
# Everything together

README_NAME = "README-DEMONSTRATION-DATA.txt"


def _readme(seed: int, first_month: str, last_month: str, force: str) -> str:
    months = len(_month_range(first_month, last_month))
    return f"""\
DEMONSTRATION DATA - FICTIONAL - NOT REAL POLICE DATA

Every file in this folder was generated by pcc-report (module pcc_report.demo) for the
fictional force "{force_name(force)}". The force, its districts, LSOA names and codes
(E019xxxxx, a range no real LSOA uses), street locations, crimes, Crime IDs and force returns
are all invented. Do not use them for any real analysis or publication.

Seed: {seed}
Months: {first_month} to {last_month} ({months} months)
Regenerate (byte-identical): pcc-report demo-data --out <folder>
                         or: python -m pcc_report.demo <folder>

police-uk/  street-level crime files in the data.police.uk download layout
            (YYYY-MM/YYYY-MM-{force}-street.csv)
returns/    the force's internal returns, in the templates described in returns/README.md

Planted on purpose, so that the report has something to show:
- a summer peak in violence and anti-social behaviour;
- {SHIFT_CRIME_TYPE} in {SHIFT_DISTRICT} about {SHIFT_FACTOR - 1:.0%} higher over the last
  {SHIFT_MONTHS} months (a sustained shift for the SPC charts);
- a few Crime IDs repeated in the following month (a real police.uk quirk);
- 101 calls around or below their target, 999 calls mostly above theirs.
"""


def _data_rows(path: Path) -> int:
    """Data rows in a CSV we wrote (no field of ours contains a line break)."""
    return path.read_bytes().count(b"\n") - 1


def generate(
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    first_month: str = FIRST_MONTH,
    last_month: str = LAST_MONTH,
) -> dict:
    """Write the whole demonstration data set under `out_dir` and summarise it.

    Writes `police-uk/` (street files), `returns/` (force returns) and a plain-text notice that
    the data is fictional. Safe to re-run: files are overwritten with identical bytes (files from
    an earlier run with other months are left alone). Returns
    `{"force", "seed", "first_month", "last_month", "files": [...], "rows": {file: rows}}` with
    paths relative to `out_dir`.
    """
    out_dir = Path(out_dir)
    paths = generate_street_data(
        out_dir / "police-uk", first_month=first_month, last_month=last_month, seed=seed
    )
    paths += generate_returns(
        out_dir / "returns", first_month=first_month, last_month=last_month, seed=seed
    )
    readme = out_dir / README_NAME
    readme.write_text(
        _readme(seed, first_month, last_month, FORCE_SLUG), encoding="utf-8", newline="\n"
    )
    rows = {p.relative_to(out_dir).as_posix(): _data_rows(p) for p in paths}
    return {
        "force": FORCE_SLUG,
        "seed": seed,
        "first_month": first_month,
        "last_month": last_month,
        "files": [*rows, README_NAME],
        "rows": rows,
    }


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m pcc_report.demo OUT_DIR`: the same as `pcc-report demo-data --out OUT_DIR`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--first-month", default=FIRST_MONTH)
    parser.add_argument("--last-month", default=LAST_MONTH)
    args = parser.parse_args(argv)
    summary = generate(
        args.out_dir, seed=args.seed, first_month=args.first_month, last_month=args.last_month
    )
    print(
        f"wrote {len(summary['files'])} files, {sum(summary['rows'].values())} rows, "
        f"to {args.out_dir}"
    )


if __name__ == "__main__":
    main()
