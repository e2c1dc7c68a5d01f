"""Demonstration force returns, in the templates of returns/README.md (see pcc_report.demo).

Headers come from :data:`pcc_report.returns.RETURN_COLUMNS`; the values are fictional.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from pcc_report.demo import part3
from pcc_report.demo.street import DISTRICTS
from pcc_report.demo.timeline import (
    DEFAULT_SEED,
    FIRST_MONTH,
    LAST_MONTH,
    days_factor,
    month_index,
    month_label,
    month_range,
    seasonal,
    stream,
    years_since_origin,
)
from pcc_report.periods import Month, Quarter
from pcc_report.returns import RETURN_COLUMNS

SATISFACTION_GROUPS: dict[str, tuple[float, float]] = {
    # crime group: (satisfied share at the trend origin, change per year)
    "Burglary": (0.84, -0.005),
    "Violent crime": (0.78, -0.025),
    "Vehicle crime": (0.80, 0.0),
    "Hate crime": (0.76, 0.01),
}
# Hate crime reports per month at the trend origin, by district: concentrated in the towns, so
# the rural districts have monthly counts of 0 to 4 (which the public edition suppresses).
HATE_CRIME_MEANS: dict[str, float] = {
    "Demoford": 22.0,
    "Eastbridge": 9.5,
    "Kingsford Vale": 6.0,
    "Marbleham": 3.6,
    "Southmere": 2.4,
    "Westerholt": 1.8,
}
HATE_CRIME_TREND = 0.06  # reports rise 6% a year: more victims come forward (the plan's aim)
UPLIFT_START, UPLIFT_END, UPLIFT_GAIN = "2019-10", "2023-03", 270.0  # officer uplift programme


def _calls_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    """999 calls mostly beat their target (90% in 10 s) but slip in busy summers; 101 calls
    hover around or below theirs (80% in 40 s). Mean answer time rises as performance falls."""
    rows = []
    for index in months:
        years, days = years_since_origin(index), days_factor(index)
        summer = max(0.0, seasonal(1.0, 7, index) - 1)  # 0 in winter, up to 1 in July
        offered_999 = 8600 * seasonal(0.08, 7, index) * 1.04**years * days
        offered_101 = 21000 * seasonal(0.05, 7, index) * 0.95**years * days
        rate_999 = min(0.99, 0.935 - 0.02 * summer + rng.normal(0, 0.007))
        rate_101 = min(0.95, 0.80 - 0.04 * summer + rng.normal(0, 0.025))
        for line, offered, rate, mean in (
            ("999", offered_999, rate_999, 2.5 + 45 * (1 - rate_999)),
            ("101", offered_101, rate_101, 15 + 350 * (1 - rate_101)),
        ):
            n = int(round(offered * math.exp(rng.normal(0, 0.03))))
            answered = int(round(n * rate))
            seconds = max(1.0, mean + rng.normal(0, 0.05 * mean))
            rows.append((month_label(index), line, n, answered, f"{seconds:.1f}"))
    return rows


def _satisfaction_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    rows = []
    for index in months:
        for group, (share, trend) in SATISFACTION_GROUPS.items():
            respondents = int(rng.integers(80, 121))
            p = min(0.99, share + trend * years_since_origin(index) + rng.normal(0, 0.01))
            satisfied = int(rng.binomial(respondents, p))
            rows.append((month_label(index), group, respondents, satisfied))
    return rows


def _confidence_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    rows = []
    for index in months:
        respondents = int(rng.integers(300, 501))
        p = 0.78 - 0.015 * years_since_origin(index) + rng.normal(0, 0.01)
        rows.append((month_label(index), respondents, int(rng.binomial(respondents, p))))
    return rows


def _workforce_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    """Month-end snapshot. Officers follow the national uplift: recruit cohorts in April,
    September and January, steady leavers; PCSOs drift down; specials decline between twice-yearly
    intakes; cadets leave each August and join each September."""
    start, end = month_index(UPLIFT_START), month_index(UPLIFT_END)
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
        rows.append((month_label(index), f"{officers:.1f}", f"{pcsos:.1f}", specials, cadets))
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
        mean = base * seasonal(amp, 7, index) * (1 + trend) ** years_since_origin(index)
        mean *= days_factor(index) * math.exp(rng.normal(0, 0.05))
        rows.append((month_label(index), int(rng.poisson(mean))))
    return rows


def _hate_crime_rows(months: Sequence[int], rng: np.random.Generator) -> list[tuple]:
    """One row per month per district (0 when none were reported), in district order, with a
    small summer peak, a rising trend and extra month-to-month noise as in the referrals."""
    rows = []
    for index in months:
        for district in DISTRICTS:
            mean = HATE_CRIME_MEANS[district.name] * seasonal(0.08, 7, index)
            mean *= (1 + HATE_CRIME_TREND) ** years_since_origin(index) * days_factor(index)
            mean *= math.exp(rng.normal(0, 0.05))
            rows.append((month_label(index), district.name, int(rng.poisson(mean))))
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
            mean = 48 * 0.94 ** years_since_origin(index)
            rows.append((quarter_label(index), int(rng.poisson(mean))))
    return rows


def generate_returns(
    out_dir: Path,
    *,
    first_month: str = FIRST_MONTH,
    last_month: str = LAST_MONTH,
    seed: int = DEFAULT_SEED,
    force: str = "demoshire",
) -> list[Path]:
    """Write the force returns as CSV files (plain LF, headers from returns.RETURN_COLUMNS).

    ``force`` names whose districts the funding return funds (its configuration's).

    Each return has its own random stream, so adding or changing one return never changes
    another. Returns the paths written.
    """
    months = month_range(first_month, last_month)
    builders = {
        "calls.csv": lambda r: _calls_rows(months, r),
        "victim_satisfaction.csv": lambda r: _satisfaction_rows(months, r),
        "public_confidence.csv": lambda r: _confidence_rows(months, r),
        "workforce.csv": lambda r: _workforce_rows(months, r),
        "domestic_abuse_referrals.csv": lambda r: _monthly_counts(months, r, 520, 0.04, 0.06),
        "restorative_justice_referrals.csv": lambda r: _monthly_counts(months, r, 32, 0.05, 0.0),
        "first_time_entrants.csv": lambda r: _first_time_entrant_rows(months, r),
        "hate_crime_reports.csv": lambda r: _hate_crime_rows(months, r),
        "funding.csv": lambda r: part3.funding_rows(months[-1], r, force),
        "scrutiny-plan.csv": lambda r: part3.scrutiny_rows(months[-1], r),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, (filename, build) in enumerate(builders.items()):
        path = out_dir / filename
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(RETURN_COLUMNS[path.stem])
            writer.writerows(build(stream(seed, 3, number)))
        paths.append(path)
    return paths
