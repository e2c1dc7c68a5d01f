"""Layer 2 of the police.uk street data: its rows, judged by the reviewed GX suite.

:func:`validate_street` takes the combined frame of all street files of one force, as the
ingest step reads it: the 12 police.uk columns as text (empty values as ``""``; NaN/None are
normalised to ``""`` here) plus the trace columns ``source_file`` (path relative to the data
root), ``source_line`` (1-based line, the header is line 1), ``file_month`` (``YYYY-MM`` from
the file name) and ``force`` (slug). Examples of bad values name the file and line, so an
analyst can open the file and look. It also checks that every required month is present.

Before GX runs, the frame gets four derived columns so that GX itself judges rules that text
columns cannot express: ``_longitude_number``/``_latitude_number`` (coordinates as numbers, for
the UK bounding box), ``_month_rows_vs_median`` (for the plausible-row-count warning) and
``_crime_type_period`` (which of police.uk's crime-type periods the row's Month is in, so that
the suite's per-period rules accept a type only in the months police.uk used it). Rows of
another force (their "Falls within" is not the force of the other rows) are found here too.
Validating the 0.6 M rows of three years of Lancashire takes about 3 s after the GX import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcc_report.ingest import TRACE_COLUMNS
from pcc_report.police_uk import (
    CRIME_TYPE_HISTORY,
    EXPECTATIONS_DIR,
    STREET_COLUMNS,
    STREET_SUITE,
    months_used,
    period_of,
)
from pcc_report.validation.files import MONTH
from pcc_report.validation.results import (
    ERROR,
    MAX_EXAMPLES,
    WARNING,
    Problem,
    ValidationReport,
)
from pcc_report.validation.suites import check_frame, load_suite

if TYPE_CHECKING:  # pandas is imported lazily
    import pandas

RULE_MONTHS = "Every required month has data"
RULE_FORCE = "Every row falls within the force being reported"

#: Columns computed here so that GX can judge numeric and per-month rules on text input.
DERIVED_COLUMNS: tuple[str, ...] = (
    "_longitude_number",
    "_latitude_number",
    "_month_rows_vs_median",
    "_crime_type_period",
)


def validate_street(
    frame: pandas.DataFrame | None,
    *,
    required_months: Sequence[str],
    allow_missing: bool = False,
    file_problems: Iterable[Problem] = (),
    expectations_dir: Path = EXPECTATIONS_DIR,
    check_force: bool = False,
) -> ValidationReport:
    """Validate the combined police.uk street frame of one force against its suite.

    ``frame`` may be ``None`` when no file could be read (every month is then missing).
    ``required_months`` are the ``YYYY-MM`` months the report needs; a month with no rows is an
    error, or a warning listed in ``incomplete_months`` when ``allow_missing`` is true.
    ``file_problems`` (from :func:`check_street_file`) are put first in the report so that all
    problems are shown in one place. GX decides pass/fail of every row rule; this function only
    turns GX's results into :class:`Problem` objects that name file, line, column and rule.
    ``check_force`` (the build sets it) also requires every row's "Falls within" to be the force
    of most rows: a file of another force among the downloads would otherwise be counted.
    """
    for month in required_months:
        if not MONTH.match(str(month)):
            raise ValueError(f"required month {month!r} is not YYYY-MM")
    if frame is None:  # no readable file at all: run the rules on no rows, report the months
        import pandas as pd

        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in STREET_COLUMNS})
        for column in TRACE_COLUMNS:
            frame[column] = pd.Series([], dtype="int64" if column == "source_line" else "str")
    missing_ingest = [c for c in TRACE_COLUMNS if c not in frame.columns]
    if missing_ingest:
        raise ValueError(
            f"frame lacks the ingest column(s) {missing_ingest}; build it with pcc_report.ingest"
        )

    suite_json, provenance = load_suite(expectations_dir, STREET_SUITE)
    gx_frame = _prepare_street_frame(frame)
    suite_summary, suite_problems = check_frame(suite_json, provenance, gx_frame)
    periods = {e["meta"]["rule"] for e in suite_json["expectations"] if "period" in e["meta"]}
    problems = [
        *file_problems,
        *(_with_months_used(p) if p.rule in periods else p for p in suite_problems),
    ]
    if check_force:
        problems += _other_force_problems(gx_frame)

    present = set(gx_frame["file_month"].unique().tolist()) if len(gx_frame) else set()
    missing = sorted({str(m) for m in required_months} - present)
    if missing:
        level = WARNING if allow_missing else ERROR
        consequence = (
            "figures for these months are marked incomplete data"
            if allow_missing
            else "the report needs them (run with --allow-missing to build it marked incomplete)"
        )
        problems.append(
            Problem(
                suite=STREET_SUITE,
                rule=RULE_MONTHS,
                level=level,
                column="file_month",
                message=f"{len(missing)} required month(s) have no data: "
                f"{', '.join(missing)}; {consequence}",
                examples=[{"file": None, "line": None, "value": m} for m in missing[:MAX_EXAMPLES]],
                unexpected_count=len(missing),
            )
        )
    return ValidationReport(
        suites=[suite_summary],
        problems=problems,
        incomplete_months=missing,
        rows_checked=len(gx_frame),
    )


def _prepare_street_frame(frame: pandas.DataFrame) -> pandas.DataFrame:
    """The frame GX sees: text columns with "" for missing, ingest columns, derived columns.

    The police.uk columns keep the caller's order (so the header rule can catch a reordering);
    ingest and derived columns follow. The index becomes 0..n-1 so that GX's unexpected index
    list maps straight to positions. The caller's frame is not modified.

    Why the dtypes change (values do not): GX applies each row condition by filtering the whole
    frame, dozens of times per run, and taking rows of Arrow-backed strings is slow (~10 s on
    0.7 M rows). Text columns become categorical (taking rows = taking integer codes), which
    brings a run down to a few seconds.
    """
    import pandas as pd

    source = [c for c in frame.columns if c not in TRACE_COLUMNS and c not in DERIVED_COLUMNS]
    data: dict[str, Any] = {}
    for column in [*source, *TRACE_COLUMNS]:
        values = frame[column].reset_index(drop=True)
        if column == "source_line":
            data[column] = values
            continue
        if values.hasnans:
            if isinstance(values.dtype, pd.CategoricalDtype):  # "" may not be a category yet
                values = values.astype(object)
            values = values.fillna("")
        data[str(column)] = _categorical(values)
    if "Month" in data:  # compared pairwise with file_month: categories must be identical
        months = data["Month"].cat.categories.union(data["file_month"].cat.categories)
        data["Month"] = data["Month"].cat.set_categories(months)
        data["file_month"] = data["file_month"].cat.set_categories(months)
    data["_longitude_number"] = _to_number(data.get("Longitude"), len(frame))
    data["_latitude_number"] = _to_number(data.get("Latitude"), len(frame))
    data["_month_rows_vs_median"] = _month_ratio(data["file_month"])
    data["_crime_type_period"] = _crime_type_period(data.get("Month"), len(frame))
    return pd.DataFrame(data, copy=False)


def _crime_type_period(month: pandas.Series | None, length: int) -> pandas.Series:
    """Per row: the name of the crime-type period its Month is in ("" when not a month)."""
    import pandas as pd

    if month is None:
        return pd.Series([""] * length, dtype="category")
    if not isinstance(month.dtype, pd.CategoricalDtype):
        month = month.astype("category")
    import numpy as np

    table = np.array([period_of(str(m)) for m in month.cat.categories] + [""], dtype=object)
    return pd.Series(table[month.cat.codes.to_numpy()], dtype="category")


def _with_months_used(problem: Problem) -> Problem:
    """A per-period crime-type problem whose examples say when police.uk used the type."""
    examples = []
    for example in problem.examples:
        value = str(example.get("value"))
        when = (
            f"police.uk used it {months_used(value)}"
            if value in CRIME_TYPE_HISTORY
            else "not a police.uk crime type"
        )
        examples.append({**example, "value": f"{value} ({when})"})
    message = problem.message.replace(
        "break this rule", "have a crime type police.uk did not use in the row's month"
    )
    return replace(problem, examples=examples, message=message)


def _other_force_problems(gx_frame: pandas.DataFrame) -> list[Problem]:
    """One error naming each file that holds rows of another force, how many and which."""
    if not len(gx_frame) or "Falls within" not in gx_frame.columns:
        return []
    counts = gx_frame.groupby(["source_file", "Falls within"], observed=True, sort=True).size()
    totals = counts.groupby(level="Falls within").sum()
    expected = sorted(totals.index, key=lambda name: (-int(totals[name]), str(name)))[0]
    others = counts[counts.index.get_level_values("Falls within") != expected]
    if others.empty:
        return []
    first_line = gx_frame.groupby(["source_file", "Falls within"], observed=True)["source_line"]
    first_line = first_line.min()
    examples = [
        {"file": str(f), "line": int(first_line[(f, name)]),
         "value": f"{int(n):,} row(s) fall within {name}"}
        for (f, name), n in others.items()
    ]  # fmt: skip
    described = "; ".join(
        f"{f}: {int(n):,} row(s) of {name}" for (f, name), n in others.items()
    )
    return [
        Problem(
            suite=STREET_SUITE,
            rule=RULE_FORCE,
            level=ERROR,
            column="Falls within",
            message=f"{int(others.sum()):,} row(s) belong to another force than {expected} "
            f"(the force of the other rows): {described}",
            examples=examples[:MAX_EXAMPLES],
            unexpected_count=int(others.sum()),
        )
    ]


def _categorical(values: pandas.Series) -> pandas.Series:
    """``values`` as a categorical with the same values, via Arrow's dictionary encoding.

    Arrow encodes the nearly unique Crime ID column about twice as fast as pandas' ``astype``;
    anything Arrow cannot take (mixed Python objects) falls back to pandas.
    """
    import pandas as pd
    import pyarrow as pa

    try:
        array = pa.array(values)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        encoded = array.dictionary_encode()
        categories = pd.Index(pd.array(encoded.dictionary, dtype="str"))
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        dtype = pd.CategoricalDtype(categories)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), name=values.name)
    except (pa.ArrowException, TypeError, ValueError):
        return values.astype("category")


def _to_number(values: pandas.Series | None, length: int) -> pandas.Series:
    """Text coordinates as floats; NaN when empty or not a number (GX skips NaN in ranges).

    Converts each distinct text once (the column is categorical), not every row.
    """
    import numpy as np
    import pandas as pd

    if values is None:
        return pd.Series(np.full(length, np.nan), dtype="float64")
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    categories = pd.Series(values.cat.categories.astype(str))
    numbers = pd.to_numeric(categories.where(categories != "", None), errors="coerce")
    table = np.append(numbers.to_numpy(dtype="float64", na_value=np.nan), np.nan)
    codes = values.cat.codes.to_numpy()  # -1 (missing) picks the trailing NaN
    return pd.Series(table[codes], dtype="float64")


def _month_ratio(file_month: pandas.Series) -> pandas.Series:
    """Per row: rows of its month divided by the median rows of the *other* months.

    Comparing with the other months (not all months) stops one wild month from pulling the
    median towards itself. NaN (not checked) when there are fewer than two months.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(file_month.dtype, pd.CategoricalDtype):
        file_month = file_month.astype("category")
    counts = file_month.value_counts()
    counts = counts[counts > 0]  # categories may include months that only appear in Month
    ratio: dict[Any, float] = {}
    if len(counts) >= 2:
        for month, count in counts.items():
            ratio[month] = float(count) / float(counts.drop(month).median())
    table = np.array([ratio.get(m, np.nan) for m in file_month.cat.categories] + [np.nan])
    return pd.Series(table[file_month.cat.codes.to_numpy()], dtype="float64")


#
