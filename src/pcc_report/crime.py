"""Recorded-crime figures from the tidy monthly table: totals, changes, districts, outcomes.

Anti-social behaviour (ASB) incidents are not crimes: police.uk mixes them into the street
files, so "recorded crime" here always excludes them and ASB is reported on its own.
Every function is a pure computation over the tidy table so that tests can check the
figures against an independent calculation from the raw files.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pcc_report import yaml_files
from pcc_report.config import CONFIG_DIR
from pcc_report.periods import Window
from pcc_report.police_uk import ANTI_SOCIAL_BEHAVIOUR, CATEGORY_CHANGES

ALL_CRIME = "All recorded crime (excluding ASB)"


def load_tidy(path: str | Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def crimes_only(tidy: pd.DataFrame) -> pd.DataFrame:
    return tidy[tidy["crime_type"] != ANTI_SOCIAL_BEHAVIOUR]


def in_window(tidy: pd.DataFrame, window: Window) -> pd.DataFrame:
    months = {str(m) for m in window.months}
    return tidy[tidy["month"].isin(months)]


def percent_change(current: float, previous: float) -> float | None:
    """% change, or None when the comparator is zero (a % of nothing is meaningless)."""
    if previous == 0:
        return None
    return (current - previous) / previous * 100.0


def total(tidy: pd.DataFrame, window: Window, crime_types: tuple[str, ...] | None = None) -> int:
    """Recorded crimes (or the given types, which may include ASB) in a window."""
    frame = in_window(tidy, window)
    if crime_types is None:
        frame = crimes_only(frame)
    else:
        frame = frame[frame["crime_type"].isin(crime_types)]
    return int(frame["count"].sum())


def compare_by(
    tidy: pd.DataFrame, column: str, current: Window, previous: Window, *, label: str
) -> pd.DataFrame:
    """Counts per value of ``column`` in two windows, with the change and % change.

    Every value seen in either window gets a row (a category that fell to zero is
    still shown), sorted by the latest count, largest first.
    """
    now = in_window(tidy, current).groupby(column)["count"].sum()
    before = in_window(tidy, previous).groupby(column)["count"].sum()
    table = pd.DataFrame({"previous": before, "latest": now}).fillna(0).astype("int64")
    table = table.sort_values(["latest", "previous"], ascending=False)
    table["change"] = table["latest"] - table["previous"]
    table["pct_change"] = [
        percent_change(n, p) for n, p in zip(table["latest"], table["previous"], strict=True)
    ]
    table = table.reset_index().rename(columns={column: label})
    return table


def like_for_like_types(tidy: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    """``tidy`` with its crime types made comparable across police.uk's changes inside the
    months ``first``..``last`` (YYYY-MM), for a table that compares types over them.

    A renamed type takes its new name (Violent crime was Violence and sexual offences); the
    types of a group that was split or merged are counted together under one label ("Public
    order and Possession of weapons (together: Public disorder and weapons before May
    2013)"), so no row compares part of a category with all of it. Totals are unchanged.
    """
    relabel = _like_for_like_labels(tidy, first, last)
    if not relabel:
        return tidy
    return tidy.assign(crime_type=tidy["crime_type"].replace(relabel))


def types_counted(tidy: pd.DataFrame, first: str, last: str) -> dict[str, list[str]]:
    """Each :func:`like_for_like_types` row label over ``first``..``last`` (YYYY-MM) -> the
    crime types of ``tidy`` that it counts (sorted): ``[label]`` for a type shown as itself,
    the renamed or grouped types for a merged row; a label that is no type (a total row) is
    not a key. One call serves every row of a table."""
    relabel = _like_for_like_labels(tidy, first, last)
    counted: dict[str, list[str]] = {}
    for crime_type in sorted(set(tidy["crime_type"].unique())):
        counted.setdefault(relabel.get(crime_type, crime_type), []).append(crime_type)
    return counted


def _like_for_like_labels(tidy: pd.DataFrame, first: str, last: str) -> dict[str, str]:
    """Crime type -> the label it is counted under (see :func:`like_for_like_types`)."""
    relabel: dict[str, str] = {}
    for change in CATEGORY_CHANGES:
        if not first < change.month <= last:
            continue
        present = set(tidy.loc[tidy["month"].between(first, last), "crime_type"].unique())
        for before, after in change.groups:
            group = (set(before) | set(after)) & present
            if len(group) < 2 or not group & set(before):
                continue
            if len(before) == 1 and len(after) == 1:
                relabel[before[0]] = after[0]
                continue
            label = (" and ".join(t for t in after if t in group)
                     + f" (together: {' and '.join(t for t in before if t in group)} before "
                     f"{change.label})")  # fmt: skip
            relabel.update(dict.fromkeys(group, label))
    return relabel


def crime_type_comparison(tidy: pd.DataFrame, current: Window, previous: Window) -> pd.DataFrame:
    """Recorded crime by type in two windows, with an all-crime total row last."""
    rows = like_for_like_types(crimes_only(tidy), str(previous.first), str(current.last))
    table = compare_by(rows, "crime_type", current, previous, label="Crime type")
    totals = {
        "Crime type": ALL_CRIME,
        "previous": int(table["previous"].sum()),
        "latest": int(table["latest"].sum()),
    }
    totals["change"] = totals["latest"] - totals["previous"]
    totals["pct_change"] = percent_change(totals["latest"], totals["previous"])
    return pd.concat([table, pd.DataFrame([totals])], ignore_index=True)


@dataclass(frozen=True)
class StreetCounts:
    """The tidy police.uk table's counts summed by month and crime type.

    Why: every police.uk measure (:mod:`pcc_report.measures`) is a choice of crime types
    summed by month, so the table is summed once here for all of them (filtering the whole
    table again for each measure was most of an assessment's time). The counts are whole
    numbers (the tidy table's ``count`` is an integer), so adding by type first and then
    across types gives exactly the totals of adding the rows. ``months`` is every month in
    the table (sorted), ``types`` every crime type (a missing type included), ``table``
    months x types.
    """

    months: tuple[str, ...] = ()
    types: tuple[object, ...] = ()
    table: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    @classmethod
    def of(cls, tidy: pd.DataFrame | None) -> StreetCounts:
        if tidy is None or tidy.empty:
            return cls()
        month, months = pd.factorize(tidy["month"].astype(str), sort=True)
        kind, types = pd.factorize(tidy["crime_type"], use_na_sentinel=False)
        count = tidy["count"]
        count = count.to_numpy(np.int64) if pd.api.types.is_integer_dtype(count) else (
            count.to_numpy(float, na_value=0.0))
        table = np.zeros((len(months), len(types)), dtype=count.dtype)
        np.add.at(table, (month, kind), count)
        return cls(tuple(months), tuple(types), table)

    def counts(
        self, crime_types: Collection[str], exclude: Collection[str], skip: Collection[str]
    ) -> tuple[list[str], np.ndarray]:
        """Monthly counts of ``crime_types`` (none given: every type not in ``exclude``), for
        every month of the table but those in ``skip``."""
        if crime_types:
            chosen = [t in crime_types for t in self.types]
        else:
            chosen = [t not in exclude for t in self.types]
        totals = self.table[:, np.array(chosen, dtype=bool)].sum(axis=1)
        keep = [i for i, m in enumerate(self.months) if m not in skip]
        return [self.months[i] for i in keep], totals[keep].astype(float)


def monthly_series(
    tidy: pd.DataFrame, crime_types: tuple[str, ...] | None = None, *, by: str | None = None
) -> pd.DataFrame:
    """Monthly counts (recorded crime, or the given types), optionally split by a column.

    Months with data but no matching rows count zero; months with no file at all are
    absent, so a chart shows a gap rather than a false zero.
    """
    frame = crimes_only(tidy) if crime_types is None else tidy[tidy["crime_type"].isin(crime_types)]
    keys = ["month"] + ([by] if by else [])
    months = sorted(tidy["month"].unique())
    series = frame.groupby(keys)["count"].sum()
    if by:
        full = pd.MultiIndex.from_product([months, sorted(frame[by].unique())], names=keys)
    else:
        full = pd.Index(months, name="month")
    return series.reindex(full, fill_value=0).reset_index()


def load_outcome_groups(path: Path = CONFIG_DIR / "outcomes.yml") -> dict[str, str]:
    """Map each police.uk outcome category to its reporting group (reviewed config)."""
    data = yaml_files.read(path)
    return {outcome: group for group, outcomes in data["groups"].items() for outcome in outcomes}


def outcome_shares(tidy: pd.DataFrame, window: Window, groups: dict[str, str]) -> pd.DataFrame:
    """Share of recorded crimes in a window by outcome group and category.

    Outcomes missing from the config fall into "Other outcome" so that the shares always
    add up to 100% of the crimes in the window.
    """
    frame = crimes_only(in_window(tidy, window)).copy()
    frame["outcome"] = frame["outcome"].fillna("No outcome recorded")
    frame["group"] = frame["outcome"].map(groups).fillna("Other outcome")
    table = frame.groupby(["group", "outcome"])["count"].sum().reset_index()
    total_crimes = table["count"].sum()
    table["share"] = table["count"] / total_crimes * 100.0 if total_crimes else float("nan")
    return table.sort_values(["group", "count"], ascending=[True, False], ignore_index=True)


def main_districts(table: pd.DataFrame, min_share: float = 0.5) -> tuple[pd.DataFrame, int]:
    """Keep districts with at least ``min_share`` % of latest crime; combine the rest.

    police.uk places a few of a force's crimes in LSOAs of neighbouring areas; listing
    dozens of one-crime districts would bury the force's own. "No location" is always kept.
    Returns the table to show and how many districts were combined.
    """
    label = table.columns[0]
    latest_total = table["latest"].sum() or 1
    keep = (table["latest"] / latest_total * 100 >= min_share) | (table[label] == "No location")
    minor = table[~keep]
    shown = table[keep].reset_index(drop=True)
    if len(minor):
        other = {
            label: f"Other districts ({len(minor)})",
            "previous": int(minor["previous"].sum()),
            "latest": int(minor["latest"].sum()),
        }
        other["change"] = other["latest"] - other["previous"]
        other["pct_change"] = percent_change(other["latest"], other["previous"])
        shown = pd.concat([shown, pd.DataFrame([other])], ignore_index=True)
    return shown, len(minor)


def district_comparison(tidy: pd.DataFrame, current: Window, previous: Window) -> pd.DataFrame:
    """Recorded crime by district (community safety partnership) in two windows."""
    return compare_by(crimes_only(tidy), "district", current, previous, label="District")


def type_comparison(
    tidy: pd.DataFrame, crime_types: tuple[str, ...], current: Window, previous: Window
) -> pd.DataFrame:
    """The given crime types (ASB included when listed) in two windows, by type, like for
    like across police.uk's changes (:func:`like_for_like_types`)."""
    chosen = tidy[tidy["crime_type"].isin(crime_types)]
    rows = like_for_like_types(chosen, str(previous.first), str(current.last))
    return compare_by(rows, "crime_type", current, previous, label="Crime type")


def comparison_totals(table: pd.DataFrame) -> tuple[int, int]:
    """(latest, previous) summed over a comparison table's rows."""
    return int(table["latest"].sum()), int(table["previous"].sum())


def group_share(shares: pd.DataFrame, group: str) -> float:
    """The per-cent share of one outcome group in an :func:`outcome_shares` table."""
    return shares.loc[shares["group"] == group, "share"].sum()


def outcome_group_totals(shares: pd.DataFrame) -> pd.DataFrame:
    """Crimes and share per outcome group, largest group first."""
    by_group = shares.groupby("group", as_index=False)[["count", "share"]].sum()
    return by_group.sort_values("count", ascending=False, ignore_index=True)


def no_location(tidy: pd.DataFrame) -> tuple[int, int]:
    """(rows with no location, all rows), counted over every crime type and ASB."""
    missing = int(tidy.loc[tidy["district"] == "No location", "count"].sum())
    return missing, int(tidy["count"].sum())


def peak_and_low(monthly: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The months with the highest and lowest count in a :func:`monthly_series` table."""
    return monthly.loc[monthly["count"].idxmax()], monthly.loc[monthly["count"].idxmin()]


def latest_leader(monthly: pd.DataFrame) -> pd.Series:
    """The most frequent type in the latest month of a by-type :func:`monthly_series`."""
    last = monthly[monthly["month"] == monthly["month"].max()]
    return last.sort_values("count", ascending=False).iloc[0]
