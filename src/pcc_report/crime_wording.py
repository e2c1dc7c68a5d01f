"""What the police.uk crime sections say: their sentences, captions and chart alt text.

Recorded crime, districts, a priority's crime types and outcomes are all told from the
tables in :mod:`pcc_report.crime`; the words here only state those tables' figures, so a
sentence and the table beside it cannot disagree. Alt text states in words what each chart
shows (WCAG 2.2 text alternative).
"""

from __future__ import annotations

import pandas as pd

from pcc_report import crime
from pcc_report.config import Priority
from pcc_report.narrative import change_phrase, comparison_sentence, largest_changes, share_sentence
from pcc_report.police_uk import ANTI_SOCIAL_BEHAVIOUR
from pcc_report.present import fmt_count, fmt_share

RECORDED_CRIME = "Recorded crime (excluding anti-social behaviour)"
RECORDED_CRIME_TREND = "Recorded crime per month (excluding anti-social behaviour)"
DISTRICTS_CAPTION = "Recorded crime by district, previous and latest 12 months."
CHARGED = "Charged or summonsed"
OUTCOME_COLUMNS = {"group": "Outcome group", "outcome": "Outcome", "count": "Crimes",
                   "share": "Share"}


def comparison_caption(subject: str, latest_label: str) -> str:
    """``"<subject>: <latest 12 months> against the previous 12 months"``."""
    return f"{subject}: {latest_label} against the previous 12 months"


# ----- recorded crime --------------------------------------------------------------------------


def recorded_crime_summary(by_type: pd.DataFrame, latest_label: str,
                           previous_label: str) -> list[str]:
    """The headline total (the table's last, all-crime row) and the biggest changes by type."""
    now, before = by_type.iloc[-1]["latest"], by_type.iloc[-1]["previous"]
    return [
        comparison_sentence(RECORDED_CRIME, now, latest_label, before, previous_label),
        largest_changes(by_type.iloc[:-1], "Crime type"),
    ]


def recorded_crime_monthly_alt(monthly: pd.DataFrame) -> str:
    peak, low = crime.peak_and_low(monthly)
    return (
        f"Line chart of recorded crime per month from {monthly['month'].iloc[0]} to "
        f"{monthly['month'].iloc[-1]}. The highest month was {peak['month']} with "
        f"{fmt_count(peak['count'])} crimes and the lowest {low['month']} with "
        f"{fmt_count(low['count'])}. The latest 12 months are shaded."
    )


def recorded_crime_monthly_caption(latest_label: str) -> str:
    return f"Recorded crime per month; the shaded band is the {latest_label}."


# ----- districts -------------------------------------------------------------------------------


def districts_summary(shown: pd.DataFrame, minor: int, latest_label: str) -> list[str]:
    """The district with most crime and, when some were combined, why (``main_districts``)."""
    top = shown.iloc[0]
    paragraphs = [
        f"Recorded crime is broken down by district (community safety partnership area). "
        f"{top['District']} had the most recorded crime in the {latest_label}: "
        f"{fmt_count(top['latest'])}, {change_phrase(top['latest'], top['previous'])} "
        f"on the previous 12 months."
    ]
    if minor:
        paragraphs.append(
            f"{minor} districts outside the force area, each with under 0.5% of the force's "
            "recorded crime, are combined in one row; police.uk places a few crimes in "
            "neighbouring areas. The full list is in the report folder's data/tables."
        )
    return paragraphs


def districts_alt(shown: pd.DataFrame) -> str:
    return (
        "Bar chart comparing recorded crime in each district in the previous and latest "
        "12 months. " + "; ".join(
            f"{r['District']}: {fmt_count(r['previous'])} then {fmt_count(r['latest'])}"
            for _, r in shown.iterrows()) + "."
    )


# ----- a priority's crime types ----------------------------------------------------------------


def priority_summary(priority: Priority, by_type: pd.DataFrame, latest_label: str,
                     previous_label: str) -> list[str]:
    """The priority's summary, its crimes' total, ASB on its own line, biggest changes.

    Anti-social behaviour incidents are not crimes, so a priority's total never adds them:
    the total counts its crime types only, and ASB (when the priority follows it) gets its
    own sentence beside it.
    """
    crimes = by_type[by_type["Crime type"] != ANTI_SOCIAL_BEHAVIOUR]
    asb = by_type[by_type["Crime type"] == ANTI_SOCIAL_BEHAVIOUR]
    types = [t for t in priority.crime_types if t != ANTI_SOCIAL_BEHAVIOUR]
    now, before = crime.comparison_totals(crimes)
    noun = "type" if len(types) == 1 else "types"
    paragraphs = [
        priority.summary,
        comparison_sentence(f"Recorded crime under this priority ({len(types)} crime {noun})",
                            now, latest_label, before, previous_label),
    ]
    if ANTI_SOCIAL_BEHAVIOUR in priority.crime_types:
        asb_now, asb_before = crime.comparison_totals(asb)
        paragraphs.append(
            comparison_sentence("Anti-social behaviour incidents, counted separately because "
                                "they are not crimes,", asb_now, latest_label, asb_before,
                                previous_label, verb="were"))
    paragraphs.append(largest_changes(by_type, "Crime type"))
    return paragraphs


def priority_axis_labels(monthly: pd.DataFrame) -> dict[str, str]:
    """Each small multiple's y-axis (one per type of a by-type :func:`crime.monthly_series`):
    what it counts (ASB incidents are not crimes)."""
    return {t: "ASB incidents per month" if t == ANTI_SOCIAL_BEHAVIOUR
            else "Recorded crimes per month" for t in monthly["crime_type"].unique()}  # fmt: skip


def priority_types_caption(priority: Priority, latest_label: str) -> str:
    return f"{priority.title}: crime types, {latest_label} against the previous 12 months"


def priority_trend_title(priority: Priority) -> str:
    return f"{priority.title}: monthly counts by type"


def priority_monthly_alt(priority: Priority, monthly: pd.DataFrame) -> str:
    leader = crime.latest_leader(monthly)
    return (
        f"Small multiple line charts, one panel per crime type, each with its own scale, for "
        f"{len(priority.crime_types)} types under the priority {priority.title}, from "
        f"{monthly['month'].min()} to {monthly['month'].max()}. "
        f"In {monthly['month'].max()} the most frequent was {leader['crime_type']} "
        f"with {fmt_count(leader['count'])}. The latest 12 months are shaded."
    )


def priority_monthly_caption(priority: Priority) -> str:
    return (f"{priority.title}: monthly counts by type, one panel each with its own scale "
            "(compare shapes, not heights); the shaded band is the latest 12 months.")


# ----- outcomes --------------------------------------------------------------------------------


def outcomes_summary(shares: pd.DataFrame, before: pd.DataFrame, latest_label: str,
                     previous_label: str) -> list[str]:
    """The charged-or-summonsed share now and before, and why recent shares move."""
    return [
        share_sentence(
            "The share of recorded crimes whose latest outcome is a charge or summons",
            crime.group_share(shares, CHARGED), latest_label,
            crime.group_share(before, CHARGED), previous_label),
        "Outcomes are the latest recorded for each crime when the data was published. Recent "
        "crimes are more often still under investigation, so these shares change as "
        "investigations finish.",
    ]


def outcome_columns(table: pd.DataFrame) -> pd.DataFrame:
    """An outcome table with the headers the page shows."""
    return table.rename(columns=OUTCOME_COLUMNS)


def outcome_groups_caption(latest_label: str) -> str:
    return f"Outcome groups, crimes recorded in the {latest_label}"


def outcome_groups_alt(by_group: pd.DataFrame) -> str:
    return "Bar chart of the share of recorded crimes by outcome group: " + "; ".join(
        f"{r['group']} {fmt_share(r['share'])}" for _, r in by_group.iterrows()) + "."


def outcome_groups_figure_caption(latest_label: str) -> str:
    return f"Share of recorded crimes by latest outcome group, {latest_label}."


def outcomes_caption(latest_label: str) -> str:
    return f"Outcomes, {latest_label}"
