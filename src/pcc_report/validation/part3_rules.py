"""Derived columns for the Part 3 returns' suites (funding and the forward scrutiny plan).

Why: some rules cannot be written as a Great Expectations rule on the file's text alone: the
sum ``spent + available = allocation`` (exact, in pounds), a financial year of consecutive
years, a real calendar date, and a district name that must be one of the force's districts
(which are configuration, not part of the reviewed suite). Each is computed here as a column
that GX then judges with a plain rule, so the pass/fail decision stays in the suite JSON and
the problems name file, line, column and rule like every other input's.

Each column is empty (NaN) where its source text is unreadable, so a value that already
breaks its text rule is not reported twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported lazily
    import pandas

#: An amount in pounds as the funding template takes it (the suite's regex, repeated here so a
#: value failing it is empty in the derived columns).
POUNDS = re.compile(r"^[0-9]+(?:\.[0-9]{1,2})?$")
_FINANCIAL_YEAR = re.compile(r"^(?P<start>[0-9]{4})-(?P<end>[0-9]{2})$")
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: How a district row names districts funded together (Lancashire 2015: "Chorley & South
#: Ribble").
JOINT = " & "


def _series(values: list, index: pandas.Index, dtype: str) -> pandas.Series:
    import pandas as pd

    return pd.Series(values, index=index, dtype=dtype)


def financial_year_gap(frame: pandas.DataFrame, _districts: Collection[str]) -> pandas.Series:
    """0 when ``YYYY-YY`` names consecutive years (2022-23); NaN when not in that form."""
    gaps = []
    for text in frame["financial_year"].astype(str):
        match = _FINANCIAL_YEAR.match(text)
        gaps.append(
            float((int(match["end"]) - int(match["start"]) - 1) % 100) if match else float("nan")
        )
    return _series(gaps, frame.index, "float64")


def balance_gap(frame: pandas.DataFrame, _districts: Collection[str]) -> pandas.Series:
    """``|allocation - spent - available|`` in pounds, exactly (Decimal); NaN if unreadable."""
    gaps = []
    for row in frame[["allocation", "spent", "available"]].astype(str).itertuples(index=False):
        if all(POUNDS.match(v) for v in row):
            allocation, spent, available = (Decimal(v) for v in row)
            gaps.append(float(abs(allocation - spent - available)))
        else:
            gaps.append(float("nan"))
    return _series(gaps, frame.index, "float64")


def district_names(recipient: str) -> list[str]:
    """The district names a district row gives: one, or several joined by :data:`JOINT`."""
    return [" ".join(name.split()) for name in str(recipient).split(JOINT.strip())]


def unknown_district(frame: pandas.DataFrame, districts: Collection[str]) -> pandas.Series:
    """The first name of a district row that is not a known district; "" when all are known.

    Project rows (and rows of any other kind, which their own rule reports) are "".
    """
    known = set(districts)
    found = []
    for kind, recipient in zip(frame["kind"], frame["recipient"], strict=True):
        unknown = [] if kind != "district" else [
            n for n in district_names(recipient) if n not in known]
        found.append(unknown[0] if unknown else "")
    return _series(found, frame.index, "object")


def meeting_date_days(frame: pandas.DataFrame, _districts: Collection[str]) -> pandas.Series:
    """The day number of a real date written ``YYYY-MM-DD``; NaN otherwise (2023-02-30)."""
    days = []
    for text in frame["meeting_date"].astype(str):
        try:
            day = float(date.fromisoformat(text).toordinal()) if _ISO_DATE.match(text) else None
        except ValueError:
            day = None
        days.append(float("nan") if day is None else day)
    return _series(days, frame.index, "float64")


#: Derived column -> how it is computed from the return's text frame and the force's districts.
DERIVED: dict[str, Callable[[pandas.DataFrame, Collection[str]], pandas.Series]] = {
    "_financial_year_gap": financial_year_gap,
    "_balance_gap": balance_gap,
    "_unknown_district": unknown_district,
    "_meeting_date_days": meeting_date_days,
}
