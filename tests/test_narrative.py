"""The shared sentence builders and the plan, appendix and audit wording.

Expected sentences are written out here with their figures worked by hand, so a change to
the wording or the arithmetic shows up as a failing test (the published text must not
change by accident).
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from pcc_report import narrative
from pcc_report.periods import Month, Window


@pytest.mark.parametrize(
    ("current", "previous", "phrase"),
    [
        (105, 100, "up 5.0% (5)"),
        (97, 100, "down 3.0% (3)"),
        (12_345, 10_000, "up 23.4% (2,345)"),
        (100, 100, "unchanged"),
        (12, 0, "up 12 from none"),
    ],
)
def test_change_phrase(current: int, previous: int, phrase: str) -> None:
    assert narrative.change_phrase(current, previous) == phrase


def test_comparison_sentence() -> None:
    assert narrative.comparison_sentence(
        "Recorded crime", 1_100, "12 months to September 2022", 1_000,
        "12 months to September 2021",
    ) == ("Recorded crime in the 12 months to September 2022 was 1,100, up 10.0% (100) on "
          "the 12 months to September 2021 (1,000).")


def test_largest_changes_names_the_biggest_rise_and_fall() -> None:
    table = pd.DataFrame({
        "Crime type": ["Burglary", "Robbery", "Shoplifting", "Arson"],
        "previous": [100, 50, 10, 20],
        "latest": [80, 60, 40, 20],
    })
    table["change"] = table["latest"] - table["previous"]
    # Rises: shoplifting +30 / sqrt(50) = 4.24, robbery +10 / sqrt(110) = 0.95; falls:
    # burglary -20 / sqrt(180) = -1.49. One fall: "decrease was".
    assert narrative.largest_changes(table, "Crime type") == (
        "The largest increases were in shoplifting (up 300.0% (30)) and robbery "
        "(up 20.0% (10)). The largest decrease was in burglary (down 20.0% (20)). "
        f"Changes are {narrative.RANKING_NOTE}."
    )


def test_largest_changes_rank_by_volume_not_count_or_percent() -> None:
    # A: 1000 -> 1060 (+60, 6%): 60 / sqrt(2060) = 1.32; B: 10 -> 30 (+20, 200%):
    # 20 / sqrt(40) = 3.16; C: 400 -> 470 (+70, 17.5%): 70 / sqrt(870) = 2.37.
    table = pd.DataFrame({"Crime type": ["A", "B", "C"], "previous": [1000, 10, 400],
                          "latest": [1060, 30, 470]})
    table["change"] = table["latest"] - table["previous"]
    text = narrative.largest_changes(table, "Crime type", n=2)
    assert text.startswith("The largest increases were in b (up 200.0% (20)) and c ")
    assert narrative.largest_changes(table, "Crime type", n=1).startswith(
        "The largest increase was in b (up 200.0% (20)).")
    flat = table.assign(change=0)
    assert narrative.largest_changes(flat, "Crime type") == "No category changed."


def test_share_sentence_in_percentage_points() -> None:
    assert narrative.share_sentence("The charge rate", 7.25, "latest", 6.0, "before") == (
        "The charge rate was 7.2% in the latest, up 1.2 percentage points on the before (6.0%)."
    )
    assert narrative.share_sentence("S", 5.0, "now", 5.0, "then") == (
        "S was 5.0% in the now, unchanged on the then (5.0%).")


def test_revision_statement() -> None:
    assert narrative.revision_statement({"revision": "r1"}) == "First issue (r1)"
    assert narrative.revision_statement(
        {"revision": "r2", "replaces": "r1", "reason": "late returns"}
    ) == "Revised version r2, replacing r1: late returns"


def test_dashboard_intro_names_the_baseline_months_when_there_is_one() -> None:
    baseline = Window("baseline", "2019-20", Month(2019, 4), Month(2020, 3))
    with_baseline = narrative.dashboard_intro(baseline)
    assert with_baseline.startswith(
        "The dashboard compares the latest 12 months with the baseline year "
        "(April 2019 to March 2020), shows the statistical process control (SPC) reading")
    assert narrative.dashboard_intro(None).startswith(
        "The dashboard compares the latest 12 months with the baseline year, shows")


def test_performance_intro_explains_withheld_measures_only_when_there_are_some() -> None:
    [intro] = narrative.performance_intro("Police and Crime Plan", "")
    assert intro.startswith("Performance against each measure of the Police and Crime Plan, ")
    paragraphs = narrative.performance_intro("Plan", "2 measures are withheld.")
    assert paragraphs[1] == ("2 measures are withheld. Partner data of this kind may not be "
                             "published; it is reported to the Panel in private.")


def test_front_sheet_notes_only_for_demonstration_data() -> None:
    assert narrative.front_sheet_notes(False) == []
    [note] = narrative.front_sheet_notes(True)
    assert note.startswith("Demonstration data:") and "fictional" in note


def assessment(title: str, priority: str, points: int) -> SimpleNamespace:
    measure = SimpleNamespace(title=title, priority=priority, id=title.lower())
    return SimpleNamespace(measure=measure, spc=SimpleNamespace(points=[1.0] * points))


def test_priority_measures_and_what_is_said_when_there_are_none() -> None:
    own = [assessment("Burglary", "crime", 24), assessment("Confidence", "crime", 0)]
    assert narrative.no_measures_note(own) == []
    assert narrative.no_measures_note([]) == [
        "No measures in the catalogue belong to this priority."]
    assert narrative.uncharted_notes(own) == ["Confidence: no data available to chart."]
    assert list(narrative.spc_figures([own[1]])) == []  # nothing drawn without points


def test_priority_captions() -> None:
    priority = SimpleNamespace(title="Safer streets")
    assert narrative.priority_measures_caption(priority) == (
        "Safer streets: measures, latest 12 months against the previous 12")
    assert narrative.priority_comparisons_caption(priority) == (
        "Safer streets: every comparison period for each measure")


def test_input_files_table_and_no_location_sentence() -> None:
    files = narrative.input_files(
        {"files": [{"file": "2022-09-x-street.csv", "month": "2022-09", "rows": 12}]})
    assert files.columns.tolist() == ["File", "Month", "Rows read"]
    tidy = pd.DataFrame({"district": ["A", "No location", "B"], "count": [150, 3, 47]})
    assert narrative.no_location_sentence(tidy) == (
        '3 of 200 rows (1.5%) have no location; they are counted under "No location" in the '
        "district tables, never dropped.")


VALIDATION = {
    "rows_checked": 1_234,
    "error_count": 0,
    "warning_count": 1,
    "incomplete_months": [],
    "suites": [
        {"name": "street", "expectations": [
            {"rule": "not null", "level": "error", "column": "Month", "success": True,
             "unexpected_count": 0},
            {"rule": "known type", "level": "warning", "column": None, "success": False,
             "unexpected_count": 2},
        ]},
    ],
    "problems": [
        {"level": "warning", "rule": "known type", "message": "Unknown crime type",
         "examples": [{"file": "a.csv", "line": 3, "value": "Zzz"}, {"file": "b.csv"},
                      {"value": "Yyy"}, {"file": "c.csv", "line": 9}]},
        {"level": "error", "rule": "x", "message": "not shown", "examples": []},
    ],
}


def test_validation_summary() -> None:
    assert narrative.validation_summary(VALIDATION) == (
        "All 1,234 input rows were checked against 2 reviewed validation rules before any "
        "figure was computed. 0 error(s) and 1 warning(s) were found.")
    missing = dict(VALIDATION, incomplete_months=["2022-07", "2022-08"])
    assert narrative.validation_summary(missing).endswith(
        " No data was received for 2022-07, 2022-08; figures covering these months are "
        "marked incomplete data.")


def test_validation_rules_and_warnings_tables() -> None:
    rules = narrative.validation_rules(VALIDATION)
    assert rules.values.tolist() == [
        ["street", "not null", "error", "Month", "passed", 0],
        ["street", "known type", "warning", "", "failed", 2],
    ]
    warnings = narrative.validation_warnings(VALIDATION)
    # Errors are not listed; only the first three examples are.
    assert warnings.values.tolist() == [
        ["known type", "Unknown crime type", "a.csv line 3: Zzz; b.csv; Yyy"]]


PROVENANCE = {
    "inputs": [{"path": "police-uk/2022-09.csv", "rows": 10, "size": 2048, "sha256": "ab" * 32}],
    "code": {"commit": "c" * 40, "dirty": False},
    "environment": {"python": "3.12.1", "platform": "Linux",
                    "packages": [{"name": "pandas", "version": "2.2.0"}],
                    "lock_file_sha256": "f" * 64},
    "validation": {"ok": True, "errors": 0, "warnings": 2,
                   "suites": [{"name": "street", "sha256": "0123456789abcdef"}]},
    "revision": {"revision": "r1"},
    "commands": {"rebuild": "pcc-report run ...", "verify": "pcc-report verify .",
                 "nbval": "pytest --nbval notebooks"},
}


def test_audit_inputs_and_summary() -> None:
    inputs = narrative.audit_inputs(PROVENANCE)
    assert inputs.values.tolist() == [
        ["police-uk/2022-09.csv", 10, 2048, " ".join(["abababababababab"] * 4)]]
    version, environment, validation, revision = narrative.audit_summary(PROVENANCE)
    assert version == f"Code version: pcc-report at git commit {'c' * 40}, with no local changes."
    assert environment == (f"Environment: Python 3.12.1 on Linux; pandas 2.2.0; "
                           f"requirements.lock SHA-256 {' '.join(['f' * 16] * 4)}.")
    assert validation == ("Validation: passed with 0 error(s) and 2 warning(s); suites: "
                          "street (SHA-256 0123456789ab…).")
    assert revision == "Revision: First issue (r1)."
    dirty = dict(PROVENANCE, code={"commit": "c" * 40, "dirty": True, "diff_sha256": "d1" * 32})
    assert narrative.audit_summary(dirty)[0].endswith(
        f", with uncommitted changes (diff SHA-256 {' '.join(['d1' * 8] * 4)}).")
    unknown = dict(PROVENANCE, code={"commit": "unknown", "reason": "no git"})
    assert narrative.audit_summary(unknown)[0] == "Code version unknown (no git)."


def test_audit_commands_say_what_each_proves() -> None:
    assert narrative.audit_commands(PROVENANCE["commands"]) == [
        "Rebuild from the same inputs (DATA_FOLDER holds the input files listed above): "
        "pcc-report run ...",
        "Verify this published report (hashes, inputs, and re-execution of every section): "
        "pcc-report verify .",
        "Re-run the executed notebooks with nbval: pytest --nbval notebooks",
    ]


def _window(first: str, last: str) -> Window:
    return Window("w", "w", Month.parse(first), Month.parse(last))


def test_a_priority_types_table_says_when_its_windows_cross_a_change() -> None:
    priority = SimpleNamespace(title="Safer communities")
    # Drugs was split out of Other crime in September 2011: a count of Other crime and Drugs
    # without the other split-out types is not like for like across that month.
    types = ("Drugs", "Other crime")
    (note,) = narrative.priority_types_break_notes(
        priority, types, _window("2010-12", "2011-11"), _window("2011-12", "2012-11"))
    assert note.startswith("Crime types under Safer communities: series break: categories "
                           "changed in September 2011 (")
    assert "Drugs" in note and note.endswith("not like for like.")
    # The same windows a year later hold no change; nor does a priority that takes the
    # whole group (every type that held its crimes before and after May 2013).
    assert narrative.priority_types_break_notes(
        priority, types, _window("2011-12", "2012-11"), _window("2012-12", "2013-11")) == []
    whole = ("Violence and sexual offences", "Violent crime")
    assert narrative.priority_types_break_notes(
        priority, whole, _window("2012-06", "2013-05"), _window("2013-06", "2014-05")) == []
    assert narrative.priority_types_break_notes(
        priority, ("Violence and sexual offences",), _window("2012-06", "2013-05"),
        _window("2013-06", "2014-05"))[0].startswith(
        "Crime types under Safer communities: series break: categories changed in May 2013")
