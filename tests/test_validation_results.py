"""The result types: a report's verdict, its error and warning lists, and combining reports."""

from __future__ import annotations

from pcc_report.validation import Problem, ValidationReport


def _problem(suite: str, level: str = "error") -> Problem:
    return Problem(suite=suite, rule="r", level=level, column=None, message=suite)


def test_combine_concatenates_in_order_and_merges_months() -> None:
    street = ValidationReport(
        suites=[{"name": "police_uk_street"}],
        problems=[_problem("street", "warning")],
        incomplete_months=["2022-09", "2022-07"],
        rows_checked=1000,
    )
    returns = ValidationReport(
        suites=[{"name": "returns_calls"}, {"name": "returns_workforce"}],
        problems=[_problem("returns_calls"), _problem("returns_workforce", "warning")],
        incomplete_months=["2022-08", "2022-07"],
        rows_checked=24,
    )
    combined = ValidationReport.combine([street, returns])
    assert [s["name"] for s in combined.suites] == [
        "police_uk_street", "returns_calls", "returns_workforce"
    ]  # fmt: skip
    assert [p.suite for p in combined.problems] == ["street", "returns_calls", "returns_workforce"]
    assert combined.incomplete_months == ["2022-07", "2022-08", "2022-09"]
    assert combined.rows_checked == 1024
    assert not combined.ok and [p.suite for p in combined.errors()] == ["returns_calls"]
    assert street.incomplete_months == ["2022-09", "2022-07"]  # inputs untouched
    assert len(street.problems) == 1 and len(returns.suites) == 2


def test_combine_of_nothing_and_of_one_report() -> None:
    nothing = ValidationReport.combine([])
    assert nothing.ok and nothing.suites == [] and nothing.rows_checked == 0
    one = ValidationReport([{"name": "s"}], [_problem("s", "warning")], ["2022-09"], 7)
    twice = ValidationReport.combine([one, nothing, one])
    assert twice.ok and twice.rows_checked == 14 and twice.incomplete_months == ["2022-09"]
    assert len(twice.suites) == 2 and len(twice.warnings()) == 2 and twice.errors() == []


def test_levels_decide_ok_errors_and_warnings() -> None:
    report = ValidationReport([], [_problem("a"), _problem("b", "warning")], [], 0)
    assert not report.ok
    assert [p.suite for p in report.errors()] == ["a"]
    assert [p.suite for p in report.warnings()] == ["b"]
    assert ValidationReport([], [_problem("b", "warning")], [], 0).ok
