"""Part 3 of the panel paper: the Commissioner's funding and the forward scrutiny plan.

Why a module of its own: Part 3 of a panel paper (Lancashire, October 2015) reports what the
Commissioner funds and what the Commissioner will scrutinise next, from two returns that feed
no measure (``funding.csv`` and ``scrutiny-plan.csv``, :data:`pcc_report.returns.RETURNS`,
validated by their own suites like every other return). This module turns a validated
return into the table the paper shows:

* **Funding**: one row per district or project of the report's financial year, as in the
  file's order, with its allocation, spent and available, and a total row; amounts are exact
  (Decimals, summed without rounding) and written as ``£4,517.33``. Rows of other financial
  years are left out and the page says so.
* **Forward scrutiny plan**: the meetings after the report's period end, in date order, with
  their theme, lead, areas identified for consideration and rationale; earlier meetings are
  left out and the page says how many.

A return that was not supplied is said plainly ("No funding return was supplied for this
quarter"), never shown as an empty table. Input text is data: the table renderers escape it
(HTML and LaTeX) and the CSV written beside each table neutralises formula-like cells
(:mod:`pcc_report.present`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pcc_report import lineage, returns
from pcc_report.periods import Month, Quarter
from pcc_report.present import text

if TYPE_CHECKING:
    from pcc_report.context import SectionContext

FUNDING = "funding"
SCRUTINY = "scrutiny-plan"
TOTAL = "Total"
FUNDING_COLUMNS = ("District or project", "Allocation", "Spent", "Available")
SCRUTINY_COLUMNS = ("Meeting", "Theme", "Lead", "Areas identified for consideration",
                    "Rationale")  # fmt: skip
NO_FUNDING = "No funding return was supplied for this quarter."
NO_SCRUTINY = "No forward scrutiny plan was supplied for this quarter."


def read_part3(data_dir: Path, name: str) -> pd.DataFrame | None:
    """The validated return ``name`` from the edition's ``data/returns``; None if not supplied."""
    path = Path(data_dir) / "returns" / f"{name}.csv"
    return returns.read_return(path, name) if path.is_file() else None


def fy_code(quarter: Quarter) -> str:
    """The funding return's way of writing the quarter's financial year: ``2022-23``."""
    return f"{quarter.fy_start}-{(quarter.fy_start + 1) % 100:02d}"


def fmt_pounds(value: Decimal) -> str:
    """``£4,517.33``: pounds and pence with thousands separators."""
    return f"£{value:,.2f}"


# ----- funding --------------------------------------------------------------------------------


def funding_table(frame: pd.DataFrame, financial_year: str) -> pd.DataFrame:
    """The funding rows of ``financial_year`` (``2022-23``) in file order, then the total row.

    Amounts stay Decimals, so the total is the exact sum of the pounds and pence shown.
    """
    rows = frame[frame["financial_year"] == financial_year]
    table = pd.DataFrame({
        FUNDING_COLUMNS[0]: rows["recipient"].astype(str).tolist(),
        **{shown: rows[column].tolist()
           for shown, column in zip(FUNDING_COLUMNS[1:], ("allocation", "spent", "available"),
                                    strict=True)},
    })  # fmt: skip
    if table.empty:
        return table
    total = {FUNDING_COLUMNS[0]: TOTAL}
    total.update({c: sum(table[c], Decimal(0)) for c in FUNDING_COLUMNS[1:]})
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def funding_summary(table: pd.DataFrame, frame: pd.DataFrame, quarter: Quarter) -> list[str]:
    """The sentences above the funding table: totals, and any rows of other years left out."""
    year = quarter.financial_year
    others = sorted(set(frame["financial_year"]) - {fy_code(quarter)})
    left_out = (
        [f"Rows of the funding return for other financial years ({', '.join(others)}) are "
         "not shown."] if others else [])  # fmt: skip
    if table.empty:
        return [f"The funding return has no rows for {year}.", *left_out]
    total = table.iloc[-1]
    recipients = frame[frame["financial_year"] == fy_code(quarter)]["kind"]
    counts = [f"{n} {kind}{'s' if n != 1 else ''}"
              for kind, n in recipients.value_counts(sort=False).items()]
    share = (total["Spent"] / total["Allocation"] * 100) if total["Allocation"] else Decimal(0)
    return [
        f"The Commissioner's funding for {year}: {fmt_pounds(total['Allocation'])} allocated "
        f"({' and '.join(counts)}), of which {fmt_pounds(total['Spent'])} has been spent "
        f"({share:.0f}%) and {fmt_pounds(total['Available'])} remains available.",
        *left_out,
    ]


def funding_caption(quarter: Quarter) -> str:
    return f"Funding spent and available by district or project, {quarter.financial_year}"


# ----- forward scrutiny plan ------------------------------------------------------------------


def fmt_date(iso: str) -> str:
    """``Thursday 24 November 2022``, as the Lancashire scrutiny plan writes its meetings."""
    day = date.fromisoformat(iso)
    return f"{day:%A} {day.day} {day:%B %Y}"


def scrutiny_table(frame: pd.DataFrame, period_end: Month) -> tuple[pd.DataFrame, int]:
    """The meetings after ``period_end`` in date order (file order within a date).

    Returns the table and how many earlier meetings' rows were left out.
    """
    later = frame[frame["meeting_date"].astype(str).str[:7] > str(period_end)]
    ordered = later.sort_values("meeting_date", kind="stable")
    table = pd.DataFrame({
        SCRUTINY_COLUMNS[0]: [fmt_date(d) for d in ordered["meeting_date"]],
        **{shown: ordered[column].astype(str).tolist()
           for shown, column in zip(SCRUTINY_COLUMNS[1:], ("theme", "lead", "areas", "rationale"),
                                    strict=True)},
    })  # fmt: skip
    return table, len(frame) - len(later)


def scrutiny_summary(table: pd.DataFrame, earlier: int, period_end: Month) -> list[str]:
    """The sentences above the plan: how many meetings, and any earlier ones left out."""
    left_out = (
        [f"{earlier} row(s) of the plan for meetings up to the end of {period_end.name} are not "
         "shown."] if earlier else [])  # fmt: skip
    if table.empty:
        return [f"The forward scrutiny plan has no meetings after {period_end.name}.", *left_out]
    meetings = table[SCRUTINY_COLUMNS[0]].nunique()
    return [
        f"The Commissioner's forward scrutiny plan: {len(table)} theme(s) at {meetings} "
        f"forthcoming scrutiny meeting(s), from {table.iloc[0][SCRUTINY_COLUMNS[0]]}.",
        *left_out,
    ]


def scrutiny_caption(period_end: Month) -> str:
    return f"Forward scrutiny plan: meetings after {period_end.name}"


# ----- the page -------------------------------------------------------------------------------


def funding_section(ctx: SectionContext) -> list:
    """What the page shows for funding: the sentences and the table, or that none was sent."""
    frame = read_part3(ctx.data_dir, FUNDING)
    if frame is None:
        return [text(NO_FUNDING)]
    table = funding_table(frame, fy_code(ctx.quarter))
    shown = [text(s) for s in funding_summary(table, frame, ctx.quarter)]
    if table.empty:
        return shown
    money = dict.fromkeys(FUNDING_COLUMNS[1:], fmt_pounds)
    return [*shown, ctx.out.table(table, "part3-funding", funding_caption(ctx.quarter),
                                  formats=money,
                                  lineage=lineage.sources(f"data/returns/{FUNDING}.csv"))]


def scrutiny_section(ctx: SectionContext) -> list:
    """What the page shows for the scrutiny plan: sentences and table, or that none was sent."""
    frame = read_part3(ctx.data_dir, SCRUTINY)
    if frame is None:
        return [text(NO_SCRUTINY)]
    table, earlier = scrutiny_table(frame, ctx.period_end)
    shown = [text(s) for s in scrutiny_summary(table, earlier, ctx.period_end)]
    if table.empty:
        return shown
    return [*shown, ctx.out.table(table, "part3-scrutiny-plan", scrutiny_caption(ctx.period_end),
                                  lineage=lineage.sources(f"data/returns/{SCRUTINY}.csv"))]
