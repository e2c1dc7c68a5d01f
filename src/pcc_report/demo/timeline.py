"""Months and random streams shared by the demonstration street data and returns.

Why: both generators count months as integers and draw from independent, reproducible
streams keyed by purpose (and month), so that one part never changes another.
"""

from __future__ import annotations

import calendar
import math

import numpy as np

from pcc_report.periods import Month

DEFAULT_SEED = 20240401
FIRST_MONTH = "2019-04"
LAST_MONTH = "2023-03"
TREND_ORIGIN = "2019-04"  # the month trends are measured from


def month_index(month: str) -> int:
    """Months since year 0 (periods.Month.index), so month arithmetic is integer arithmetic."""
    return Month.parse(month).index


def month_label(index: int) -> str:
    return str(Month.from_index(index))


def month_range(first_month: str, last_month: str) -> list[int]:
    first, last = month_index(first_month), month_index(last_month)
    if first > last:
        raise ValueError(f"first_month {first_month} is after last_month {last_month}")
    return list(range(first, last + 1))


def days_factor(index: int) -> float:
    """Counts scale with the number of days: February really is the quietest month."""
    return calendar.monthrange(index // 12, index % 12 + 1)[1] / 30.44


def years_since_origin(index: int) -> float:
    return (index - month_index(TREND_ORIGIN)) / 12


def seasonal(amp: float, peak_month: int, index: int) -> float:
    return 1 + amp * math.cos(2 * math.pi * (index % 12 + 1 - peak_month) / 12)


def stream(seed: int, *key: int) -> np.random.Generator:
    """An independent, reproducible stream per purpose (and per month), so that one month's
    rows do not depend on how many random numbers earlier months happened to use."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, *key])))
