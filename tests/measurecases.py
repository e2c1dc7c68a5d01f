"""Measures, frames and returns shared by the catalogue, measures and tables tests.

Small enough to check on paper: every expected figure is worked by hand in the tests.
"""

from __future__ import annotations

import pandas as pd

from pcc_report.catalogue import Measure
from pcc_report.periods import Month, month_range

PRIORITIES = {
    "tackle-crime": "Tackle crime and re-offending",
    "protect-vulnerable": "Protect vulnerable people",
    "safer-communities": "Safer communities",
}


def months(first: str, last: str) -> list[str]:
    return [str(m) for m in month_range(Month.parse(first), Month.parse(last))]


def tidy_of(counts: dict[str, int], crime_type: str = "Burglary") -> pd.DataFrame:
    """A tidy police.uk table with one row per month of ``crime_type``."""
    rows = [
        {"month": m, "force": "demo", "district": "Demoford", "crime_type": crime_type,
         "outcome": "Under investigation", "count": c}
        for m, c in counts.items()
    ]  # fmt: skip
    return pd.DataFrame(
        rows, columns=["month", "force", "district", "crime_type", "outcome", "count"]
    )


def measure(**overrides) -> Measure:
    fields = dict(
        id="burglary", title="Burglary", priority="tackle-crime", unit="count",
        polarity="lower_is_better", source="police_uk", definition="Recorded burglary.",
        tolerance=0.05, tolerance_kind="relative", restricted=False, crime_types=("Burglary",),
    )  # fmt: skip
    fields.update(overrides)
    return Measure(**fields)


CALLS_999 = measure(
    id="calls-999", title="999 answered in 10 s", priority="safer-communities",
    unit="percentage", polarity="higher_is_better", source="calls", crime_types=(),
    numerator="answered_within_target", denominator="offered", filter=(("line", "999"),),
    target=90.0, tolerance=2.0, tolerance_kind="points",
)  # fmt: skip
SATISFACTION = measure(
    id="victim-satisfaction", title="Victim satisfaction", priority="protect-vulnerable",
    unit="percentage", polarity="higher_is_better", source="victim_satisfaction", crime_types=(),
    numerator="satisfied", denominator="respondents", survey=True, tolerance=2.0,
    tolerance_kind="points",
)  # fmt: skip
OFFICERS = measure(
    id="police-officers", title="Police officers", priority="safer-communities", unit="snapshot",
    polarity="neutral", source="workforce", crime_types=(), value="police_officers", tolerance=0.0,
)  # fmt: skip
FTE = measure(
    id="first-time-entrants", title="First time entrants", source="first_time_entrants",
    crime_types=(), value="first_time_entrants",
)  # fmt: skip
DA_REFERRALS = measure(
    id="domestic-abuse-referrals", title="Domestic abuse referrals",
    priority="protect-vulnerable", polarity="increase_is_aim",
    source="domestic_abuse_referrals", crime_types=(), value="referrals",
)  # fmt: skip

HATE_CRIME = measure(
    id="hate-crime-reports", title="Hate crime reports", priority="protect-vulnerable",
    polarity="increase_is_aim", source="hate_crime_reports", crime_types=(), value="reports",
    breakdown="district", disclosure_threshold=5,
)  # fmt: skip


def hate_crime(rows: list[tuple[str, str, int | None]]) -> pd.DataFrame:
    """hate_crime_reports.csv as loaded (typed as read_return types it): (month, district,
    reports) rows; None is an empty count."""
    frame = pd.DataFrame(rows, columns=["month", "district", "reports"])
    return frame.astype({"month": "string", "district": "string", "reports": "Int64"})


def calls(rows: dict[str, tuple[int, int]], other_line: tuple[int, int] | None = (5000, 1000)):
    """calls.csv as loaded: {month: (offered, answered)} for 999, plus a 101 row per month
    that would spoil every 999 figure if the line filter were ignored."""
    records = []
    for m, (offered, answered) in rows.items():
        records.append((m, "999", offered, answered, 5.0))
        if other_line:
            records.append((m, "101", *other_line, 30.0))
    frame = pd.DataFrame(
        records,
        columns=["month", "line", "offered", "answered_within_target", "mean_answer_seconds"],
    )
    return {"calls": frame}


def fy_tidy() -> pd.DataFrame:
    """Burglary each month = 100 * (year - 2020) + calendar month, April 2020 to April 2023."""
    return tidy_of(
        {m: 100 * (int(m[:4]) - 2020) + int(m[5:]) for m in months("2020-04", "2023-04")}
    )
