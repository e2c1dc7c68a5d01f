"""Peer comparison: the force's position in its Most Similar Group on crime per 1,000 people.

Panels compare their force with the forces most like it (its Most Similar Group, MSG), not
with the whole country: a rural force is not judged against a metropolitan one. The groups
are a reviewed configuration file (``config/most-similar-groups.yml``: each force and its
peers); the figures come from the Home Office recorded-crime file (``--home-office FILE``,
validated by its own suite, :mod:`pcc_report.validation.home_office`), which holds both the
crimes (total recorded crime excluding fraud) and each area's mid-year population, so the
rate is computed from one consistent source.

The year is the latest *year ending September* that ends at or before the report's period end
(a report to September 2022 uses the year ending September 2022; one to March 2024 uses the
year ending September 2023). The force and its peers are ranked from the lowest rate (rank 1)
upwards; the MSG average is the mean rate of the peers (the force itself left out, so it is
compared with the others). A force without the file, without a group, or missing from the
file shows "not available" with the reason, never a partial figure passed off as whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pcc_report import lineage, yaml_files
from pcc_report.config import PROJECT_ROOT
from pcc_report.present import Outputs, text

GROUPS_FILE = PROJECT_ROOT / "config" / "most-similar-groups.yml"
#: The Home Office file's copy in a report's data folder (what the dashboard reads).
DATA_FILE = "home_office.csv"
YEAR, AREA = "Year ending September", "Area name"
CRIME, POPULATION = "Total recorded crime (excluding fraud)", "Population mid-year estim"
#: Area names whose slug is not the name's (police.uk's force slugs).
SLUG_EXCEPTIONS = {"Metropolitan Police": "metropolitan", "British Transport Police": "btp"}
NOT_AVAILABLE = "not available"


def area_slug(name: str) -> str:
    """The police.uk force slug of a Home Office area name ("Devon and Cornwall" ->
    "devon-and-cornwall")."""
    name = name.strip()
    return SLUG_EXCEPTIONS.get(name) or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def load_groups(path: Path = GROUPS_FILE) -> dict[str, list[str]]:
    """Each force's peers by slug (``groups: {force: [peer, ...]}``), checked."""
    data = yaml_files.read(path) or {}
    groups = data.get("groups") or {}
    checked = {}
    for force, peers in groups.items():
        peers = list(peers or [])
        if force in peers or len(set(peers)) != len(peers):
            raise ValueError(f"{Path(path).name}: the group of {force} must list each peer once "
                             "and not the force itself")
        checked[str(force)] = [str(p) for p in peers]
    return checked


def year_for(period_end: str) -> int:
    """The latest year ending September that ends at or before ``period_end`` (YYYY-MM)."""
    year, month = (int(part) for part in period_end.split("-"))
    return year if month >= 9 else year - 1


@dataclass(frozen=True)
class PeerPosition:
    """The group's figures for one year; ``table`` is ranked, ``reason`` set when not shown."""

    force: str
    year: int | None
    table: pd.DataFrame | None  # rank, slug, area, crimes, population, rate (per 1,000)
    msg_average: float | None
    missing: tuple[str, ...] = ()  # peers without figures that year (left out of the rank)
    reason: str | None = None  # why the position is not available

    @property
    def available(self) -> bool:
        return self.reason is None

    @property
    def rank(self) -> int | None:
        if self.table is None:
            return None
        return int(self.table.loc[self.table["slug"] == self.force, "rank"].iloc[0])


def _figures(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    rows = frame[frame[YEAR].astype(str) == str(year)]
    crimes = pd.to_numeric(rows[CRIME], errors="coerce")
    population = pd.to_numeric(rows[POPULATION], errors="coerce")
    usable = crimes.notna() & population.notna() & (population > 0)
    return pd.DataFrame({
        "slug": rows[AREA].map(area_slug), "area": rows[AREA].str.strip(),
        "crimes": crimes, "population": population,
    })[usable]


def position(frame: pd.DataFrame | None, force: str, period_end: str,
             groups: dict[str, list[str]]) -> PeerPosition:
    """The force's position in its group (see the module docstring for the rules)."""
    if frame is None:
        return PeerPosition(force, None, None, None, reason="no Home Office file was given")
    if force not in groups or not groups[force]:
        return PeerPosition(force, None, None, None,
                            reason=f"no Most Similar Group is configured for {force}")
    year = year_for(period_end)
    figures = _figures(frame, year).set_index("slug")
    if force not in figures.index:
        return PeerPosition(force, year, None, None,
                            reason=f"the Home Office file has no figures for {force} in the "
                                   f"year ending September {year}")
    present = [p for p in groups[force] if p in figures.index]
    missing = tuple(p for p in groups[force] if p not in figures.index)
    if not present:
        return PeerPosition(force, year, None, None, missing,
                            reason=f"the Home Office file has no figures for {force}'s peers in "
                                   f"the year ending September {year}")
    table = figures.loc[[force, *present]].reset_index()
    table["rate"] = table["crimes"] / table["population"] * 1000
    table = table.sort_values(["rate", "area"], kind="stable").reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    average = float(table.loc[table["slug"] != force, "rate"].mean())
    return PeerPosition(force, year, table, average, missing)


def read(path: Path | None) -> pd.DataFrame | None:
    """The Home Office file as the suite checked it (text), or None when there is none."""
    if path is None or not Path(path).is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def for_report(data_dir: Path, force: str, period_end: str,
               groups_file: Path = GROUPS_FILE) -> PeerPosition:
    """The position from a report's data folder (``data/home_office.csv`` when supplied)."""
    return position(read(Path(data_dir) / DATA_FILE), force, period_end,
                    load_groups(groups_file))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def sentence(peer: PeerPosition, force_name: str) -> str:
    """One sentence for the dashboard: the position, or "not available" and why."""
    if not peer.available:
        return f"Position in the Most Similar Group: {NOT_AVAILABLE} ({peer.reason})."
    row = peer.table.loc[peer.table["slug"] == peer.force].iloc[0]
    text = (f"In the year ending September {peer.year}, {force_name} recorded "
            f"{row['rate']:.1f} crimes per 1,000 population, {ordinal(peer.rank)} lowest of "
            f"the {len(peer.table)} forces in its Most Similar Group (average of its peers: "
            f"{peer.msg_average:.1f}).")
    if peer.missing:
        text += f" No figures for: {', '.join(peer.missing)}."
    return text


def display_table(peer: PeerPosition) -> pd.DataFrame | None:
    """The ranked group with the MSG average as its last row (None when not available)."""
    if not peer.available:
        return None
    rows = [{"Rank": str(r.rank), "Force": r.area + (" (this force)" if r.slug == peer.force
                                                      else ""),
             "Recorded crime": f"{int(r.crimes):,}", "Population": f"{int(r.population):,}",
             "Crimes per 1,000": f"{r.rate:.1f}"} for r in peer.table.itertuples()]
    rows.append({"Rank": "", "Force": "MSG average (peers)", "Recorded crime": "",
                 "Population": "", "Crimes per 1,000": f"{peer.msg_average:.1f}"})
    return pd.DataFrame(rows)


def shown(out: Outputs, peer: PeerPosition, force_name: str) -> list:
    """What the dashboard displays: the sentence, then the ranked table when available."""
    shown_items = [text(sentence(peer, force_name))]
    table = display_table(peer)
    if table is not None:
        shown_items.append(out.table(
            table, "peer-comparison",
            f"Position in the Most Similar Group: recorded crime (excluding fraud) per 1,000 "
            f"population, year ending September {peer.year} (Home Office)",
            align_right=("Rank", "Recorded crime", "Population", "Crimes per 1,000"),
            lineage=lineage.sources(f"data/{DATA_FILE}", GROUPS_FILE)))
    return shown_items
