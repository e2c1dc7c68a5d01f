"""The crime sections' sentences, captions and alt text, from small hand-made tables.

Each expected sentence is written out with its figures worked by hand from the rows.
"""

from __future__ import annotations

import pandas as pd

from pcc_report import crime, crime_wording, narrative
from pcc_report.config import Priority
from pcc_report.periods import Month, Window

BEFORE = Window("previous_12", "before", Month(2022, 1), Month(2022, 1))
NOW = Window("latest_12", "now", Month(2022, 2), Month(2022, 2))
PRIORITY = Priority(id="p", title="Safer streets", summary="Streets should be safe.",
                    crime_types=("Burglary", "Robbery", "Arson"))


def tidy(rows: list[tuple[str, str, str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["month", "district", "crime_type", "outcome", "count"])


ROWS = tidy([
    ("2022-01", "Northam", "Burglary", "Offender fined", 200),
    ("2022-01", "Southam", "Robbery", "Under investigation", 100),
    ("2022-02", "Northam", "Burglary", "Offender fined", 150),
    ("2022-02", "Southam", "Robbery", "Under investigation", 130),
    ("2022-02", "Southam", "Robbery", "Offender fined", 20),
])


def test_recorded_crime_summary_states_the_total_row_and_biggest_changes() -> None:
    by_type = crime.crime_type_comparison(ROWS, NOW, BEFORE)
    # Total 300 -> 300; burglary 200 -> 150 (-25.0%), robbery 100 -> 150 (+50.0%).
    assert crime_wording.recorded_crime_summary(by_type, "now", "before") == [
        "Recorded crime (excluding anti-social behaviour) in the now was 300, unchanged on "
        "the before (300).",
        "The largest increase was in robbery (up 50.0% (50)). The largest decrease was "
        f"in burglary (down 25.0% (50)). Changes are {narrative.RANKING_NOTE}.",
    ]


def test_comparison_captions() -> None:
    assert crime_wording.comparison_caption("Recorded crime by type", "now") == (
        "Recorded crime by type: now against the previous 12 months")
    assert crime_wording.priority_types_caption(PRIORITY, "now") == (
        "Safer streets: crime types, now against the previous 12 months")


def test_recorded_crime_monthly_alt_names_the_highest_and_lowest_month() -> None:
    monthly = pd.DataFrame({"month": ["2022-01", "2022-02", "2022-03"],
                            "count": [1_500, 2_250, 900]})
    assert crime_wording.recorded_crime_monthly_alt(monthly) == (
        "Line chart of recorded crime per month from 2022-01 to 2022-03. The highest month "
        "was 2022-02 with 2,250 crimes and the lowest 2022-03 with 900. The latest 12 months "
        "are shaded.")
    assert crime_wording.recorded_crime_monthly_caption("now") == (
        "Recorded crime per month; the shaded band is the now.")


def test_districts_summary_explains_combined_districts_only_when_there_are_some() -> None:
    shown = pd.DataFrame({"District": ["Northam", "Southam"], "previous": [200, 100],
                          "latest": [220, 80]})
    [top] = crime_wording.districts_summary(shown, 0, "now")
    assert top == (
        "Recorded crime is broken down by district (community safety partnership area). "
        "Northam had the most recorded crime in the now: 220, up 10.0% (20) on the previous "
        "12 months.")
    paragraphs = crime_wording.districts_summary(shown, 3, "now")
    assert len(paragraphs) == 2 and paragraphs[1].startswith("3 districts outside the force")
    assert crime_wording.districts_alt(shown) == (
        "Bar chart comparing recorded crime in each district in the previous and latest "
        "12 months. Northam: 200 then 220; Southam: 100 then 80.")


def test_priority_summary_counts_the_priority_types() -> None:
    by_type = crime.type_comparison(ROWS, PRIORITY.crime_types, NOW, BEFORE)
    summary, total, changes = crime_wording.priority_summary(PRIORITY, by_type, "now", "before")
    assert summary == "Streets should be safe."
    # Three configured types (arson has no rows); 300 before, 300 now.
    assert total == ("Recorded crime under this priority (3 crime types) in the now was 300, "
                     "unchanged on the before (300).")
    assert changes.startswith("The largest increase was in robbery")


def test_priority_monthly_alt_names_the_latest_month_leader() -> None:
    monthly = crime.monthly_series(ROWS, PRIORITY.crime_types, by="crime_type")
    assert crime_wording.priority_monthly_alt(PRIORITY, monthly) == (
        "Small multiple line charts, one panel per crime type, each with its own scale, for 3 "
        "types under the priority Safer streets, from 2022-01 to 2022-02. In 2022-02 the most "
        "frequent was Burglary with 150. The latest 12 months are shaded.")
    assert crime_wording.priority_trend_title(PRIORITY) == "Safer streets: monthly counts by type"
    assert crime_wording.priority_monthly_caption(PRIORITY) == (
        "Safer streets: monthly counts by type, one panel each with its own scale (compare "
        "shapes, not heights); the shaded band is the latest 12 months.")


def test_outcomes_summary_and_group_alt_text() -> None:
    groups = {"Offender fined": "Charged or summonsed", "Under investigation": "Open"}
    shares = crime.outcome_shares(ROWS, NOW, groups)
    before = crime.outcome_shares(ROWS, BEFORE, groups)
    # Charged now: 170 of 300 = 56.7%; before: 200 of 300 = 66.7%; down 10.0 points.
    sentence, note = crime_wording.outcomes_summary(shares, before, "now", "before")
    assert sentence == (
        "The share of recorded crimes whose latest outcome is a charge or summons was 56.7% "
        "in the now, down 10.0 percentage points on the before (66.7%).")
    assert note.startswith("Outcomes are the latest recorded for each crime")
    by_group = crime.outcome_group_totals(shares)
    assert crime_wording.outcome_groups_alt(by_group) == (
        "Bar chart of the share of recorded crimes by outcome group: Charged or summonsed "
        "56.7%; Open 43.3%.")
    assert crime_wording.outcome_columns(shares).columns.tolist() == [
        "Outcome group", "Outcome", "Crimes", "Share"]


def test_outcome_captions() -> None:
    assert crime_wording.outcome_groups_caption("now") == (
        "Outcome groups, crimes recorded in the now")
    assert crime_wording.outcome_groups_figure_caption("now") == (
        "Share of recorded crimes by latest outcome group, now.")
    assert crime_wording.outcomes_caption("now") == "Outcomes, now"
