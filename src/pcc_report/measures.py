"""The measure catalogue and every figure the performance tables show for it.

Why: the panel's Part 2 table (Lancashire layout) and dashboard (Leicestershire layout) mix
police.uk crime counts with the force's own returns (call handling, surveys, workforce,
referrals, first time entrants). Which measures appear, which way is better and how each is
rated are editorial decisions, so they live in the reviewed catalogue ``config/measures.yml``;
this module validates it and turns it into figures with pure computations (no plotting and
no I/O besides reading the catalogue and the return CSVs), so every number can be tested.

Conventions, and why:

* **Missing is never zero.** A return that was not supplied makes each of its measures
  "not available"; a month missing from a return is a gap. Only police.uk measures count a
  month with no matching rows as zero, and only for months present in the tidy table (the
  street file for that month was read and had no such crime); months listed in
  ``incomplete_months`` (no street file received) are gaps.
* **Windows.** Counts are summed over the window's months. Percentages are pooled:
  sum of numerators / sum of denominators * 100, never an average of monthly percentages
  (a quiet month would otherwise weigh as much as a busy one). Snapshots (stocks such as
  officer numbers) are the value at the window's last month, never a sum. A window with
  some months missing is "incomplete" (value computed over the months present, and marked);
  with none it is "not available" (no value).
* **Quarterly returns** (first time entrants): each quarter's figure belongs to the
  quarter's last month, so a window holds the quarters that *end* inside it (four in a
  12-month window, one in any 3-month window; none in a financial year to date that stops
  in April or May, which is then "not available"). SPC runs over the quarterly points, and
  with fewer than 15 of them it is a run chart.
* **Ratings** come from :func:`pcc_report.ratings.compare` (Lancashire RAG by polarity and
  the measure's tolerance) with two deliberate exceptions:

  1. *Incomplete counts are not rated.* A total over 11 months compared with one over 12
     would look like a fall: a false "improvement" for crime. The comparison is
     "Not available" (the values are still shown, marked "incomplete data"). Percentages and
     snapshots over the months present remain fair estimates, so they are rated and marked.
  2. *Survey measures are rated by significance* (DOMAIN: a change is an improvement or a
     deterioration only when statistically significant at 95%, two-proportion z-test).
     Significant improvement = Green; significant deterioration = Red; no significant change
     = Green when the point estimate is at or better than the comparator and Amber when it
     is worse. This keeps the Lancashire key (Amber = "marginally below the comparative
     position") but lets sampling error, not an arbitrary tolerance, define "marginal", and
     never calls a non-significant fall a deterioration: the rating text carries the
     classification, e.g. "Amber ↓ (no significant change)".

* **Restricted measures** (partner data with no agreement to publish) are dropped whole in
  the public edition: no value, rating, chart or definition; the book states how many were
  withheld.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml

from pcc_report.config import CONFIG_DIR
from pcc_report.periods import Month, Quarter, Window, month_range, report_windows
from pcc_report.police_uk import crime_types
from pcc_report.ratings import (
    POLARITIES,
    ProportionChange,
    Rating,
    compare,
    is_missing,
    proportion_change,
)
from pcc_report.returns import QUARTERLY_SOURCES, RETURN_COLUMNS
from pcc_report.spc import SpcResult, spc

CATALOGUE_PATH = CONFIG_DIR / "measures.yml"
PLAN_PATH = CONFIG_DIR / "plan.yml"

UNITS: tuple[str, ...] = ("count", "percentage", "snapshot")
TOLERANCE_KINDS: tuple[str, ...] = ("relative", "points")
POLICE_UK = "police_uk"

SOURCES: tuple[str, ...] = (POLICE_UK, *RETURN_COLUMNS)

EDITIONS: tuple[str, ...] = ("public", "restricted")
SPC_MONTHS = 36  # months of history (to the period end) on an SPC chart
NOT_AVAILABLE = "not available"
INCOMPLETE = "incomplete data"

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
}

# Window keys assessed for every measure; "prior_12" is the 12 months before "previous_12",
# which the Lancashire layout needs to rate the previous 12 months.
WINDOW_KEYS: tuple[str, ...] = (
    "latest_12", "previous_12", "prior_12", "last_fy", "fytd", "last_ytd",
    "latest_quarter", "previous_quarter", "same_quarter_last_year", "baseline",
)  # fmt: skip
COMPARISONS: dict[str, tuple[str, str]] = {
    "latest_12_vs_previous_12": ("latest_12", "previous_12"),
    "previous_12_vs_prior_12": ("previous_12", "prior_12"),
    "latest_quarter_vs_previous_quarter": ("latest_quarter", "previous_quarter"),
    "latest_quarter_vs_same_quarter_last_year": ("latest_quarter", "same_quarter_last_year"),
    "fytd_vs_last_ytd": ("fytd", "last_ytd"),
    "latest_12_vs_baseline": ("latest_12", "baseline"),
}

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_REQUIRED = (
    "id", "title", "priority", "unit", "polarity", "source", "definition",
    "tolerance", "tolerance_kind", "restricted",
)  # fmt: skip
_OPTIONAL = (
    "crime_types", "exclude_crime_types", "value", "numerator", "denominator", "filter",
    "survey", "target",
)  # fmt: skip
SERIES_COLUMNS = ["month", "numerator", "denominator", "value"]


class CatalogueError(ValueError):
    """The measure catalogue cannot be used; the message lists every problem found."""


# ---------------------------------------------------------------------------------------------
# The catalogue


@dataclass(frozen=True)
class Measure:
    """One catalogue entry; see ``config/measures.yml`` for the meaning of each field."""

    id: str
    title: str
    priority: str
    unit: Literal["count", "percentage", "snapshot"]
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

    @property
    def quarterly(self) -> bool:
        """True when the source is a quarterly return (values sit at quarter-end months)."""
        return self.source in QUARTERLY_SOURCES


def plan_priorities(path: Path = PLAN_PATH) -> dict[str, str]:
    """Priority id -> title from a plan file, in plan order (the tables' group order)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
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
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc
    items = data.get("measures") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise CatalogueError(f"{path}: expected a top-level 'measures:' list of measures")
    known = set(plan_priorities() if priorities is None else priorities)

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
        measures.append(_build_measure(item))
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
    if unit in ("count", "snapshot") and kind == "points":
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
        errors.append(
            f"unknown crime type(s) {unknown}; police.uk uses: {', '.join(known)}"
        )
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


def _build_measure(item: dict[str, Any]) -> Measure:
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
        crime_types=tuple(item.get("crime_types") or ()),
        exclude_crime_types=tuple(item.get("exclude_crime_types") or ()),
        value=item.get("value"),
        numerator=item.get("numerator"),
        denominator=item.get("denominator"),
        filter=tuple((str(k), str(v)) for k, v in (item.get("filter") or {}).items()),
        survey=bool(item.get("survey", False)),
        target=None if item.get("target") is None else float(item["target"]),
    )


# ---------------------------------------------------------------------------------------------
# Force returns


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
    if measure.source == POLICE_UK:
        counts = _police_uk_counts(measure, tidy, set(incomplete_months))
        frame = pd.DataFrame({"month": counts.index, "numerator": counts.to_numpy(float)})
        frame["denominator"] = np.nan
    else:
        frame = _return_sums(measure, returns.get(measure.source))
    if measure.unit == "percentage":
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = 100 * frame["numerator"] / frame["denominator"]
        frame["value"] = ratio.where(frame["denominator"] > 0)
    else:
        frame["value"] = frame["numerator"]
    return frame[SERIES_COLUMNS].sort_values("month", ignore_index=True)


def _police_uk_counts(measure: Measure, tidy: pd.DataFrame | None, skip: set[str]) -> pd.Series:
    if tidy is None or tidy.empty:
        return pd.Series(dtype=float, index=pd.Index([], name="month"))
    months = sorted(set(tidy["month"].astype(str)) - skip)
    if measure.crime_types:
        rows = tidy[tidy["crime_type"].isin(measure.crime_types)]
    else:
        rows = tidy[~tidy["crime_type"].isin(measure.exclude_crime_types)]
    sums = rows.groupby(rows["month"].astype(str))["count"].sum()
    return sums.reindex(pd.Index(months, name="month"), fill_value=0)


def _return_sums(measure: Measure, data: pd.DataFrame | None) -> pd.DataFrame:
    columns = (
        [measure.numerator, measure.denominator]
        if measure.unit == "percentage"
        else [measure.value]
    )
    empty = pd.DataFrame(
        {
            "month": pd.Series(dtype=str),
            "numerator": pd.Series(dtype=float),
            "denominator": pd.Series(dtype=float),
        }
    )
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
    sums = values.groupby("month", as_index=False)[columns].sum()
    out = pd.DataFrame({"month": sums["month"], "numerator": sums[columns[0]]})
    out["denominator"] = sums[columns[1]] if len(columns) == 2 else np.nan
    return out


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


def _expected_points(measure: Measure, window: Window) -> list[str]:
    months = [str(m) for m in window.months]
    if measure.quarterly:
        return [m for m in months if int(m[5:]) % 3 == 0]  # quarter ends: Mar, Jun, Sep, Dec
    if measure.unit == "snapshot":
        return months[-1:]
    return months


def window_value(measure: Measure, series: pd.DataFrame, window: Window | None) -> WindowValue:
    """Sum (counts), pool (percentages) or take the end value (snapshots) over a window."""
    if window is None:
        return WindowValue(None, None, None, None, 0, 0, False, "not available")
    expected = _expected_points(measure, window)
    rows = series[series["month"].isin(expected)]
    rows = rows[rows["numerator"].notna()]
    present = set(rows["month"])
    missing = tuple(m for m in expected if m not in present)
    unavailable = WindowValue(
        window, None, None, None, len(expected), len(present), False, "not available", missing
    )
    if rows.empty:
        return unavailable
    numerator = float(rows["numerator"].sum())
    denominator = None
    if measure.unit == "percentage":
        denominator = float(rows["denominator"].sum())
        if denominator <= 0:
            return unavailable
        value = 100 * numerator / denominator
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
    """``current`` against ``comparator``: change, rating and (surveys) significance.

    ``change`` is in the measure's unit (percentage points for percentages); ``pct_change``
    is the % change for counts and snapshots (None for percentages, or a zero comparator).
    """

    current: WindowValue
    comparator: WindowValue
    change: float | None
    pct_change: float | None
    rating: Rating
    significance: ProportionChange | None = None

    @property
    def incomplete(self) -> bool:
        return "incomplete" in (self.current.status, self.comparator.status)


def compare_windows(measure: Measure, current: WindowValue, comparator: WindowValue) -> Comparison:
    """Rate one window against another by the rules in the module docstring."""
    rating = compare(
        current.value, comparator.value, measure.polarity, measure.tolerance, measure.tolerance_kind
    )
    significance = None
    if measure.survey:
        significance = _significance(measure, current, comparator)
        rating = _survey_rating(rating, significance)
    both = current.available and comparator.available
    if measure.unit == "count" and both and (not current.complete or not comparator.complete):
        rating = Rating(
            "Not available",
            None,
            None,
            None,
            None,
            "Not available: incomplete data (a total over fewer months is not comparable)",
        )
    pct = None if measure.unit == "percentage" else rating.pct_change
    return Comparison(current, comparator, rating.change, pct, rating, significance)


def _significance(measure: Measure, now: WindowValue, before: WindowValue) -> ProportionChange:
    if not (now.available and before.available):
        return proportion_change(None, None, None, None, measure.polarity)  # type: ignore[arg-type]
    counts = [
        round(x) for x in (now.numerator, now.denominator, before.numerator, before.denominator)
    ]
    return proportion_change(*counts, polarity=measure.polarity)


def _survey_rating(base: Rating, significance: ProportionChange) -> Rating:
    if base.rag in ("Not available", "Not rated"):
        return base
    verdict = significance.classification
    if verdict == "significant improvement":
        return replace(base, rag="Green", label="Green: significant improvement")
    if verdict == "significant deterioration":
        return replace(base, rag="Red", label="Red: significant deterioration")
    if base.rag == "Green":
        return replace(base, label="Green: no significant change (at or above comparator)")
    return replace(base, rag="Amber", label="Amber: no significant change (below comparator)")


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


def assess(
    measure: Measure,
    tidy: pd.DataFrame | None,
    returns: Mapping[str, pd.DataFrame],
    windows: Mapping[str, Window],
    incomplete_months: Iterable[str] = (),
) -> MeasureAssessment:
    """All window values, comparisons and the SPC analysis of one measure.

    ``windows`` comes from :func:`pcc_report.periods.report_windows`; without a
    ``baseline`` window the baseline comparison is "Not available".
    """
    series = monthly_series(measure, tidy, returns, incomplete_months=incomplete_months)
    everything = dict(windows)
    previous = windows["previous_12"]
    everything["prior_12"] = Window(
        "prior_12",
        f"12 months to {(previous.last - 12).name}",
        previous.first - 12,
        previous.last - 12,
    )
    values = {key: window_value(measure, series, everything.get(key)) for key in WINDOW_KEYS}
    comparisons = {
        name: compare_windows(measure, values[a], values[b]) for name, (a, b) in COMPARISONS.items()
    }
    chart = _spc(measure, series, windows["latest_12"].last)
    return MeasureAssessment(measure, series, values, comparisons, chart)


def spc_points(measure: Measure, series: pd.DataFrame, period_end: Month) -> pd.Series:
    """The SPC points: up to ``SPC_MONTHS`` months to the period end, gaps kept as NaN.

    Percentages are charted as the monthly percentages. The chart starts at the first month
    with data, so months before a return began are not reported as missing points.
    """
    values = series.set_index("month")["value"]
    observed = [m for m in values.index if m <= str(period_end)]
    if not observed:
        return pd.Series(dtype=float)
    first = max(Month.parse(min(observed)), period_end - (SPC_MONTHS - 1))
    months = [str(m) for m in month_range(first, period_end)]
    if measure.quarterly:
        months = [m for m in months if int(m[5:]) % 3 == 0]
    return values.reindex(pd.Index(months, name="month")).astype(float)


def _spc(measure: Measure, series: pd.DataFrame, period_end: Month) -> SpcResult:
    return spc(spc_points(measure, series, period_end), measure.polarity, target=measure.target)


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

    @property
    def withheld_statement(self) -> str:
        """E.g. "2 measures are withheld from the public edition." ("" when none)."""
        n = len(self.withheld)
        if not n:
            return ""
        noun, verb = ("measure", "is") if n == 1 else ("measures", "are")
        return f"{n} {noun} {verb} withheld from the {self.edition} edition."


def assess_all(
    catalogue: Iterable[Measure],
    tidy: pd.DataFrame | None,
    returns: Mapping[str, pd.DataFrame],
    period_end: Month | str,
    baseline_fy: int | None = None,
    edition: str = "public",
    incomplete_months: Iterable[str] = (),
) -> Assessments:
    """Assess every measure the edition may show, in catalogue order.

    The public edition drops restricted measures before anything is computed from them and
    records them in ``.withheld``, so the book can say how many were left out.
    """
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {', '.join(EDITIONS)}, not {edition!r}")
    end = Month.parse(period_end) if isinstance(period_end, str) else period_end
    windows = report_windows(end, baseline_fy)
    incomplete = tuple(incomplete_months)
    shown, withheld = [], []
    for measure in catalogue:
        (withheld if edition == "public" and measure.restricted else shown).append(measure)
    return Assessments(
        (assess(m, tidy, returns, windows, incomplete) for m in shown),
        withheld=withheld,
        edition=edition,
    )


# ---------------------------------------------------------------------------------------------
# Tables


def format_value(measure: Measure, value: float | None) -> str:
    """A figure as printed: 12,345 or 87.4%. FTE snapshots are shown to the whole number, as
    panels print them; the raw tables keep the decimals."""
    if is_missing(value):
        return NOT_AVAILABLE
    if measure.unit == "percentage":
        return f"{value:.1f}%"
    return f"{round(value):,}"


def format_window(measure: Measure, wv: WindowValue) -> str:
    """A window's figure, with "incomplete data" and how much is missing when it applies."""
    text = format_value(measure, wv.value)
    if wv.status == "incomplete":
        points = "quarters" if measure.quarterly else "months"
        gap = len(wv.missing)
        text += f" ({INCOMPLETE}: {gap} of {wv.months_expected} {points} missing)"
    return text


def format_rating(comparison: Comparison) -> str:
    """RAG word and arrow, never colour alone: "Green ↓", "Amber ↓ (no significant change)"."""
    rating = comparison.rating
    if rating.rag == "Not available":
        incomplete = comparison.current.available and comparison.comparator.available
        return f"{NOT_AVAILABLE} ({INCOMPLETE})" if incomplete else NOT_AVAILABLE
    text = f"{rating.rag} {rating.arrow}"
    if comparison.significance is not None:
        text += f" ({comparison.significance.classification})"
    if comparison.incomplete:
        text += f" ({INCOMPLETE})"
    return text


def format_change(measure: Measure, comparison: Comparison) -> str:
    """% variance for counts and snapshots ("-4.2%"), points for percentages ("+1.3 pp")."""
    if comparison.change is None:
        return NOT_AVAILABLE
    if measure.unit == "percentage":
        text = f"{comparison.change:+.1f} pp"
    elif comparison.pct_change is None:
        text = f"{comparison.change:+,.0f} (no % change: comparator is zero)"
    else:
        text = f"{comparison.pct_change:+.1f}%"
    return text + (f" ({INCOMPLETE})" if comparison.incomplete else "")


def _ordered(
    assessments: Iterable[MeasureAssessment], priorities: Mapping[str, str] | None
) -> tuple[list[MeasureAssessment], dict[str, str]]:
    titles = dict(plan_priorities() if priorities is None else priorities)
    rank = {pid: i for i, pid in enumerate(titles)}
    items = list(assessments)
    items.sort(key=lambda a: rank.get(a.measure.priority, len(rank)))  # stable: catalogue order
    return items, titles


def _window(items: list[MeasureAssessment], key: str) -> Window | None:
    """The window behind a column: the same for every measure of one report."""
    return next((a.windows[key].window for a in items if a.windows[key].window), None)


def _spanned(title: str, window: Window | None) -> str:
    """A column header naming its months: "Latest 12 months (October 2021 to September 2022)"."""
    return f"{title} ({window.span})" if window else title


def part2_table(
    assessments: Iterable[MeasureAssessment],
    *,
    priorities: Mapping[str, str] | None = None,
    raw: bool = False,
) -> pd.DataFrame:
    """The Lancashire Part 2 table, grouped by plan priority (plan order, then catalogue).

    Display strings by default; ``raw=True`` gives the same rows as numbers and codes for the
    CSV audit trail. ``priorities`` maps priority id -> title (default: config/plan.yml).
    """
    items, titles = _ordered(assessments, priorities)
    if raw:
        rows = [
            {
                "priority_id": a.measure.priority,
                "measure_id": a.measure.id,
                "measure": a.measure.title,
                "unit": a.measure.unit,
                "previous_12_value": a.previous_12.value,
                "previous_12_status": a.previous_12.status,
                "previous_rag": a.previous_rating.rag,
                "previous_direction": a.previous_rating.direction,
                "latest_12_value": a.latest_12.value,
                "latest_12_status": a.latest_12.status,
                "latest_rag": a.latest_rating.rag,
                "latest_direction": a.latest_rating.direction,
                "latest_change": a.comparisons["latest_12_vs_previous_12"].change,
                "latest_pct_change": a.comparisons["latest_12_vs_previous_12"].pct_change,
                "last_fy_value": a.last_fy.value,
                "last_fy_status": a.last_fy.status,
            }
            for a in items
        ]
        return pd.DataFrame(rows, columns=_PART2_RAW)
    previous = _spanned("Previous 12 months", _window(items, "previous_12"))
    latest = _spanned("Latest 12 months", _window(items, "latest_12"))
    last_fy = _window(items, "last_fy")
    march = f"Position as at {last_fy.last.name}" if last_fy else "Position as at March"
    rows = [
        {
            "Priority": titles.get(a.measure.priority, a.measure.priority),
            "Measure": a.measure.title,
            previous: format_window(a.measure, a.previous_12),
            "Rating (against the 12 months before)": format_rating(
                a.comparisons["previous_12_vs_prior_12"]
            ),
            latest: format_window(a.measure, a.latest_12),
            "Rating (against previous 12 months)": format_rating(
                a.comparisons["latest_12_vs_previous_12"]
            ),
            march: format_window(a.measure, a.last_fy),
        }
        for a in items
    ]
    columns = [
        "Priority", "Measure", previous, "Rating (against the 12 months before)", latest,
        "Rating (against previous 12 months)", march,
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


_PART2_RAW = [
    "priority_id", "measure_id", "measure", "unit", "previous_12_value", "previous_12_status",
    "previous_rag", "previous_direction", "latest_12_value", "latest_12_status", "latest_rag",
    "latest_direction", "latest_change", "latest_pct_change", "last_fy_value", "last_fy_status",
]  # fmt: skip


def format_spc(result: SpcResult) -> str:
    """The variation icon's words; run charts and trial limits say so."""
    if not result.points:
        return NOT_AVAILABLE
    if result.chart_type == "run":
        return f"{result.variation} (run chart, fewer than 15 points)"
    return result.variation + (" (trial limits)" if result.trial_limits else "")


def format_assurance(measure: Measure, result: SpcResult) -> str:
    if measure.target is None:
        return "no target"
    if not result.points:
        return NOT_AVAILABLE
    if result.assurance is None:
        return "not assessed (run chart, fewer than 15 points)"
    return result.assurance


def dashboard_table(
    assessments: Iterable[MeasureAssessment],
    *,
    priorities: Mapping[str, str] | None = None,
    raw: bool = False,
) -> pd.DataFrame:
    """The Leicestershire dashboard: baseline year against the latest 12 months.

    Change is the % variance for counts and snapshots and the percentage-point change for
    percentages; survey measures add their significance against the baseline (which is what
    their rating rests on). ``raw=True`` gives numbers and codes for the CSV audit trail.
    """
    items, titles = _ordered(assessments, priorities)
    if raw:
        rows = []
        for a in items:
            c = a.comparisons["latest_12_vs_baseline"]
            rows.append(
                {
                    "priority_id": a.measure.priority,
                    "measure_id": a.measure.id,
                    "measure": a.measure.title,
                    "unit": a.measure.unit,
                    "baseline_value": a.windows["baseline"].value,
                    "baseline_status": a.windows["baseline"].status,
                    "latest_12_value": a.latest_12.value,
                    "latest_12_status": a.latest_12.status,
                    "change": c.change,
                    "pct_change": c.pct_change,
                    "spc_chart": a.spc.chart_type if a.spc.points else None,
                    "spc_variation": a.spc.variation,
                    "significance": c.significance.classification if c.significance else None,
                    "p_value": c.significance.p_value if c.significance else None,
                    "target": a.measure.target,
                    "assurance": a.spc.assurance,
                }
            )
        return pd.DataFrame(rows, columns=_DASHBOARD_RAW)
    baseline_window = _window(items, "baseline")
    baseline = baseline_window.label if baseline_window else "Baseline (none set)"
    latest = _spanned("Latest 12 months", _window(items, "latest_12"))
    rows = []
    for a in items:
        c = a.comparisons["latest_12_vs_baseline"]
        if a.measure.survey:
            significance = c.significance.classification if c.significance else NOT_AVAILABLE
        else:
            significance = "not a survey"
        rows.append(
            {
                "Priority": titles.get(a.measure.priority, a.measure.priority),
                "Measure": a.measure.title,
                baseline: format_window(a.measure, a.windows["baseline"]),
                latest: format_window(a.measure, a.latest_12),
                "Change on baseline": format_change(a.measure, c),
                "SPC variation": format_spc(a.spc),
                "Significance (surveys)": significance,
                "Target": "none"
                if a.measure.target is None
                else format_value(a.measure, a.measure.target),
                "Target assurance": format_assurance(a.measure, a.spc),
            }
        )
    columns = [
        "Priority", "Measure", baseline, latest, "Change on baseline", "SPC variation",
        "Significance (surveys)", "Target", "Target assurance",
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


_DASHBOARD_RAW = [
    "priority_id", "measure_id", "measure", "unit", "baseline_value", "baseline_status",
    "latest_12_value", "latest_12_status", "change", "pct_change", "spc_chart", "spc_variation",
    "significance", "p_value", "target", "assurance",
]  # fmt: skip


def definitions_table(
    catalogue: Iterable[Measure],
    *,
    priorities: Mapping[str, str] | None = None,
    edition: str = "public",
) -> pd.DataFrame:
    """The appendix of measure definitions; the public edition leaves restricted ones out."""
    if edition not in EDITIONS:
        raise ValueError(f"edition must be one of {', '.join(EDITIONS)}, not {edition!r}")
    titles = dict(plan_priorities() if priorities is None else priorities)
    rows = [
        {
            "Measure": m.title,
            "Priority": titles.get(m.priority, m.priority),
            "Unit": UNIT_WORDS[m.unit],
            "Polarity": POLARITY_WORDS[m.polarity],
            "Source": SOURCE_WORDS[m.source],
            "Definition": m.definition,
            "Target": "none" if m.target is None else format_value(m, m.target),
        }
        for m in catalogue
        if edition != "public" or not m.restricted
    ]
    columns = ["Measure", "Priority", "Unit", "Polarity", "Source", "Definition", "Target"]
    return pd.DataFrame(rows, columns=columns)


# Every comparison shown on a priority page, in reading order, with its plain name.
COMPARISON_NAMES: dict[str, str] = {
    "latest_12_vs_previous_12": "Latest 12 months against the previous 12",
    "latest_quarter_vs_previous_quarter": "Latest quarter against the previous quarter",
    "latest_quarter_vs_same_quarter_last_year": "Latest quarter against the same quarter "
    "last year",
    "fytd_vs_last_ytd": "Financial year to date against the same period last year",
    "latest_12_vs_baseline": "Latest 12 months against the baseline year",
}


def comparisons_table(
    assessments: Iterable[MeasureAssessment], *, raw: bool = False
) -> pd.DataFrame:
    """Every comparison window of each measure: periods, values, change and rating.

    One row per measure and comparison, so the latest quarter, the financial year to date
    and the baseline are read the same way as the 12-month view. ``raw=True`` gives numbers
    and codes for the CSV audit trail.
    """
    rows = []
    for a in assessments:
        for key, name in COMPARISON_NAMES.items():
            c = a.comparisons[key]
            if raw:
                rows.append({
                    "measure_id": a.measure.id, "comparison": key,
                    "current_first": str(c.current.window.first) if c.current.window else None,
                    "current_last": str(c.current.window.last) if c.current.window else None,
                    "current_value": c.current.value, "current_status": c.current.status,
                    "comparator_first": (str(c.comparator.window.first)
                                         if c.comparator.window else None),
                    "comparator_last": (str(c.comparator.window.last)
                                        if c.comparator.window else None),
                    "comparator_value": c.comparator.value,
                    "comparator_status": c.comparator.status,
                    "change": c.change, "pct_change": c.pct_change,
                    "rag": c.rating.rag, "direction": c.rating.direction,
                })
                continue
            rows.append({
                "Measure": a.measure.title,
                "Comparison": name,
                "Period": c.current.window.span if c.current.window else NOT_AVAILABLE,
                "Value": format_window(a.measure, c.current),
                "Comparator period": (c.comparator.window.span if c.comparator.window
                                      else NOT_AVAILABLE),
                "Comparator value": format_window(a.measure, c.comparator),
                "Change": format_change(a.measure, c),
                "Rating": format_rating(c),
            })
    return pd.DataFrame(rows)
