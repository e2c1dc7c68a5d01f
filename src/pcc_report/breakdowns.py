"""The breakdown tables of a priority page: what the edition's data folder holds, shown.

Why a module of its own: the tables are prepared before any section runs, per edition
(:func:`pcc_report.editions.prepare_data` writes ``data/breakdowns/``), so a section never
sees the raw district counts in the public edition. This module only reads what was prepared
and words it: the caption, and the note stating the disclosure rule (public edition) or that
the values are unsuppressed (restricted edition), or why a table is withheld entirely.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import Markdown

from pcc_report import lineage
from pcc_report.editions import BREAKDOWNS_DIR, read_breakdowns
from pcc_report.periods import Month
from pcc_report.present import Outputs, output_name, text

if TYPE_CHECKING:
    from pcc_report.measures import MeasureAssessment


@dataclass(frozen=True)
class Breakdown:
    """One prepared breakdown table with its wording (``table`` None: withheld entirely)."""

    measure_id: str
    table: pd.DataFrame | None
    caption: str
    note: str


def _column(name: str) -> str:
    """"2022-07" -> "July 2022"; other columns (Total) unchanged."""
    try:
        return Month.parse(name).name
    except ValueError:
        return name


def note(entry: dict) -> str:
    """What the reader must know about one table: the rule applied, or why it is not shown."""
    rule, by = entry.get("rule") or {}, entry.get("by", "district")
    if entry["status"] == "withheld":
        return (f"The {entry['measure'].lower()} by {by} are withheld from this edition: "
                f"{entry['reason']}.")
    if entry["status"] == "suppressed":
        return (f"Counts below {rule['threshold']} are shown as \"{rule['label']}\"; other cells "
                f"marked \"{rule['withheld_label']}\" are hidden so that they cannot be worked "
                "out from the totals.")
    return ("These counts are not suppressed: this restricted edition shows every value, "
            "small counts included, and must not be published.")


def caption(entry: dict) -> str:
    return f"{entry['measure']} by {entry.get('by', 'district')}, {entry['window']}"


def for_priority(data_dir: Path, measure_ids: list[str]) -> list[Breakdown]:
    """The prepared breakdowns of the given measures, in the order given."""
    tables = {t["table"]: t for t in read_breakdowns(data_dir)["tables"]}
    found = []
    for measure_id in measure_ids:
        entry = tables.get(measure_id)
        if entry is None:
            continue
        frame = None
        if entry["status"] != "withheld":
            path = Path(data_dir) / BREAKDOWNS_DIR / f"{measure_id}.csv"
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            first = frame.columns[0]
            frame = frame.rename(columns={c: _column(c) for c in frame.columns})
            frame = frame.rename(columns={first: first.capitalize()})
        found.append(Breakdown(measure_id, frame, caption(entry), note(entry)))
    return found


def show(ctx, priority_id: str,  # noqa: ANN001 - a SectionContext
         own: list[MeasureAssessment]) -> list[Markdown]:
    """The priority page's breakdown tables, each with its note; nothing when it has none.

    ``own``: the priority's assessed measures (``SectionContext.priority_assessments``), the
    measures its edition shows.
    """
    shown: list[Markdown] = []
    out: Outputs = ctx.out
    for item in for_priority(ctx.data_dir, [a.measure.id for a in own]):
        if item.table is not None:
            shown.append(out.table(item.table, output_name("priority", priority_id,
                                                           item.measure_id, "breakdown"),
                                   item.caption, lineage=lineage.sources(
                                       f"data/{BREAKDOWNS_DIR}/{item.measure_id}.csv")))
        shown.append(text(item.note))
    return shown
