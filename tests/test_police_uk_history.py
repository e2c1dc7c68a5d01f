"""police.uk's crime types over time: each valid only in its own months, followed across changes.

Expected periods come from the research notes (typed out in tests/historyfiles.py), not from
the package: a wrong date in pcc_report.police_uk or in the suite fails here.
"""

from __future__ import annotations

import json

import pytest
from historyfiles import ELEVEN, FORCE, FOURTEEN, SIX, month_rows, types_of, write_history
from streetfiles import read_files

from pcc_report import police_uk
from pcc_report.police_uk import (
    CATEGORY_CHANGES,
    EXPECTATIONS_DIR,
    counted_as,
    crime_type_periods,
    series_breaks,
)
from pcc_report.validation import check_street_file, validate_street

SUITE = json.loads((EXPECTATIONS_DIR / "police_uk_street.json").read_text("utf-8"))


def test_periods_are_those_police_uk_published() -> None:
    assert crime_type_periods() == [
        ("2010-12", "2011-08", tuple(sorted(SIX))),
        ("2011-09", "2013-04", tuple(sorted(ELEVEN))),
        ("2013-05", None, tuple(sorted(FOURTEEN))),
    ]
    assert [c.month for c in CATEGORY_CHANGES] == ["2011-09", "2013-05"]
    assert CATEGORY_CHANGES[1].label == "May 2013"


def test_the_suite_lists_each_period_and_the_union() -> None:
    """The reviewed suite holds the same history as the schema module (one reviewed source)."""
    rules = [e for e in SUITE["expectations"] if e["kwargs"].get("column") == "Crime type"]
    union, *periods = rules
    assert "row_condition" not in union["kwargs"]
    assert set(union["kwargs"]["value_set"]) == set(SIX) | set(ELEVEN) | set(FOURTEEN)
    assert [
        (e["kwargs"]["row_condition"]["parameter"], set(e["kwargs"]["value_set"]))
        for e in periods
    ] == [("2010-12..2011-08", set(SIX)), ("2011-09..2013-04", set(ELEVEN)),
          ("2013-05..", set(FOURTEEN))]  # fmt: skip
    assert [e["meta"]["period"] for e in periods] == [
        "2010-12..2011-08", "2011-09..2013-04", "2013-05.."]  # fmt: skip


def test_outcome_set_covers_court_results_and_retired_labels() -> None:
    outcomes = set(police_uk.outcome_categories())
    assert {"Offender fined", "Offender sent to prison", "Defendant found not guilty",
            "Suspect charged", "Offender imprisoned", "Suspect found not guilty",
            "Court case unable to proceed", ""} <= outcomes  # fmt: skip
    assert len(outcomes) == 36


@pytest.mark.parametrize(("month", "expected"), [
    ("2010-12", SIX), ("2011-08", SIX), ("2011-09", ELEVEN), ("2013-04", ELEVEN),
    ("2013-05", FOURTEEN), ("2024-01", FOURTEEN),
])  # fmt: skip
def test_each_type_is_valid_exactly_in_its_months(month: str, expected: list[str]) -> None:
    assert types_of(month) == expected
    every = set(SIX) | set(ELEVEN) | set(FOURTEEN)
    assert {t for t in every if police_uk.valid_in(t, month)} == set(expected)


def test_files_of_every_period_validate(tmp_path) -> None:
    """Files written for months on both sides of each change pass every error rule."""
    paths = write_history(tmp_path, "2011-07", "2011-10") + write_history(
        tmp_path, "2013-03", "2013-06"
    )
    assert all(check_street_file(p, p.relative_to(tmp_path).as_posix()) == [] for p in paths)
    months = [p.name[:7] for p in paths]
    report = validate_street(read_files(paths, tmp_path, FORCE), required_months=months,
                             check_force=True)  # fmt: skip
    assert report.errors() == [], report.format_errors()


@pytest.mark.parametrize(("month", "crime_type", "used"), [
    ("2011-08", "Drugs", "from 2011-09"),
    ("2013-04", "Public order", "from 2013-05"),
    ("2013-05", "Violent crime", "2010-12 to 2013-04"),
    ("2022-09", "Public disorder and weapons", "2011-09 to 2013-04"),
])  # fmt: skip
def test_a_type_outside_its_months_is_an_error_naming_file_line_and_months(
    tmp_path, month: str, crime_type: str, used: str
) -> None:
    from streetfiles import row, write_street_file

    path = write_street_file(tmp_path / month / f"{month}-{FORCE}-street.csv",
                             [*month_rows(month), row(month, crime_type)])  # fmt: skip
    line = len(month_rows(month)) + 2
    report = validate_street(read_files([path], tmp_path, FORCE), required_months=[month])
    (problem,) = report.errors()
    assert problem.rule.startswith("Crime type is one police.uk used in the row's month")
    assert problem.column == "Crime type"
    assert problem.examples == [{
        "file": f"{month}/{month}-{FORCE}-street.csv", "line": line,
        "value": f"{crime_type} (police.uk used it {used})",
    }]  # fmt: skip


def test_counted_as_follows_renames_and_whole_splits_only() -> None:
    assert set(counted_as(["Violence and sexual offences"])) == {
        "Violence and sexual offences", "Violent crime"}
    assert set(counted_as(["Public order"])) == {"Public order"}
    assert set(counted_as(["Public order", "Possession of weapons"])) == {
        "Public order", "Possession of weapons", "Public disorder and weapons"}
    every_today = [t for t in FOURTEEN if t != "Anti-social behaviour"]
    # All crime: every retired type is inside today's types, so nothing is lost.
    assert set(counted_as(every_today)) == (set(SIX) | set(ELEVEN) | set(FOURTEEN)) - {
        "Anti-social behaviour"}


@pytest.mark.parametrize(("types", "first", "last", "breaks"), [
    (["Burglary"], "2010-12", "2024-01", []),
    (["Violence and sexual offences"], "2012-01", "2014-01", []),
    (["Public order"], "2012-01", "2014-01", ["2013-05"]),
    (["Other theft"], "2012-01", "2014-01", ["2013-05"]),
    (["Other theft", "Bicycle theft", "Theft from the person"], "2012-01", "2014-01", []),
    (["Drugs"], "2011-01", "2014-01", ["2011-09"]),
    (["Public order"], "2013-05", "2014-01", []),  # after the change: like for like
])  # fmt: skip
def test_series_breaks_only_when_a_change_splits_what_is_counted(
    types: list[str], first: str, last: str, breaks: list[str]
) -> None:
    assert [c.month for c in series_breaks(counted_as(types), first, last)] == breaks


def test_the_catalogue_maps_retired_types_and_says_series_break() -> None:
    from pcc_report import catalogue, narrative, tables

    measures = {m.id: m for m in catalogue.load_catalogue()}
    assert "Violent crime" in measures["violence-sexual-offences"].crime_types
    assert catalogue.load_crime_type_mapping() == {
        "Violent crime": ("Violence and sexual offences",),
        "Public disorder and weapons": ("Public order", "Possession of weapons"),
    }
    assert tables.series_break_note(["Public order"], "2012-04", "2014-03") == (
        "series break: categories changed in May 2013")
    assert tables.series_break_note(["Public order"], "2013-05", "2014-03") == ""
    notes = narrative.series_break_notes(measures.values(), "2011-04", "2014-03")
    # Drugs and shoplifting began in 2011-09; the all-crime total and violence follow through.
    assert [n.split(":")[0] for n in notes] == [
        measures[i].title for i in ("shoplifting", "drugs")
    ]
    assert all("series break: categories changed in September 2011 (" in n for n in notes)
    assert not any(n.startswith(measures["all-crime"].title) for n in notes)
    assert not any(n.startswith(measures["violence-sexual-offences"].title) for n in notes)


def test_a_wrong_mapping_in_the_catalogue_is_refused(tmp_path) -> None:
    from pcc_report import catalogue

    text = catalogue.CATALOGUE_PATH.read_text("utf-8").replace(
        "Violent crime: [Violence and sexual offences]", "Violent crime: [Public order]")
    (tmp_path / "measures.yml").write_text(text, "utf-8")
    with pytest.raises(catalogue.CatalogueError, match="crime_type_mapping must map"):
        catalogue.load_catalogue(tmp_path / "measures.yml")
