"""Reviewed configuration: report metadata per force and the Police and Crime Plan.

Names, panel details and the plan's priorities are editorial decisions, so they live in
YAML files under ``config/`` (reviewed like code) and never in notebook code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pcc_report import yaml_files
from pcc_report.ratings import RATING_RULES, SIGNIFICANCE

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = PROJECT_ROOT / "config"


#: Points of each SPC segment that fix its centre and limits, unless a force says otherwise.
SPC_BASELINE_POINTS = 12


class ConfigError(ValueError):
    """A configuration file is missing something the report needs."""


_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_changes(changes: object) -> list[str]:
    """Problems with a list of known process changes ``[{month: YYYY-MM, reason: ...}]``.

    Each change recalculates the SPC limits from its month on, and its reason is printed on
    the chart, so both are required (the force configuration uses the same check).
    """
    if changes is None:
        return []
    if not isinstance(changes, list):
        return ["spc_changes must be a list of {month: YYYY-MM, reason: <text>}"]
    errors = []
    for number, change in enumerate(changes, start=1):
        if not isinstance(change, dict) or set(change) != {"month", "reason"}:
            errors.append(f"spc_changes item {number} must have exactly month and reason")
            continue
        if not _MONTH_RE.match(str(change["month"])):
            errors.append(f"spc_changes item {number}: month {change['month']!r} is not YYYY-MM")
        if not str(change["reason"] or "").strip():
            errors.append(f"spc_changes item {number} needs a reason")
    return errors


@dataclass(frozen=True)
class Priority:
    id: str
    title: str
    summary: str
    crime_types: tuple[str, ...]


@dataclass(frozen=True)
class ForceConfig:
    """Who the report is from and for; printed on the front sheet."""

    slug: str
    name: str
    area: str
    panel: str
    report_of: str
    author: str
    contact: str
    recommendation: str
    demonstration: bool
    plan_title: str
    priorities: tuple[Priority, ...] = field(default_factory=tuple)
    baseline_fy: int | None = None  # first year of the dashboard's baseline financial year
    # How this force's measures are rated unless the catalogue says otherwise for one.
    rating: str = SIGNIFICANCE
    # SPC: the points fixing each segment's limits, and known changes ((month, reason), ...)
    # at which every measure's limits are recalculated (a lockdown, a recording change).
    spc_baseline_points: int = SPC_BASELINE_POINTS
    spc_changes: tuple[tuple[str, str], ...] = ()
    # The force's districts (community safety partnership areas, named as police.uk's LSOA
    # names give them): the funding return's district recipients must be among them.
    districts: tuple[str, ...] = ()

    def priority(self, priority_id: str) -> Priority:
        for p in self.priorities:
            if p.id == priority_id:
                return p
        raise ConfigError(f"no priority {priority_id!r} in the plan for {self.slug}")


def _load_yaml(path: Path) -> dict:
    try:
        data = yaml_files.read(path) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return data


def _plan(data: dict, source: Path) -> tuple[str, tuple[Priority, ...]]:
    priorities = []
    seen: set[str] = set()
    for i, item in enumerate(data.get("priorities") or [], start=1):
        missing = [k for k in ("id", "title", "crime_types") if not item.get(k)]
        if missing:
            raise ConfigError(f"{source}: priority {i} lacks {', '.join(missing)}")
        if item["id"] in seen:
            raise ConfigError(f"{source}: priority id {item['id']!r} is used twice")
        seen.add(item["id"])
        priorities.append(
            Priority(
                id=str(item["id"]),
                title=str(item["title"]),
                summary=str(item.get("summary") or ""),
                crime_types=tuple(str(c) for c in item["crime_types"]),
            )
        )
    if not priorities:
        raise ConfigError(f"{source}: the plan has no priorities")
    return str(data.get("title") or "Police and Crime Plan"), tuple(priorities)


def load_force_config(
    slug: str, *, config_dir: Path = CONFIG_DIR, falls_within: str | None = None
) -> ForceConfig:
    """Merge ``forces/_default.yml``, ``forces/<slug>.yml`` and the plan.

    A force with no file of its own still gets a report (named from the police.uk
    'Falls within' column); a force file may carry its own ``plan``.
    """
    merged = _load_yaml(config_dir / "forces" / "_default.yml")
    own = config_dir / "forces" / f"{slug}.yml"
    if own.is_file():
        merged.update({k: v for k, v in _load_yaml(own).items() if v is not None})
    plan_source = own if "plan" in merged else config_dir / "plan.yml"
    plan_data = merged.pop("plan", None) or _load_yaml(config_dir / "plan.yml")
    plan_title, priorities = _plan(plan_data, plan_source)
    _check_spc(merged, own if own.is_file() else config_dir / "forces" / "_default.yml")
    fallback = slug.replace("-", " ").title()
    name = merged.get("name") or falls_within or fallback
    return ForceConfig(
        slug=slug,
        name=str(name),
        area=str(merged.get("area") or fallback),
        panel=str(merged["panel"]),
        report_of=str(merged["report_of"]),
        author=str(merged["author"]),
        contact=str(merged["contact"]),
        recommendation=str(merged["recommendation"]),
        demonstration=bool(merged.get("demonstration", False)),
        plan_title=plan_title,
        priorities=priorities,
        baseline_fy=int(merged["baseline_year"]) if merged.get("baseline_year") else None,
        rating=str(merged.get("rating") or SIGNIFICANCE),
        spc_baseline_points=int(merged.get("spc_baseline_points") or SPC_BASELINE_POINTS),
        spc_changes=tuple(
            (str(c["month"]), " ".join(str(c["reason"]).split()))
            for c in merged.get("spc_changes") or ()
        ),
        districts=_districts(merged.get("districts"), own),
    )


def _districts(value: object, source: Path) -> tuple[str, ...]:
    """The force file's ``districts``: a list of distinct, non-empty names."""
    if value is None:
        return ()
    names = [" ".join(str(v).split()) for v in value] if isinstance(value, list) else None
    if names is None or not all(names) or len(set(names)) != len(names):
        raise ConfigError(f"{source}: districts must be a list of distinct, non-empty names")
    return tuple(names)


def _check_spc(merged: dict, source: Path) -> None:
    """The force's rating rule and SPC settings, checked before any report is built."""
    problems = check_changes(merged.get("spc_changes"))
    if merged.get("rating") not in (None, *RATING_RULES):
        problems.append(f"rating {merged['rating']!r} is not one of {', '.join(RATING_RULES)}")
    points = merged.get("spc_baseline_points")
    if points is not None and (not isinstance(points, int) or isinstance(points, bool)
                               or points < 2):  # fmt: skip
        problems.append(f"spc_baseline_points must be a whole number of 2 or more, not {points!r}")
    if problems:
        raise ConfigError(f"{source}: " + "; ".join(problems))
