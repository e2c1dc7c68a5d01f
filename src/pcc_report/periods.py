"""Months, financial-year quarters and the comparison windows a panel report uses.

Police and Crime Panels work in UK financial years (April to March): Q1 is April-June,
Q2 July-September, Q3 October-December and Q4 January-March, so "2022-23 Q3" ends in
December 2022. A report covers a quarter but may run only to the latest month available
(a Q2 report with data to the end of August), so every window is anchored on the
*period end* month rather than on the quarter's nominal end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER_RE = re.compile(r"^(\d{4})-(\d{2})-Q([1-4])$")


class PeriodError(ValueError):
    """A month, quarter or period end that cannot be used for a report."""


@total_ordering
@dataclass(frozen=True)
class Month:
    """A calendar month; ``str(Month(2022, 9)) == "2022-09"`` (the police.uk spelling)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise PeriodError(f"month must be 1..12, got {self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH_RE.match(text.strip())
        if not match:
            raise PeriodError(f"{text!r} is not a month in the form YYYY-MM")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def index(self) -> int:
        """Months since year 0: makes arithmetic and ordering trivial."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Month:
        return cls(index // 12, index % 12 + 1)

    def __add__(self, months: int) -> Month:
        return Month.from_index(self.index + months)

    def __sub__(self, months: int) -> Month:
        return Month.from_index(self.index - months)

    def __lt__(self, other: Month) -> bool:
        return self.index < other.index

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def name(self) -> str:
        """``"September 2022"``: how the month is written in a panel paper."""
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    @property
    def financial_year_start(self) -> int:
        """Calendar year in which this month's financial year began (April)."""
        return self.year if self.month >= 4 else self.year - 1

    @property
    def is_quarter_end(self) -> bool:
        """True for March, June, September and December, where a quarterly return's figure
        sits (financial quarters end in the same months as calendar ones)."""
        return self.month % 3 == 0


def month_range(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last`` inclusive (empty if last < first)."""
    return [Month.from_index(i) for i in range(first.index, last.index + 1)]


def financial_year_label(start_year: int) -> str:
    """``2022`` -> ``"2022/23"``, the way reports write a financial year."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Quarter:
    """A financial-year quarter, written ``2022-23-Q2`` (July to September 2022)."""

    fy_start: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER_RE.match(text.strip())
        if not match:
            raise PeriodError(
                f"{text!r} is not a quarter: write it as YYYY-YY-QN, e.g. 2022-23-Q2 "
                "(financial year 2022/23, quarter 2 = July to September 2022)"
            )
        start, end2, number = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if (start + 1) % 100 != end2:
            raise PeriodError(
                f"{text!r}: the financial year must be consecutive years, "
                f"e.g. {start}-{(start + 1) % 100:02d}-Q{number}"
            )
        return cls(start, number)

    @classmethod
    def containing(cls, month: Month) -> Quarter:
        fy = month.financial_year_start
        return cls(fy, (month.index - Month(fy, 4).index) // 3 + 1)

    @property
    def first_month(self) -> Month:
        return Month(self.fy_start, 4) + 3 * (self.number - 1)

    @property
    def last_month(self) -> Month:
        return self.first_month + 2

    @property
    def months(self) -> list[Month]:
        return month_range(self.first_month, self.last_month)

    @property
    def financial_year(self) -> str:
        return financial_year_label(self.fy_start)

    def __str__(self) -> str:
        return f"{self.fy_start}-{(self.fy_start + 1) % 100:02d}-Q{self.number}"

    @property
    def title(self) -> str:
        """``"Quarter 2 2022/23 (July to September 2022)"``."""
        first, last = self.first_month, self.last_month
        span = f"{MONTH_NAMES[first.month - 1]} to {last.name}"
        return f"Quarter {self.number} {self.financial_year} ({span})"


@dataclass(frozen=True)
class Window:
    """A named run of months that a figure is computed over."""

    key: str
    label: str
    first: Month
    last: Month

    @property
    def months(self) -> list[Month]:
        return month_range(self.first, self.last)

    @property
    def span(self) -> str:
        """``"October 2021 to September 2022"``."""
        if self.first == self.last:
            return self.first.name
        return f"{self.first.name} to {self.last.name}"


def resolve_period_end(quarter: Quarter, period_end: str | None) -> Month:
    """The last month a report covers: the quarter's last month unless given.

    A report may stop early (data to the end of August for Q2) but may not reach outside
    its own quarter, which would silently mislabel every figure.
    """
    if period_end is None:
        return quarter.last_month
    end = Month.parse(period_end)
    if end not in quarter.months:
        raise PeriodError(
            f"period end {end} is outside {quarter} ({quarter.first_month} to "
            f"{quarter.last_month}); choose a month inside the quarter"
        )
    return end


# Every window a measure is assessed over, in table order: the report's windows plus
# "prior_12" (see :func:`assessment_windows`). "baseline" is absent when no baseline is set.
ASSESSMENT_WINDOWS: tuple[str, ...] = (
    "latest_12", "previous_12", "prior_12", "last_fy", "fytd", "last_ytd",
    "latest_quarter", "previous_quarter", "same_quarter_last_year", "baseline",
)  # fmt: skip


def report_windows(period_end: Month, baseline_fy: int | None = None) -> dict[str, Window]:
    """Every comparison window used in the report, keyed by a stable name.

    "Latest quarter" is the three months ending at the period end, so it is the financial
    quarter itself whenever the report runs to the quarter's end, and it never compares a
    part quarter with a full one.
    """
    fy = period_end.financial_year_start
    last_fy_end = Month(period_end.year if period_end.month >= 3 else period_end.year - 1, 3)
    windows = [
        Window("latest_12", f"12 months to {period_end.name}", period_end - 11, period_end),
        Window(
            "previous_12",
            f"12 months to {(period_end - 12).name}",
            period_end - 23,
            period_end - 12,
        ),
        Window(
            "last_fy",
            f"Position as at March {last_fy_end.year} "
            f"({financial_year_label(last_fy_end.year - 1)})",
            last_fy_end - 11,
            last_fy_end,
        ),
        Window(
            "fytd",
            f"{financial_year_label(fy)} to date",
            Month(fy, 4),
            period_end,
        ),
        Window(
            "last_ytd",
            f"{financial_year_label(fy - 1)} same period",
            Month(fy - 1, 4),
            period_end - 12,
        ),
        Window("latest_quarter", f"3 months to {period_end.name}", period_end - 2, period_end),
        Window(
            "previous_quarter",
            f"3 months to {(period_end - 3).name}",
            period_end - 5,
            period_end - 3,
        ),
        Window(
            "same_quarter_last_year",
            f"3 months to {(period_end - 12).name}",
            period_end - 14,
            period_end - 12,
        ),
    ]
    if baseline_fy is not None:
        windows.append(
            Window(
                "baseline",
                f"Baseline {financial_year_label(baseline_fy)}",
                Month(baseline_fy, 4),
                Month(baseline_fy + 1, 3),
            )
        )
    return {w.key: w for w in windows}


def assessment_windows(windows: dict[str, Window]) -> dict[str, Window]:
    """The report's windows plus "prior_12", the 12 months before "previous_12".

    The Lancashire layout rates the previous 12 months against the 12 before them, so each
    measure needs that window too. It is kept out of :func:`report_windows` on purpose:
    validation requires every month of the report's windows, and a force whose street files
    start later should lose only that one rating ("not available"), not the whole report.
    """
    previous = windows["previous_12"]
    prior = Window(
        "prior_12",
        f"12 months to {(previous.last - 12).name}",
        previous.first - 12,
        previous.last - 12,
    )
    return {**windows, prior.key: prior}


def required_months(windows: dict[str, Window]) -> list[Month]:
    """Every month some window needs, sorted: what validation must find present."""
    months = {m for w in windows.values() for m in w.months}
    return sorted(months)
