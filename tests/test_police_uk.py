"""The police.uk format module agrees with the reviewed suite and with real police.uk files."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from pcc_report import police_uk
from pcc_report.ingest import TRACE_COLUMNS
from pcc_report.police_uk import (
    ANTI_SOCIAL_BEHAVIOUR,
    STREET_COLUMNS,
    STREET_FILE_NAME,
    crime_type,
    crime_types,
    outcome_categories,
    outcome_category,
)
from pcc_report.validation.street import DERIVED_COLUMNS
from pcc_report.validation.suites import HEADER_RULE_TYPE

STREET_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "police-uk"
SUITE = json.loads(
    (police_uk.EXPECTATIONS_DIR / f"{police_uk.STREET_SUITE}.json").read_text(encoding="utf-8")
)


def _value_sets(column: str) -> list[list[str]]:
    return [
        e["kwargs"]["value_set"]
        for e in SUITE["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set"
        and e["kwargs"]["column"] == column
        and "row_condition" not in e["kwargs"]
    ]


def test_the_suite_header_rule_lists_the_header_then_trace_and_derived_columns() -> None:
    (rule,) = [e for e in SUITE["expectations"] if e["type"] == HEADER_RULE_TYPE]
    assert rule["kwargs"]["column_list"] == [*STREET_COLUMNS, *TRACE_COLUMNS, *DERIVED_COLUMNS]


def test_value_sets_are_read_from_the_suite() -> None:
    assert [list(crime_types())] == _value_sets("Crime type")
    assert [list(outcome_categories())] == _value_sets("Last outcome category")
    assert "" in outcome_categories() and "" not in crime_types()
    # The ASB constant is a crime type and is the one the suite's ASB rules name.
    assert ANTI_SOCIAL_BEHAVIOUR in crime_types()
    asb_rules = [e for e in SUITE["expectations"] if "Anti-social" in e["meta"]["rule"]]
    assert asb_rules
    for spec in asb_rules:
        assert spec["kwargs"]["row_condition"]["parameter"] == ANTI_SOCIAL_BEHAVIOUR


def test_named_categories_are_checked_against_the_suite() -> None:
    assert crime_type("Burglary") == "Burglary"
    assert outcome_category("Local resolution") == "Local resolution"
    with pytest.raises(ValueError, match="not a police.uk crime type"):
        crime_type("Burglary of a dwelling")
    with pytest.raises(ValueError, match="not a police.uk outcome category"):
        outcome_category("Local Resolution")


@pytest.mark.parametrize(
    ("name", "month", "force"),
    [
        ("2022-09-lancashire-street.csv", "2022-09", "lancashire"),
        ("2024-01-avon-and-somerset-street.csv.gz", "2024-01", "avon-and-somerset"),
        ("2022-09-lancashire-outcomes.csv", None, None),
        ("2022-09-lancashire-street.csv.zip", None, None),
        ("lancashire-street.csv", None, None),
    ],
)
def test_file_name_pattern(name: str, month: str | None, force: str | None) -> None:
    match = STREET_FILE_NAME.match(name)
    assert (match and (match["month"], match["force"])) == (month and (month, force))


@pytest.mark.skipif(not STREET_DATA.is_dir(), reason=f"real data not found at {STREET_DATA}")
def test_every_real_street_file_has_the_header_and_a_matching_name() -> None:
    files = sorted(STREET_DATA.rglob("*-street.csv*"))
    assert len(files) > 150
    for path in files:
        assert STREET_FILE_NAME.match(path.name), path
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
            assert tuple(next(csv.reader(f))) == STREET_COLUMNS, path
