"""Tests for small-number disclosure control.

Expected cells are worked by hand from the rules in comments. The protection itself is checked
by an independent method: from the *public* output only (display table, labels, reasons), a
linear program is built from the published totals and derived cells, and each hidden cell is
minimised and maximised with scipy's linprog; a protected cell has at least two possible values.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from disclosurecheck import ranges
from hypothesis import given, settings
from hypothesis import strategies as st

from pcc_report.disclosure import DisclosureError, DisclosureRule, suppress

RULE = DisclosureRule(5)
DISTRICTS = ["Burnley", "Chorley", "Fylde", "Hyndburn", "Pendle", "Preston", "Wyre"]


def breakdown(previous, latest, *, total=True, derived=True):
    """A district breakdown as the report shows it: counts, change, % change, total row."""
    table = pd.DataFrame({"previous": previous, "latest": latest},
                         index=DISTRICTS[: len(previous)])
    if total:
        table.loc["Total"] = table.sum()
    if derived:
        table["change"] = table["latest"] - table["previous"]
        table["pct"] = [100 * c / p if p else math.nan
                        for c, p in zip(table["change"], table["previous"], strict=True)]
    return table


def run(table, rule=RULE, **kwargs):
    kwargs.setdefault("value_columns", ["previous", "latest"])
    if "change" in table.columns:
        kwargs.setdefault("derived_columns", ["change", "pct"])
    if "Total" in table.index:
        kwargs.setdefault("total_row", "Total")
    return suppress(table, rule, **kwargs)


def hidden(result, kind=None):
    return [(c.row, c.column) for c in result.cells if kind is None or c.kind == kind]


# ----- the independent check (tests/disclosurecheck.py)


def assert_protected(result, raw, value_columns=("previous", "latest"), **shape):
    rng = ranges(result.display, result.rule, list(value_columns), **shape)
    for (r, c), (low, high) in rng.items():
        assert low - 1e-6 <= raw.at[r, c] <= high + 1e-6  # the check itself is consistent
        assert high - low >= 1 - 1e-6, f"{r}/{c} is pinned at {low}"


def assert_refusal_justified(table, rule, value_columns, derived, **shape):
    """Some cell stays pinned even when every count, total and derived cell is hidden.

    Every count but a zero under a rule that shows zeros (the rule never hides those: a
    shown zero is what ``suppress_zero=False`` publishes)."""
    counts = list(value_columns) + ([shape["total_column"]] if shape.get("total_column") else [])
    display = table.astype(object).copy()
    for r in display.index:
        for c in counts:
            if int(table.at[r, c]) == 0 and not rule.suppress_zero:
                continue
            small = rule.is_small(int(table.at[r, c]))
            display.at[r, c] = rule.label if small else rule.withheld_label
        for c in derived:
            display.at[r, c] = rule.withheld_label
    rng = ranges(display, rule, list(value_columns), **shape)
    assert any(high - low < 1 - 1e-6 for low, high in rng.values()), "refused a protectable table"


def test_independent_check_detects_an_unprotected_table():
    # one hidden cell beside a shown total (47 - 20 - 12 - 12 = 3): pinned, as it must be
    raw = breakdown([3, 20, 12, 12], [6, 7, 8, 9], derived=False)
    display = raw.astype(object)
    display.at["Burnley", "previous"] = RULE.label
    rng = ranges(display, RULE, ["previous", "latest"], total_row="Total")
    assert rng[("Burnley", "previous")] == pytest.approx((3, 3))


# ----- primary rule --------------------------------------------------------------------------


def test_threshold_edges_four_hidden_five_shown():
    table = breakdown([4, 5, 6], [7, 8, 9], total=False, derived=False)
    result = run(table)
    assert hidden(result) == [("Burnley", "previous")]
    assert result.display.at["Burnley", "previous"] == "fewer than 5"
    assert result.display.at["Chorley", "previous"] == 5


def test_zeros_shown_by_default_and_hidden_on_request():
    table = breakdown([0, 9], [7, 8], total=False, derived=False)
    assert hidden(run(table)) == []
    zero = DisclosureRule(5, suppress_zero=True)
    result = run(table, zero)
    assert hidden(result) == [("Burnley", "previous")]
    assert result.display.at["Burnley", "previous"] == "fewer than 5"


def test_nothing_small_nothing_hidden():
    table = breakdown([10, 20, 30], [11, 25, 5])
    result = run(table)
    assert result.cells == ()
    pd.testing.assert_frame_equal(result.display, table)


def test_small_total_is_hidden_too():
    # column latest: 1 + 2 = 3 < 5, so its total is hidden as well
    table = breakdown([10, 20], [1, 2], derived=False)
    result = run(table)
    assert {("Burnley", "latest"), ("Chorley", "latest"), ("Total", "latest")} <= set(
        hidden(result, "primary"))
    assert_protected(result, table, total_row="Total")


# ----- secondary rule ------------------------------------------------------------------------


def test_single_small_cell_in_a_column_gets_the_smallest_other_cell():
    # previous: 3 is hidden; the total would give it back, so the smallest shown cell (12,
    # Fylde) is withheld too; latest has nothing small and is untouched.
    table = breakdown([3, 20, 12, 40], [30, 31, 32, 33], derived=False)
    result = run(table)
    assert hidden(result, "primary") == [("Burnley", "previous")]
    assert hidden(result, "secondary") == [("Fylde", "previous")]
    assert result.display.at["Fylde", "previous"] == "withheld"
    [secondary] = [c for c in result.cells if c.kind == "secondary"]
    assert secondary.reason == "secondary: protects Burnley/previous from the column total"
    assert_protected(result, table, total_row="Total")


def test_ties_go_to_the_first_row():
    table = breakdown([3, 12, 12, 40], [30, 31, 32, 33], derived=False)
    assert hidden(run(table), "secondary") == [("Chorley", "previous")]


def test_two_small_cells_protect_each_other():
    table = breakdown([3, 2, 12, 40], [30, 31, 32, 33], derived=False)
    assert hidden(run(table), "secondary") == []


def test_goes_beyond_two_per_line_when_the_labels_pin_a_pair():
    # previous 1, 5, 50 with total 56: hiding 1 and 5 leaves their sum 6; a reader knows
    # "fewer than 5" >= 1 and the withheld cell >= 5, so they must be 1 and 5. The 50 goes too.
    table = breakdown([1, 5, 50], [30, 31, 32], derived=False)
    result = run(table)
    assert hidden(result) == [("Burnley", "previous"), ("Chorley", "previous"),
                              ("Fylde", "previous")]
    assert_protected(result, table, total_row="Total")


def test_refuses_when_the_labels_alone_pin_the_cells():
    # latest: four 1s and zeros, total 4. With zeros shown each "fewer than 5" is >= 1 and the
    # total "fewer than 5" is <= 4, so all four must be 1 whatever else is hidden.
    table = breakdown([10, 20, 30, 40, 50], [1, 1, 1, 1, 0], derived=False)
    with pytest.raises(DisclosureError, match="suppress_zero") as err:
        run(table)
    assert len(err.value.problems) == 5  # the four districts and the total
    result = run(table, DisclosureRule(5, suppress_zero=True))
    assert ("Pendle", "latest") in hidden(result, "primary")  # the zero, hidden too
    assert_protected(result, table, total_row="Total")


def test_no_totals_no_secondaries():
    table = breakdown([3, 20], [30, 1], total=False, derived=False)
    assert hidden(run(table), "secondary") == []


def test_row_and_column_totals():
    # grid with both margins: each hidden cell needs a partner in its row and its column
    table = pd.DataFrame({"a": [3, 20, 30], "b": [15, 25, 35], "c": [40, 45, 2]},
                         index=["x", "y", "z"])
    table["all"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    kw = {"value_columns": ["a", "b", "c"], "total_row": "Total", "total_column": "all"}
    result = suppress(table, RULE, **kw)
    rows = {}
    for r, c in hidden(result):
        rows.setdefault(r, []).append(c)
    assert all(len(cols) >= 2 for cols in rows.values())
    assert_protected(result, table, value_columns=["a", "b", "c"], total_row="Total",
                     total_column="all")


# ----- derived cells, reasons, determinism ---------------------------------------------------


def test_change_and_percentage_beside_a_hidden_count_are_withheld():
    table = breakdown([3, 20, 12, 40], [30, 31, 32, 33])
    result = run(table)
    for row in ("Burnley", "Fylde"):  # primary and its secondary
        assert result.display.at[row, "change"] == "withheld"
        assert result.display.at[row, "pct"] == "withheld"
    for row in ("Chorley", "Hyndburn", "Total"):
        assert result.display.at[row, "change"] == table.at[row, "change"]
        assert result.display.at[row, "pct"] == pytest.approx(table.at[row, "pct"])
    assert_protected(result, table, total_row="Total")


def test_reasons_cover_every_hidden_cell_and_hold_no_value():
    table = breakdown([3, 20, 12, 40], [4, 31, 6, 33])
    result = run(table)
    shown_as_label = {(r, c) for r in result.display.index for c in result.display.columns
                      if isinstance(result.display.at[r, c], str)}
    assert set(hidden(result)) == shown_as_label
    assert len(hidden(result)) == len(shown_as_label)
    pattern = re.compile(r"primary: below 5|secondary: protects [A-Za-z]+/[a-z]+ from the "
                         r"(column|row|grand) total|derived: would reveal [A-Za-z]+/[a-z]+")
    for cell in result.cells:
        assert pattern.fullmatch(cell.reason), cell.reason
        assert str(table.at[cell.row, cell.column]) not in cell.reason.replace("below 5", "")
    manifest = result.manifest()
    assert manifest["rule"]["threshold"] == 5
    assert len(manifest["suppressed"]) == len(result.cells)
    assert set(manifest["suppressed"][0]) == {"row", "column", "reason"}
    assert result.mask().sum().sum() == len(result.cells)


def test_deterministic():
    table = breakdown([3, 12, 12, 7, 40], [6, 2, 9, 9, 33])
    first, second = run(table), run(table.copy())
    assert first.cells == second.cells
    pd.testing.assert_frame_equal(first.display, second.display)


@settings(max_examples=150, deadline=None)
@given(
    n_rows=st.integers(1, 6),
    n_cols=st.integers(1, 3),
    data=st.data(),
    threshold=st.sampled_from([3, 5, 10]),
    suppress_zero=st.booleans(),
    total_row=st.booleans(),
    total_column=st.booleans(),
)
def test_no_hidden_count_can_be_worked_out(n_rows, n_cols, data, threshold, suppress_zero,
                                           total_row, total_column):
    cell = st.one_of(st.integers(0, threshold + 2), st.integers(0, 40))
    columns = ["previous", "latest", "third"][:n_cols]
    table = pd.DataFrame({c: data.draw(st.lists(cell, min_size=n_rows, max_size=n_rows))
                          for c in columns}, index=DISTRICTS[:n_rows])
    if total_column:
        table["all"] = table[columns].sum(axis=1)
    if total_row:
        table.loc["Total"] = table.sum()
    derived = []
    if n_cols == 2:
        table["change"] = table["latest"] - table["previous"]
        table["pct"] = [100 * c / p if p else math.nan
                        for c, p in zip(table["change"], table["previous"], strict=True)]
        derived = ["change", "pct"]
    rule = DisclosureRule(threshold, suppress_zero=suppress_zero)
    shape = {"total_row": "Total" if total_row else None,
             "total_column": "all" if total_column else None}
    try:
        result = suppress(table, rule, value_columns=columns, derived_columns=derived, **shape)
    except DisclosureError:
        # A refusal must be justified: even with every count and total hidden, the labels'
        # ranges and the line sums pin some cell (checked independently), e.g. [[1, 1], [2, 2]]
        # under "fewer than 3" with both margins. The table is then not published at all.
        assert_refusal_justified(table, rule, columns, derived, **shape)
        return
    counts = columns + (["all"] if total_column else [])
    for r in table.index:  # every small count is hidden, under its own label
        for c in counts:
            if rule.is_small(int(table.at[r, c])):
                assert result.display.at[r, c] == rule.label
    assert_protected(result, table, value_columns=columns, **shape)


# ----- invalid rules and tables --------------------------------------------------------------


def test_parse_valid_rule():
    rule = DisclosureRule.parse({"threshold": 10, "suppress_zero": True})
    assert (rule.threshold, rule.suppress_zero, rule.label) == (10, True, "fewer than 10")
    assert DisclosureRule.parse({"threshold": 5}) == RULE


def test_parse_lists_every_problem():
    with pytest.raises(DisclosureError) as err:
        DisclosureRule.parse({"threshold": 1, "colour": "red", "suppress_zero": "yes",
                              "label": ""})
    problems = err.value.problems
    assert len(problems) == 4
    assert any("colour" in p for p in problems)
    assert any("at least 2" in p for p in problems)
    assert any("suppress_zero" in p for p in problems)
    assert any(p.startswith("label") for p in problems)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("entry", [{"threshold": "5"}, {"threshold": 5.0},
                                   {"threshold": True}, {}, {"threshold": 2}, [5]])
def test_parse_rejects(entry):
    with pytest.raises(DisclosureError):
        DisclosureRule.parse(entry)


def test_threshold_two_is_allowed_when_zeros_are_hidden_too():
    assert DisclosureRule.parse({"threshold": 2, "suppress_zero": True}).label == "fewer than 2"


def test_bad_tables_rejected_with_every_problem():
    table = breakdown([3, 20], [30, 31], derived=False)
    table.at["Total", "previous"] = 99
    table["rate"] = 1.0
    with pytest.raises(DisclosureError) as err:
        run(table)
    problems = err.value.problems
    assert any("'rate' is not declared" in p for p in problems)
    with pytest.raises(DisclosureError, match="not the sum"):
        run(table.drop(columns="rate"))
    with pytest.raises(DisclosureError, match="non-negative whole"):
        run(breakdown([-1, 20], [30, 31], total=False, derived=False))
    with pytest.raises(DisclosureError, match="total row 'All'"):
        run(breakdown([3, 20], [30, 31], derived=False), total_row="All")
