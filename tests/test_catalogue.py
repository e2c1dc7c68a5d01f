"""Tests for the measure catalogue: loading, the checks an editor relies on, and editions."""

from __future__ import annotations

from dataclasses import replace

import pytest
import yaml
from measurecases import DA_REFERRALS, PRIORITIES, measure

from pcc_report.catalogue import CatalogueError, in_edition, load_catalogue


def write_catalogue(tmp_path, entries: list[dict]):
    path = tmp_path / "measures.yml"
    path.write_text(yaml.safe_dump({"measures": entries}, sort_keys=False), encoding="utf-8")
    return path


def valid_entry(**overrides) -> dict:
    entry = {
        "id": "burglary", "title": "Burglary", "priority": "tackle-crime", "unit": "count",
        "polarity": "lower_is_better", "source": "police_uk", "crime_types": ["Burglary"],
        "tolerance": 0.05, "tolerance_kind": "relative", "definition": "Recorded burglary.",
        "restricted": False,
    }  # fmt: skip
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


def test_shipped_catalogue_loads_and_covers_the_brief():
    catalogue = load_catalogue()
    by_id = {m.id: m for m in catalogue}
    assert len(by_id) == len(catalogue) >= 15
    assert {m.priority for m in catalogue} == set(PRIORITIES)
    assert by_id["all-crime"].exclude_crime_types == ("Anti-social behaviour",)
    assert by_id["asb-incidents"].crime_types == ("Anti-social behaviour",)
    assert (by_id["calls-999"].target, by_id["calls-999"].filter) == (90.0, (("line", "999"),))
    assert (by_id["calls-101"].target, by_id["calls-101"].filter) == (80.0, (("line", "101"),))
    assert by_id["victim-satisfaction"].survey and by_id["public-confidence"].survey
    assert by_id["police-officers"].unit == "snapshot"
    assert by_id["domestic-abuse-referrals"].polarity == "increase_is_aim"
    assert by_id["first-time-entrants"].quarterly
    assert "quarter" in by_id["first-time-entrants"].definition
    assert any(m.restricted for m in catalogue)
    hate = by_id["hate-crime-reports"]
    assert (hate.source, hate.value, hate.unit) == ("hate_crime_reports", "reports", "count")
    assert (hate.priority, hate.polarity) == ("protect-vulnerable", "increase_is_aim")
    assert (hate.breakdown, hate.disclosure_threshold, hate.restricted) == ("district", 5, False)
    # Only the breakdown measure carries a disclosure rule.
    assert [m.id for m in catalogue if m.disclosure_threshold is not None] == ["hate-crime-reports"]


def test_catalogue_accepts_a_valid_entry_and_custom_priorities(tmp_path):
    path = write_catalogue(tmp_path, [valid_entry(priority="defend-frontline")])
    (m,) = load_catalogue(path, priorities=["defend-frontline"])
    assert (m.id, m.crime_types, m.tolerance, m.restricted) == (
        "burglary", ("Burglary",), 0.05, False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"source": "crime_survey"}, "source 'crime_survey' is not one of"),
        ({"unit": "rate"}, "unit 'rate' is not one of"),
        ({"polarity": "up_is_good"}, "polarity 'up_is_good' is not one of"),
        ({"priority": "world-peace"}, "priority 'world-peace' is not in the plan"),
        ({"definition": None}, "missing required key(s): definition"),
        ({"restricted": None}, "missing required key(s): restricted"),
        ({"crime_type": ["Burglary"]}, "unknown key(s) crime_type"),
        ({"crime_types": ["Burglery"]}, "unknown crime type(s) ['Burglery']"),
        ({"exclude_crime_types": ["Drugs"]}, "exactly one of crime_types or exclude_crime_types"),
        ({"restricted": "no"}, "restricted must be true or false"),
        ({"tolerance": -1}, "tolerance must be a number of zero or more"),
        ({"polarity": "neutral", "target": 5}, "a neutral measure cannot have a target"),
        ({"survey": True}, "survey: true is only for percentages"),
        ({"tolerance_kind": "points"}, "a count needs tolerance_kind: relative"),
        ({"unit": "percentage"}, "police_uk measures are counts"),
        ({"id": "Burglary Rate"}, "must be lower-case letters, digits and hyphens"),
    ],
)
def test_catalogue_validation_errors(tmp_path, overrides, message):
    path = write_catalogue(tmp_path, [valid_entry(**overrides)])
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(path, priorities=PRIORITIES)
    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (  # a percentage without its denominator
            {"unit": "percentage", "source": "calls", "numerator": "answered_within_target",
             "tolerance_kind": "points"},
            "a percentage from calls needs denominator",
        ),
        (  # a column the return does not have
            {"source": "workforce", "value": "police_staff"},
            "value 'police_staff' is not a numeric column of workforce.csv",
        ),
        (  # percentage with a relative tolerance: 2 would mean 200%
            {"unit": "percentage", "source": "calls", "numerator": "answered_within_target",
             "denominator": "offered", "tolerance": 2},
            "a percentage needs tolerance_kind: points",
        ),
        (  # a filter on a numeric column
            {"source": "calls", "value": "offered", "filter": {"offered": "999"}},
            "filter column 'offered' is not a text column of calls.csv",
        ),
        (  # value and numerator/denominator mixed up
            {"source": "domestic_abuse_referrals", "numerator": "referrals"},
            "a count from domestic_abuse_referrals needs value",
        ),
    ],
)  # fmt: skip
def test_catalogue_return_column_errors(tmp_path, entry, message):
    base = valid_entry(crime_types=None)
    base.update(entry)
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(write_catalogue(tmp_path, [base]), priorities=PRIORITIES)
    assert message in str(excinfo.value)


def test_duplicate_ids_and_every_problem_listed_at_once(tmp_path):
    entries = [valid_entry(), valid_entry(title="Burglary again"), valid_entry(id="x", unit="rate")]
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(write_catalogue(tmp_path, entries), priorities=PRIORITIES)
    text = str(excinfo.value)
    assert "measure 2 (burglary): id 'burglary' is used twice" in text
    assert "measure 3 (x): unit 'rate' is not one of" in text


def test_empty_catalogue_is_an_error(tmp_path):
    path = tmp_path / "measures.yml"
    path.write_text("measures: []\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="measures:"):
        load_catalogue(path, priorities=PRIORITIES)


def test_public_edition_withholds_restricted_measures_in_catalogue_order():
    rj = replace(DA_REFERRALS, id="rj-referrals", title="RJ referrals", restricted=True)
    catalogue = [rj, measure(), replace(rj, id="rj-2")]
    shown, withheld = in_edition(catalogue, "public")
    assert [m.id for m in shown] == ["burglary"]
    assert [m.id for m in withheld] == ["rj-referrals", "rj-2"]
    shown, withheld = in_edition(catalogue, "restricted")
    assert ([m.id for m in shown], withheld) == (["rj-referrals", "burglary", "rj-2"], [])
    with pytest.raises(ValueError, match="edition must be one of public, restricted"):
        in_edition(catalogue, "private")


def hate_entry(**overrides) -> dict:
    entry = {
        "id": "hate-crime", "title": "Hate crime reports", "priority": "protect-vulnerable",
        "unit": "count", "polarity": "increase_is_aim", "source": "hate_crime_reports",
        "value": "reports", "breakdown": "district", "disclosure": {"threshold": 5},
        "tolerance": 0.05, "tolerance_kind": "relative", "definition": "Hate crime reports.",
        "restricted": False,
    }  # fmt: skip
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


def test_breakdown_and_disclosure_are_optional_and_read_into_the_measure(tmp_path):
    plain = hate_entry(id="plain", breakdown=None, disclosure=None)
    entries = [hate_entry(), hate_entry(id="open", disclosure=None), plain]
    loaded = load_catalogue(write_catalogue(tmp_path, entries), priorities=PRIORITIES)
    assert [(m.breakdown, m.disclosure_threshold) for m in loaded] == [
        ("district", 5), ("district", None), (None, None),
    ]  # fmt: skip
    (m,) = load_catalogue(
        write_catalogue(tmp_path, [hate_entry(disclosure={"threshold": 2})]), priorities=PRIORITIES
    )
    assert m.disclosure_threshold == 2  # the smallest threshold allowed


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"breakdown": "ward"}, "breakdown 'ward' is not one of district"),
        ({"breakdown": ["district"]}, "breakdown ['district'] is not one of district"),
        (  # a return without a district column
            {"source": "domestic_abuse_referrals", "value": "referrals"},
            "breakdown: district needs a return with a district column (hate_crime_reports), "
            "not domestic_abuse_referrals",
        ),
        (  # police.uk has districts, but disclosure control is for force returns
            {"source": "police_uk", "value": None, "crime_types": ["Burglary"]},
            "breakdown: district needs a return with a district column",
        ),
        ({"disclosure": 5}, "disclosure must be a mapping {threshold: <number>}, not 5"),
        ({"disclosure": {}}, "disclosure needs threshold: <whole number>"),
        ({"disclosure": {"threshold": 1}}, "threshold must be a whole number of 2 or more, not 1"),
        ({"disclosure": {"threshold": 4.5}}, "threshold must be a whole number of 2 or more"),
        ({"disclosure": {"threshold": True}}, "threshold must be a whole number of 2 or more"),
        ({"disclosure": {"threshold": "5"}}, "threshold must be a whole number of 2 or more"),
        (
            {"disclosure": {"threshold": 5, "secondary": False}},
            "unknown disclosure key(s) secondary (allowed: threshold)",
        ),
        ({"breakdown": None}, "disclosure applies to a breakdown; add breakdown: <column>"),
    ],
)  # fmt: skip
def test_breakdown_and_disclosure_errors(tmp_path, overrides, message):
    path = write_catalogue(tmp_path, [hate_entry(**overrides)])
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(path, priorities=PRIORITIES)
    assert message in str(excinfo.value)


def test_a_breakdown_of_a_percentage_is_refused_with_every_other_problem(tmp_path):
    entry = hate_entry(
        unit="percentage", value=None, source="victim_satisfaction", numerator="satisfied",
        denominator="respondents", tolerance_kind="points", disclosure={"threshold": 0, "x": 1},
    )  # fmt: skip
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(write_catalogue(tmp_path, [entry]), priorities=PRIORITIES)
    text = str(excinfo.value)
    for message in (
        "breakdown: district needs a return with a district column",
        "a breakdown is a table of counts (unit: count)",
        "unknown disclosure key(s) x",
        "disclosure threshold must be a whole number of 2 or more, not 0",
    ):
        assert f"measure 1 (hate-crime): {message}" in text
