"""Quarter and window arithmetic, checked against months counted by hand."""

import pytest

from pcc_report.periods import (
    ASSESSMENT_WINDOWS,
    Month,
    PeriodError,
    Quarter,
    assessment_windows,
    month_range,
    report_windows,
    required_months,
    resolve_period_end,
)


@pytest.mark.parametrize(
    ("label", "first", "last"),
    [
        ("2021-22-Q1", "2021-04", "2021-06"),
        ("2021-22-Q2", "2021-07", "2021-09"),
        ("2015-16-Q3", "2015-10", "2015-12"),
        ("2022-23-Q4", "2023-01", "2023-03"),
        ("1999-00-Q4", "2000-01", "2000-03"),
    ],
)
def test_quarter_months(label: str, first: str, last: str) -> None:
    quarter = Quarter.parse(label)
    assert str(quarter.first_month) == first
    assert str(quarter.last_month) == last
    assert str(quarter) == label
    assert Quarter.containing(Month.parse(first)) == quarter
    assert Quarter.containing(Month.parse(last)) == quarter


@pytest.mark.parametrize("bad", ["2022-Q2", "2022-24-Q1", "2022-23-Q5", "22-23-Q1", ""])
def test_bad_quarters_are_refused_with_the_form(bad: str) -> None:
    with pytest.raises(PeriodError, match="quarter|consecutive"):
        Quarter.parse(bad)


def test_quarter_title() -> None:
    assert Quarter.parse("2015-16-Q3").title == "Quarter 3 2015/16 (October to December 2015)"


def test_period_end_defaults_to_quarter_end_and_must_be_inside() -> None:
    q2 = Quarter.parse("2022-23-Q2")
    assert resolve_period_end(q2, None) == Month(2022, 9)
    assert resolve_period_end(q2, "2022-08") == Month(2022, 8)
    with pytest.raises(PeriodError, match="outside"):
        resolve_period_end(q2, "2022-10")
    with pytest.raises(PeriodError):
        resolve_period_end(q2, "2022-8")


def test_month_arithmetic_crosses_years() -> None:
    assert Month(2022, 1) - 1 == Month(2021, 12)
    assert Month(2021, 12) + 13 == Month(2023, 1)
    assert Month(2022, 9).name == "September 2022"
    assert Month.parse("2020-02") < Month.parse("2020-10")


def _span(windows, key):
    w = windows[key]
    return str(w.first), str(w.last), len(w.months)


def test_windows_for_a_september_period_end() -> None:
    w = report_windows(Month(2022, 9))
    assert _span(w, "latest_12") == ("2021-10", "2022-09", 12)
    assert _span(w, "previous_12") == ("2020-10", "2021-09", 12)
    assert _span(w, "last_fy") == ("2021-04", "2022-03", 12)
    assert _span(w, "fytd") == ("2022-04", "2022-09", 6)
    assert _span(w, "last_ytd") == ("2021-04", "2021-09", 6)
    assert _span(w, "latest_quarter") == ("2022-07", "2022-09", 3)
    assert _span(w, "previous_quarter") == ("2022-04", "2022-06", 3)
    assert _span(w, "same_quarter_last_year") == ("2021-07", "2021-09", 3)


def test_windows_at_financial_year_edges() -> None:
    march = report_windows(Month(2023, 3))
    # In March the last complete financial year is the one just ending.
    assert _span(march, "last_fy") == ("2022-04", "2023-03", 12)
    assert _span(march, "fytd") == ("2022-04", "2023-03", 12)
    april = report_windows(Month(2023, 4))
    assert _span(april, "last_fy") == ("2022-04", "2023-03", 12)
    assert _span(april, "fytd") == ("2023-04", "2023-04", 1)
    assert _span(april, "last_ytd") == ("2022-04", "2022-04", 1)
    feb = report_windows(Month(2023, 2))
    assert _span(feb, "last_fy") == ("2021-04", "2022-03", 12)
    assert _span(feb, "fytd") == ("2022-04", "2023-02", 11)


def test_baseline_and_required_months() -> None:
    w = report_windows(Month(2022, 6), baseline_fy=2019)
    assert _span(w, "baseline") == ("2019-04", "2020-03", 12)
    needed = [str(m) for m in required_months(report_windows(Month(2022, 6)))]
    assert needed[0] == "2020-07" and needed[-1] == "2022-06" and len(needed) == 24
    assert "2020-08" in needed and "2020-09" in needed


def test_prior_12_is_the_year_before_previous_12_and_not_required() -> None:
    report = report_windows(Month(2022, 9), baseline_fy=2019)
    w = assessment_windows(report)
    assert _span(w, "prior_12") == ("2019-10", "2020-09", 12)
    assert w["prior_12"].label == "12 months to September 2020"
    assert set(w) == set(ASSESSMENT_WINDOWS) and "prior_12" not in report
    # validation requires the report's windows only: a missing prior year costs one rating
    needed = {str(m) for m in required_months(report_windows(Month(2022, 9)))}
    assert not needed & {str(m) for m in w["prior_12"].months}


def test_quarter_ends_are_the_last_months_of_the_financial_quarters() -> None:
    ends = [m for m in month_range(Month(2022, 1), Month(2022, 12)) if m.is_quarter_end]
    expected = [Quarter.parse(q).last_month for q in ("2021-22-Q4", "2022-23-Q1",
                                                       "2022-23-Q2", "2022-23-Q3")]  # fmt: skip
    assert ends == expected
