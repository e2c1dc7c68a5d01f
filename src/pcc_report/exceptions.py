"""Performance by exception: the page listing only the measures that need the panel's attention.

Why: a panel paper reports "performance by exception" (West Mercia, October 2016) so that
members see at once where to ask questions, before the full Part 2 table. Which measure is an
exception is the measure's one verdict's decision (:func:`pcc_report.verdicts.verdict`, rule 6:
a worsening against the previous 12 months or the baseline, special cause concern in the
latest points, or a target consistently failed), and its sentence is
:func:`pcc_report.rating_wording.exception_sentence`; this module only selects and lays out.

The page follows the edition: it lists the assessed measures the section context holds,
which are already those of its edition (:func:`pcc_report.catalogue.in_edition`), so a
measure withheld from the public edition can never appear on the public page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from pcc_report import lineage
from pcc_report.measures import MeasureAssessment
from pcc_report.present import text
from pcc_report.rating_wording import exception_sentence
from pcc_report.tables import plan_ordered
from pcc_report.verdicts import verdict

if TYPE_CHECKING:
    from pcc_report.context import SectionContext

COLUMNS = ("Priority", "Measure", "Why it needs the panel's attention")
NO_EXCEPTIONS = (
    "No measure needs the panel's attention this quarter: none is significantly worse than the "
    "previous 12 months or the baseline year, none shows special cause concern in its latest "
    "months, and none consistently fails its target."
)
INTRO = (
    "Performance by exception: only the measures that need the panel's attention are listed "
    "here, each with the reason, taken from its verdict (a significant worsening against the "
    "previous 12 months or the baseline year, special cause concern in the latest three "
    "months, or a target it consistently fails). Every measure is in the Part 2 table."
)
CAPTION = "Measures that need the panel's attention"


def exception_table(
    assessments: list[MeasureAssessment], priorities: dict[str, str]
) -> pd.DataFrame:
    """One row per exception, grouped by plan priority as the Part 2 table is (plan order, then
    catalogue order): priority, measure, why."""
    rows = []
    for a in plan_ordered(assessments, priorities)[0]:
        v = verdict(a)
        if v.exception:
            m = a.measure
            rows.append((priorities.get(m.priority, m.priority), m.title,
                         exception_sentence(a, v)))  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS))


def exceptions_section(ctx: SectionContext) -> list:
    """What the page shows: the introduction, then the table or the no-exceptions sentence."""
    table = exception_table(ctx.assessments, ctx.priority_titles)
    if table.empty:
        return [text(INTRO), text(NO_EXCEPTIONS)]
    shown = [a for a in ctx.assessments if verdict(a).exception]
    return [text(INTRO), ctx.out.table(table, "exceptions", CAPTION, group="Priority",
                                       lineage=lineage.measures(ctx, shown))]
