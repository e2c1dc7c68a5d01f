"""Counts, changes and shares from the tidy police.uk table, checked against sums by hand.

The tidy tables are built here, a handful of rows each; every expected figure is added up
from the rows in the comment beside it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pcc_report import crime
from pcc_report.periods import Month, Window
from pcc_report.police_uk import ANTI_SOCIAL_BEHAVIOUR

ASB = ANTI_SOCIAL_BEHAVIOUR
BEFORE = Window("previous", "before", Month(2022, 1), Month(2022, 2))
NOW = Window("latest", "now", Month(2022, 3), Month(2022, 4))


def tidy(rows: list[tuple[str, str, str, str | None, int]]) -> pd.DataFrame:
    """(month, district, crime type, outcome, count) rows as a tidy table."""
    frame = pd.DataFrame(rows, columns=["month", "district", "crime_type", "outcome", "count"])
    return frame.assign(force="demo")


ROWS = tidy([
    ("2022-01", "Northam", "Burglary", "Under investigation", 4),
    ("2022-02", "Southam", "Burglary", "Offender fined", 6),
    ("2022-02", "Northam", "Robbery", "Local resolution", 2),
    ("2022-03", "Northam", "Burglary", "Offender fined", 3),
    ("2022-03", "Southam", "Robbery", "Under investigation", 5),
    ("2022-04", "No location", "Burglary", None, 1),
    ("2022-04", "Southam", ASB, None, 9),
    ("2022-04", "Northam", "Vehicle crime", "Made up outcome", 2),
])


def test_totals_exclude_asb_unless_it_is_asked_for() -> None:
    assert crime.total(ROWS, BEFORE) == 4 + 6 + 2
    assert crime.total(ROWS, NOW) == 3 + 5 + 1 + 2  # the 9 ASB incidents are not crimes
    assert crime.total(ROWS, NOW, (ASB,)) == 9
    assert crime.total(ROWS, NOW, ("Burglary", ASB)) == 3 + 1 + 9


def test_percent_change_is_none_against_zero() -> None:
    assert crime.percent_change(15, 12) == pytest.approx(25.0)
    assert crime.percent_change(3, 0) is None


def test_crime_type_comparison_has_every_type_and_a_total_row_last() -> None:
    table = crime.crime_type_comparison(ROWS, NOW, BEFORE)
    rows = {r["Crime type"]: (r["previous"], r["latest"], r["change"]) for _, r in table.iterrows()}
    assert rows == {
        "Robbery": (2, 5, 3),
        "Burglary": (10, 4, -6),  # 4 + 6 before; 3 + 1 now
        "Vehicle crime": (0, 2, 2),
        crime.ALL_CRIME: (12, 11, -1),
    }
    assert table["Crime type"].iloc[-1] == crime.ALL_CRIME
    assert table["pct_change"].iloc[1] == pytest.approx(-60.0)  # 10 -> 4
    assert math.isnan(table["pct_change"].iloc[2])  # from none: no percentage


def test_district_comparison_counts_crimes_only_and_keeps_no_location() -> None:
    table = crime.district_comparison(ROWS, NOW, BEFORE).set_index("District")
    assert table.loc["Southam", ["previous", "latest"]].tolist() == [6, 5]  # ASB 9 left out
    assert table.loc["Northam", ["previous", "latest"]].tolist() == [6, 5]  # 4+2 ; 3+2
    assert table.loc["No location", ["previous", "latest"]].tolist() == [0, 1]


def test_type_comparison_and_its_totals() -> None:
    table = crime.type_comparison(ROWS, ("Robbery", ASB), NOW, BEFORE)
    assert sorted(table["Crime type"]) == sorted(["Robbery", ASB])
    assert crime.comparison_totals(table) == (5 + 9, 2)


def test_main_districts_combines_the_small_ones() -> None:
    table = pd.DataFrame({
        "District": ["Big", "Medium", "Tiny A", "Tiny B", "No location"],
        "previous": [500, 300, 2, 0, 1],
        "latest": [600, 395, 3, 1, 1],
    })
    table["change"] = table["latest"] - table["previous"]
    table["pct_change"] = None
    shown, minor = crime.main_districts(table)
    # 1,000 latest crimes: Tiny A (0.3%) and Tiny B (0.1%) fall under 0.5%; No location stays.
    assert minor == 2
    assert shown["District"].tolist() == ["Big", "Medium", "No location", "Other districts (2)"]
    assert shown.iloc[-1][["previous", "latest", "change"]].tolist() == [2, 4, 2]
    assert shown.iloc[-1]["pct_change"] == pytest.approx(100.0)


def test_monthly_series_fills_months_with_data_but_no_match_with_zero() -> None:
    series = crime.monthly_series(ROWS, ("Robbery",))
    assert series.set_index("month")["count"].to_dict() == {
        "2022-01": 0, "2022-02": 2, "2022-03": 5, "2022-04": 0}
    by_type = crime.monthly_series(ROWS, by="crime_type")
    assert len(by_type) == 4 * 3  # four months x Burglary, Robbery, Vehicle crime (no ASB)
    assert by_type["count"].sum() == 4 + 6 + 2 + 3 + 5 + 1 + 2


def test_outcome_shares_add_up_to_100_with_unknown_outcomes_kept() -> None:
    groups = {"Offender fined": "Charged or summonsed", "Under investigation": "Open"}
    shares = crime.outcome_shares(ROWS, NOW, groups)
    # Now: fined 3, under investigation 5, no outcome 1, made up 2 -> 11 crimes.
    assert shares["share"].sum() == pytest.approx(100.0)
    assert crime.group_share(shares, "Charged or summonsed") == pytest.approx(3 / 11 * 100)
    assert crime.group_share(shares, "Other outcome") == pytest.approx(3 / 11 * 100)
    assert crime.group_share(shares, "Nobody") == 0
    totals = crime.outcome_group_totals(shares)
    assert totals["count"].tolist() == [5, 3, 3]  # largest first
    assert totals["group"].iloc[0] == "Open"
    assert set(totals["group"].iloc[1:]) == {"Other outcome", "Charged or summonsed"}


def test_outcome_shares_of_an_empty_window_are_not_a_number() -> None:
    empty = Window("none", "none", Month(2023, 1), Month(2023, 1))
    shares = crime.outcome_shares(ROWS, empty, {})
    assert shares.empty or all(math.isnan(s) for s in shares["share"])


def test_load_outcome_groups_reads_every_group_of_the_reviewed_config(tmp_path: Path) -> None:
    config = tmp_path / "outcomes.yml"
    config.write_text("groups:\n  A:\n    - one\n    - two\n  B:\n    - three\n")
    assert crime.load_outcome_groups(config) == {"one": "A", "two": "A", "three": "B"}
    shipped = crime.load_outcome_groups()
    assert shipped["Offender fined"] == "Charged or summonsed"
    assert shipped["No outcome recorded"] == "Other outcome"


def test_no_location_counts_every_row_type() -> None:
    assert crime.no_location(ROWS) == (1, 4 + 6 + 2 + 3 + 5 + 1 + 9 + 2)


def test_peak_low_and_latest_leader() -> None:
    monthly = crime.monthly_series(ROWS)  # 4, 8, 8, 3
    peak, low = crime.peak_and_low(monthly)
    assert (peak["month"], peak["count"]) == ("2022-02", 8)  # first of the tied highest
    assert (low["month"], low["count"]) == ("2022-04", 3)
    leader = crime.latest_leader(crime.monthly_series(ROWS, by="crime_type"))
    assert (leader["crime_type"], leader["count"]) == ("Vehicle crime", 2)


# Windows either side of police.uk's May 2013 change (counts summed by hand below).
BEFORE_2013 = Window("previous", "before", Month(2013, 3), Month(2013, 4))
AFTER_2013 = Window("latest", "now", Month(2013, 5), Month(2013, 6))
ACROSS_2013 = tidy([
    ("2013-03", "Northam", "Violent crime", None, 7),
    ("2013-04", "Northam", "Public disorder and weapons", None, 3),
    ("2013-04", "Northam", "Burglary", None, 2),
    ("2013-05", "Northam", "Violence and sexual offences", None, 5),
    ("2013-05", "Northam", "Public order", None, 2),
    ("2013-06", "Southam", "Possession of weapons", None, 1),
    ("2013-06", "Southam", "Burglary", None, 4),
])


def test_type_tables_compare_like_for_like_across_a_category_change() -> None:
    table = crime.crime_type_comparison(ACROSS_2013, AFTER_2013, BEFORE_2013)
    rows = {r["Crime type"]: (r["previous"], r["latest"]) for _, r in table.iterrows()}
    assert rows == {
        "Violence and sexual offences": (7, 5),  # the renamed type, under its new name
        "Public order and Possession of weapons (together: Public disorder and weapons "
        "before May 2013)": (3, 2 + 1),
        "Burglary": (2, 4),
        crime.ALL_CRIME: (7 + 3 + 2, 5 + 2 + 1 + 4),
    }
    chosen = ("Violence and sexual offences", "Violent crime")
    by_type = crime.type_comparison(ACROSS_2013, chosen, AFTER_2013, BEFORE_2013)
    assert by_type[["Crime type", "previous", "latest"]].values.tolist() == [
        ["Violence and sexual offences", 7, 5]]


def test_type_tables_keep_the_types_when_no_change_lies_between_their_windows() -> None:
    after = ACROSS_2013[ACROSS_2013["month"] >= "2013-05"]
    table = crime.crime_type_comparison(
        after, Window("latest", "now", Month(2013, 6), Month(2013, 6)),
        Window("previous", "before", Month(2013, 5), Month(2013, 5)))
    assert set(table["Crime type"]) == {"Violence and sexual offences", "Public order",
                                        "Possession of weapons", "Burglary", crime.ALL_CRIME}


def test_the_types_a_like_for_like_row_counts() -> None:
    counted = crime.types_counted(ACROSS_2013, "2013-03", "2013-06")
    assert counted["Violence and sexual offences"] == [
        "Violence and sexual offences", "Violent crime"]
    merged = ("Public order and Possession of weapons (together: Public disorder and weapons "
              "before May 2013)")
    assert counted[merged] == ["Possession of weapons", "Public disorder and weapons",
                               "Public order"]
    assert counted["Burglary"] == ["Burglary"]
    assert crime.ALL_CRIME not in counted and len(counted) == 3
