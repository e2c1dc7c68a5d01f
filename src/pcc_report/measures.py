"""Every figure the performance tables show for a measure, computed from the data.

Why: the Part 2 table, the dashboard, the priority pages and their sentences all state the
same figures, so they are computed once here, as pure computations (no plotting, no text
and no I/O), and every number can be tested. Which measures exist is the catalogue's
(:mod:`pcc_report.catalogue`); the windows are :mod:`pcc_report.periods`'; how a comparison
is rated (the RAG key, the survey rule, the incomplete-data override) is
:mod:`pcc_report.ratings`'; the SPC method is :mod:`pcc_report.spc`'; the wording of the
tables is :mod:`pcc_report.tables`'.

Conventions, and why:

* **Missing is never zero.** A return that was not supplied makes each of its measures
  "not available"; a month missing from a return is a gap. Only police.uk measures count a
  month with no matching rows as zero, and only for months present in the tidy table (the
  street file for that month was read and had no such crime); months listed in
  ``incomplete_months`` (no street file received) are gaps.
* **Windows.** Counts are summed over the window's months. Percentages are pooled:
  sum of numerators / sum of denominators * 100, never an average of monthly percentages
  (a quiet month would otherwise weigh as much as a busy one). Means (mean answer time) are
  pooled the same way, weighted by their denominator (calls offered). Snapshots (stocks such as
  officer numbers) are the value at the window's last month, never a sum. A window with
  some months missing is "incomplete" (value computed over the months present, and marked);
  with none it is "not available" (no value).
* **Quarterly returns** (first time entrants): each quarter's figure belongs to the
  quarter's last month, so a window holds the quarters that *end* inside it (four in a
  12-month window, one in any 3-month window; none in a financial year to date that stops
  in April or May, which is then "not available"). SPC runs over the quarterly points, so
  with few of them it is a run chart.
* **Ratings** follow the measure's rule (its own ``rating``, else the force's) with the
  significance test :func:`pcc_report.ratings.change_test` chooses for its unit.
* **SPC** charts percentages on a p′ chart (limits per point from the month's denominator)
  and everything else on an XmR chart (a run chart when short or without a direction),
  each segment's limits fixed by its first ``spc_baseline_points`` points and recalculated
  at the force's and the measure's known changes (:func:`process_changes`).
* **Restricted measures** are dropped whole from the public edition before anything is
  computed from them (:func:`pcc_report.catalogue.in_edition`).
* **Breakdowns** (:func:`breakdown_table`, for a measure with ``breakdown: district``) follow
  the same rule cell by cell: a district with no row in a month the return covers counts 0,
  but a month the return has no row for at all is a column of ``<NA>``, never zeros, and the
  totals are over the months present. Suppressing small counts is not done here: the table
  holds the true counts, and the public edition's disclosure control works on it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd

from pcc_report.catalogue import POLICE_UK, Measure, in_edition
from pcc_report.crime import StreetCounts
from pcc_report.periods import (
    ASSESSMENT_WINDOWS,
    Month,
    Quarter,
    Window,
    assessment_windows,
    month_range,
    report_windows,
)
from pcc_report.police_uk import CATEGORY_CHANGES
from pcc_report.ratings import SIGNIFICANCE, ChangeTest, Rating, change_test, rate
from pcc_report.spc import ProcessChange, SpcResult, spc, spc_p

SPC_MONTHS = 36  # months of history (to the period end) on an SPC chart
TOTAL = "Total"  # label of the breakdown table's total row and total column
SERIES_COLUMNS = ["month", "numerator", "denominator", "value"]
# Comparison name -> (current window, comparator window).
COMPARISONS: dict[str, tuple[str, str]] = {
    "latest_12_vs_previous_12": ("latest_12", "previous_12"),
    "previous_12_vs_prior_12": ("previous_12", "prior_12"),
    "latest_quarter_vs_previous_quarter": ("latest_quarter", "previous_quarter"),
    "latest_quarter_vs_same_quarter_last_year": ("latest_quarter", "same_quarter_last_year"),
    "fytd_vs_last_ytd": ("fytd", "last_ytd"),
    "latest_12_vs_baseline": ("latest_12", "baseline"),
}


# ---------------------------------------------------------------------------------------------
# Monthly series and window values


def monthly_series(
    measure: Measure,
    tidy: pd.DataFrame | None,
    returns: Mapping[str, pd.DataFrame],
    *,
    incomplete_months: Iterable[str] = (),
) -> pd.DataFrame:
    """One row per month with data: month, numerator, denominator, value (sorted by month).

    ``value`` is the count, the percentage 100 * numerator / denominator, or the snapshot;
    ``denominator`` is NaN except for percentages. Rows of the same month are added (a return
    may be broken down by crime group or line). Quarterly values sit at the quarter's last
    month. Months with no data are absent; see the module docstring for police.uk zeros.
    """
    street = StreetCounts.of(tidy if measure.source == POLICE_UK else None)
    return _series(measure, street, returns, frozenset(incomplete_months))


def _series(
    measure: Measure,
    street: StreetCounts,
    returns: Mapping[str, pd.DataFrame],
    skip: Collection[str],
) -> pd.DataFrame:
    # Both sources give their months in order (sorted, one row each), so the frame is built
    # once from arrays: pandas' per-operation overhead was most of a series' time.
    if measure.source == POLICE_UK:
        months, numerator = street.counts(measure.crime_types, measure.exclude_crime_types,
                                          skip)
        month: pd.Index | pd.Series = pd.Index(months)
        denominator = np.full(len(months), np.nan)
    else:
        month, numerator, denominator = _return_sums(measure, returns.get(measure.source))
    value = numerator
    if measure.unit in ("percentage", "mean"):
        scale = 100 if measure.unit == "percentage" else 1
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = scale * numerator / denominator
        value = np.where(denominator > 0, ratio, np.nan)
    columns = dict(zip(SERIES_COLUMNS, (month, numerator, denominator, value), strict=True))
    return pd.DataFrame(columns)


def _return_sums(
    measure: Measure, data: pd.DataFrame | None
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """A return's months (sorted), with the numerators and denominators summed by month."""
    columns = {
        "percentage": [measure.numerator, measure.denominator],
        "mean": [measure.value, measure.denominator],
    }.get(measure.unit, [measure.value])
    empty = (pd.Series(dtype=str), np.array([], dtype=float), np.array([], dtype=float))
    if data is None or data.empty:
        return empty
    for column, wanted in measure.filter:
        data = data[data[column].astype(str) == wanted]
    if measure.quarterly:
        month = data["quarter"].map(lambda q: str(Quarter.parse(str(q)).last_month))
    else:
        month = data["month"].astype(str)
    values = data[columns].astype(float).assign(month=month.to_numpy()).dropna()
    if values.empty:
        return empty
    if measure.unit == "mean":  # a mean is pooled as sum(mean x weight) / sum(weight)
        values[columns[0]] = values[columns[0]] * values[columns[1]]
    sums = values.groupby("month", as_index=False)[columns].sum()
    numerator = sums[columns[0]].to_numpy(dtype=float)
    if len(columns) == 2:
        return sums["month"], numerator, sums[columns[1]].to_numpy(dtype=float)
    return sums["month"], numerator, np.full(len(numerator), np.nan)


def breakdown_table(measure: Measure, data: pd.DataFrame | None, window: Window) -> pd.DataFrame:
    """The measure's counts by its breakdown column (district) and month over ``window``.

    ``data`` is the measure's typed return frame (:func:`pcc_report.returns.read_return`).
    The result has one row per district (every district named anywhere in the return, sorted
    by name, so a quarter with no reports from a district still shows it), one column per
    month of the window (``"YYYY-MM"``) and a ``Total`` column, then a ``Total`` row; the
    index is named after the breakdown column, the values are nullable integers (Int64).
    Several rows for one district and month are added, as in the monthly series.

    Missing is never zero: a district with no row in a month the return covers counts 0 (a
    return may list only the districts with reports), but a month with no row at all was not
    received, so its column is all ``<NA>`` (so is a cell whose row has an empty count).
    Totals add the cells present and are ``<NA>`` only when none is; a caller can tell an
    incomplete table by its all-``<NA>`` month columns. With no data at all there is only
    the total row, all ``<NA>``.
    """
    if measure.breakdown is None:
        raise ValueError(f"measure {measure.id} has no breakdown")
    if measure.value is None or measure.quarterly:
        raise ValueError(f"measure {measure.id}: a breakdown needs a monthly count (value)")
    by, months = measure.breakdown, [str(m) for m in window.months]
    rows = pd.DataFrame({by: pd.Series(dtype="string"), "month": [], "count": []})
    if data is not None and not data.empty:
        for column, wanted in measure.filter:
            data = data[data[column].astype(str) == wanted]
        rows = pd.DataFrame(
            {
                by: data[by].astype("string").to_numpy(),
                "month": data["month"].astype(str).to_numpy(),
                "count": data[measure.value].astype("Int64").to_numpy(),
            }
        ).dropna(subset=[by])
    names = sorted(set(rows[by]))
    if TOTAL in names:
        raise ValueError(f"{measure.source}: a {by} may not be called {TOTAL!r}")
    received = [m for m in months if m in set(rows["month"])]
    # Sum first (an empty count keeps its cell <NA>), then give every district a cell in each
    # month received (no row: 0); months not received stay out until the reindex makes <NA>.
    cells = rows[rows["month"].isin(received)].groupby([by, "month"])["count"].sum(min_count=1)
    every = pd.MultiIndex.from_product([names, received], names=[by, "month"])
    cells = cells.astype("Int64").reindex(every, fill_value=0)
    table = pd.DataFrame(
        {m: cells.xs(m, level="month") if m in received else pd.NA for m in months},
        index=pd.Index(names, name=by),
    ).astype("Int64")
    table[TOTAL] = table[months].sum(axis=1, min_count=1).astype("Int64")
    table.loc[TOTAL] = table.sum(axis=0, min_count=1).astype("Int64")
    return table.astype("Int64")


@dataclass(frozen=True)
class WindowValue:
    """A measure's figure over one window, with how much of the window had data.

    ``months_expected`` counts the data points the window should hold (months; quarters for
    a quarterly return; 1 for a snapshot, its last month) and ``missing`` names the absent
    ones. ``status`` is "ok", "incomplete" (value over the points present) or
    "not available" (value None).
    """

    window: Window | None
    value: float | None
    numerator: float | None
    denominator: float | None
    months_expected: int
    months_present: int
    complete: bool
    status: Literal["ok", "incomplete", "not available"]
    missing: tuple[str, ...] = ()

    @property
    def available(self) -> bool:
        return self.value is not None


def _expected_points(measure: Measure, window: Window) -> tuple[str, ...]:
    if measure.quarterly:
        return _window_points(window, "quarterly")
    return _window_points(window, "snapshot" if measure.unit == "snapshot" else "monthly")


@cache  # a report has ten windows, and every measure asks for their months
def _window_points(window: Window, kind: str) -> tuple[str, ...]:
    months = window.months
    if kind == "quarterly":
        months = [m for m in months if m.is_quarter_end]
    elif kind == "snapshot":
        months = months[-1:]
    return tuple(str(m) for m in months)


def window_value(measure: Measure, series: pd.DataFrame, window: Window | None) -> WindowValue:
    """Sum (counts), pool (percentages) or take the end value (snapshots) over a window."""
    return _window_value(measure, _Points.of(series), window)


@dataclass(frozen=True)
class _Points:
    """A monthly series' rows that have a numerator, by month, as arrays.

    Why: a measure is valued over ten windows, and selecting a window's rows from the
    frame with pandas each time was most of an assessment's time. The sums are numpy's
    over the same values in the same (series) order, so they are the frame's sums exactly;
    a missing denominator counts 0, as pandas' sum skips it.
    """

    rows: dict[str, list[int]]
    numerator: np.ndarray
    denominator: np.ndarray

    @classmethod
    def of(cls, series: pd.DataFrame) -> _Points:
        numerator = series["numerator"].to_numpy(dtype=float, na_value=np.nan)
        rows: dict[str, list[int]] = {}
        for i, month in enumerate(series["month"].tolist()):
            if not np.isnan(numerator[i]):
                rows.setdefault(month, []).append(i)
        denominator = series["denominator"].to_numpy(dtype=float, na_value=np.nan)
        return cls(rows, numerator, np.where(np.isnan(denominator), 0.0, denominator))


def _window_value(measure: Measure, points: _Points, window: Window | None) -> WindowValue:
    if window is None:
        return WindowValue(None, None, None, None, 0, 0, False, "not available")
    expected = _expected_points(measure, window)
    present = [m for m in expected if m in points.rows]
    missing = tuple(m for m in expected if m not in points.rows)
    unavailable = WindowValue(
        window, None, None, None, len(expected), len(present), False, "not available", missing
    )
    if not present:
        return unavailable
    rows = sorted(i for m in present for i in points.rows[m])
    numerator = float(points.numerator[rows].sum())
    denominator = None
    if measure.unit in ("percentage", "mean"):
        denominator = float(points.denominator[rows].sum())
        if denominator <= 0:
            return unavailable
        value = (100 if measure.unit == "percentage" else 1) * numerator / denominator
    else:
        value = numerator
    complete = not missing
    return WindowValue(
        window,
        value,
        numerator,
        denominator,
        len(expected),
        len(present),
        complete,
        "ok" if complete else "incomplete",
        missing,
    )


# ---------------------------------------------------------------------------------------------
# Comparisons and assessment


@dataclass(frozen=True)
class Comparison:
    """``current`` against ``comparator``: change, rating and its significance test.

    ``change`` is in the measure's unit (percentage points for percentages); ``pct_change``
    is the % change for counts and snapshots (None for percentages, or a zero comparator).
    ``significance`` is the test of the change (counts and percentages; None for snapshots
    and means, which have none), made whichever rule rated it.
    """

    current: WindowValue
    comparator: WindowValue
    change: float | None
    pct_change: float | None
    rating: Rating
    significance: ChangeTest | None = None

    @property
    def incomplete(self) -> bool:
        return "incomplete" in (self.current.status, self.comparator.status)


def compare_windows(
    measure: Measure, current: WindowValue, comparator: WindowValue, rule: str = SIGNIFICANCE
) -> Comparison:
    """Rate one window against another by :func:`pcc_report.ratings.rate`.

    ``rule`` is the force's rating rule; the measure's own ``rating`` overrides it. Counts
    and percentages bring their significance test; totals say whether either is partial.
    """
    test = change_test(
        measure.unit,
        measure.polarity,
        (current.numerator, current.denominator),
        (comparator.numerator, comparator.denominator),
        exposures=(max(1, current.months_expected), max(1, comparator.months_expected)),
    )
    rating = rate(
        current.value,
        comparator.value,
        measure.polarity,
        measure.tolerance,
        measure.tolerance_kind,
        test=test,
        rule=measure.rating or rule,
        partial_total=measure.unit == "count" and not (current.complete and comparator.complete),
    )
    pct = None if measure.unit == "percentage" else rating.pct_change
    return Comparison(current, comparator, rating.change, pct, rating, test)


@dataclass(frozen=True, eq=False)
class MeasureAssessment:
    """Everything the tables, charts and narrative need about one measure."""

    measure: Measure
    series: pd.DataFrame
    windows: dict[str, WindowValue]
    comparisons: dict[str, Comparison]
    spc: SpcResult

    @property
    def previous_12(self) -> WindowValue:
        return self.windows["previous_12"]

    @property
    def previous_rating(self) -> Rating:
        """Lancashire: the previous 12 months rated against the 12 months before them."""
        return self.comparisons["previous_12_vs_prior_12"].rating

    @property
    def latest_12(self) -> WindowValue:
        return self.windows["latest_12"]

    @property
    def latest_rating(self) -> Rating:
        """Lancashire: the latest 12 months rated against the previous 12."""
        return self.comparisons["latest_12_vs_previous_12"].rating

    @property
    def last_fy(self) -> WindowValue:
        """The "position as at March": the last complete financial year."""
        return self.windows["last_fy"]


@dataclass(frozen=True)
class Settings:
    """The force's choices that shape every assessment (from its configuration).

    ``rule``: the rating rule unless a measure names its own; ``spc_baseline_points``: the
    points fixing each SPC segment's limits; ``spc_changes``: known changes
    ((first month, reason), ...) at which every measure's limits are recalculated.
    """

    rule: str = SIGNIFICANCE
    spc_baseline_points: int | None = None
    spc_changes: tuple[tuple[str, str], ...] = ()


def process_changes(measure: Measure, settings: Settings) -> list[ProcessChange]:
    """The known changes at which this measure's SPC limits are recalculated.

    The force's (a lockdown changes every series), the measure's own (a recording change)
    and, for police.uk measures, police.uk's crime-type changes (``CATEGORY_CHANGES``: a
    change of definition is a change of the process), in month order.
    """
    dated = [*settings.spc_changes, *measure.spc_changes]
    if measure.source == POLICE_UK:
        dated += [(change.month, f"police.uk crime categories changed in {change.label}")
                  for change in CATEGORY_CHANGES]
    return [ProcessChange(month, reason) for month, reason in sorted(dated)]


def assess(
    measure: Measure,
    tidy: pd.DataFrame | None,
    returns: Mapping[str, pd.DataFrame],
    windows: Mapping[str, Window],
    incomplete_months: Iterable[str] = (),
    settings: Settings = Settings(),
) -> MeasureAssessment:
    """All window values, comparisons and the SPC analysis of one measure.

    ``windows`` comes from :func:`pcc_report.periods.report_windows`; without a
    ``baseline`` window the baseline comparison is "Not available".
    """
    street = StreetCounts.of(tidy if measure.source == POLICE_UK else None)
    return _assess(measure, street, returns, windows, frozenset(incomplete_months), settings)


def _assess(
    measure: Measure,
    street: StreetCounts,
    returns: Mapping[str, pd.DataFrame],
    windows: Mapping[str, Window],
    skip: Collection[str],
    settings: Settings,
) -> MeasureAssessment:
    series = _series(measure, street, returns, skip)
    everything = assessment_windows(dict(windows))
    points = _Points.of(series)
    values = {key: _window_value(measure, points, everything.get(key))
              for key in ASSESSMENT_WINDOWS}  # fmt: skip
    comparisons = {
        name: compare_windows(measure, values[a], values[b], settings.rule)
        for name, (a, b) in COMPARISONS.items()
    }
    chart = _spc(measure, series, windows["latest_12"].last, settings)
    return MeasureAssessment(measure, series, values, comparisons, chart)


def spc_points(measure: Measure, series: pd.DataFrame, period_end: Month) -> pd.Series:
    """The SPC points: up to ``SPC_MONTHS`` months to the period end, gaps kept as NaN.

    Percentages are charted as the monthly percentages. The chart starts at the first month
    with data, so months before a return began are not reported as missing points.
    """
    months = series["month"].tolist()
    chart = _chart_months(measure, months, period_end)
    value = dict(zip(months, series["value"].to_numpy(dtype=float, na_value=np.nan),
                     strict=True))  # fmt: skip
    points = np.array([value.get(m, np.nan) for m in chart], dtype=float)
    return pd.Series(points, index=pd.Index(chart, name="month"))


def _chart_months(measure: Measure, months: list[str], period_end: Month) -> list[str]:
    """The chart's months: from the first month in the series, at most ``SPC_MONTHS``."""
    observed = [m for m in months if m <= str(period_end)]
    if not observed:
        return []
    first = max(Month.parse(min(observed)), period_end - (SPC_MONTHS - 1))
    chart = month_range(first, period_end)
    if measure.quarterly:
        chart = [m for m in chart if m.is_quarter_end]
    return [str(m) for m in chart]


def _spc(
    measure: Measure, series: pd.DataFrame, period_end: Month, settings: Settings
) -> SpcResult:
    """A p′ chart for percentages (limits per point), otherwise XmR or run (:mod:`spc`)."""
    options = {
        "target": measure.target,
        "baseline": settings.spc_baseline_points,
        "changes": process_changes(measure, settings),
    }
    points = spc_points(measure, series, period_end)
    if measure.unit != "percentage":
        return spc(points, measure.polarity, **options)
    # A month whose denominator is not positive is a gap in both counts.
    row = {m: i for i, m in enumerate(series["month"].tolist())}
    at = [row.get(m, -1) for m in points.index]
    numerator, denominator = (
        np.append(series[c].to_numpy(dtype=float, na_value=np.nan), np.nan)[at]
        for c in ("numerator", "denominator")
    )
    gap = ~(denominator > 0)
    numerator[gap], denominator[gap] = np.nan, np.nan
    counts = (pd.Series(c, index=points.index) for c in (numerator, denominator))
    return spc_p(*counts, measure.polarity, **options)


class Assessments(list):
    """The assessed measures of one edition (a plain list) plus what that edition withheld."""

    def __init__(
        self,
        items: Iterable[MeasureAssessment] = (),
        *,
        withheld: Iterable[Measure] = (),
        edition: str = "public",
    ) -> None:
        super().__init__(items)
        self.withheld: tuple[Measure, ...] = tuple(withheld)
        self.edition = edition


def assess_all(
    catalogue: Iterable[Measure],
    tidy: pd.DataFrame | None,
    returns: Mapping[str, pd.DataFrame],
    period_end: Month | str,
    baseline_fy: int | None = None,
    edition: str = "public",
    incomplete_months: Iterable[str] = (),
    settings: Settings = Settings(),
    only: Collection[str] | None = None,
) -> Assessments:
    """Assess every measure the edition may show, in catalogue order.

    The public edition drops restricted measures before anything is computed from them and
    records them in ``.withheld``, so the book can say how many were left out. ``only``
    assesses just the measures with those ids (the narrative's placeholders name a few, and
    assessing all of them is most of a narrative edit's time); ``.withheld`` stays whole.
    """
    shown, withheld = in_edition(catalogue, edition)
    if only is not None:
        shown = [m for m in shown if m.id in only]
    end = Month.parse(period_end) if isinstance(period_end, str) else period_end
    windows = report_windows(end, baseline_fy)
    skip = frozenset(incomplete_months)
    street = StreetCounts.of(tidy if any(m.source == POLICE_UK for m in shown) else None)
    return Assessments(
        (_assess(m, street, returns, windows, skip, settings) for m in shown),
        withheld=withheld,
        edition=edition,
    )
