"""Tests for the narrative's placeholders (pcc_report.placeholders).

The figures a placeholder writes are checked against the tables' own cells and against an
independent count of the demonstration CSV files (pandas over the rows, not the package).
"""

from __future__ import annotations

import glob

import pandas as pd
import pytest

from pcc_report import catalogue, ingest, measures, placeholders, returns, tables
from pcc_report.crime import load_tidy
from pcc_report.periods import Month

IDS = ["burglary", "robbery", "vehicle-crime", "restorative-justice-referrals"]
END = Month.parse("2022-09")


@pytest.mark.parametrize(("text", "found"), [
    ("There were {{ burglary.latest_12 }} burglaries", [("burglary", "latest_12")]),
    ("{{vehicle-crime.change}} and {{  robbery.rating  }}",
     [("vehicle-crime", "change"), ("robbery", "rating")]),
    ("no placeholder, {single} braces", []),
])
def test_find_reads_every_placeholder(text, found):
    assert [(p.measure, p.field) for p in placeholders.find(text)] == found


@pytest.mark.parametrize("text", [
    "{{ burglary.latest_12 }", "{{ Burglary.latest_12 }}", "{{ burglary latest_12 }}",
    "{{ burglary.latest_12 }} and {{ robbery }}", "}} stray",
])
def test_malformed_placeholder_names_its_line(text):
    with pytest.raises(placeholders.PlaceholderProblem, match="malformed placeholder") as info:
        placeholders.find("first line\n\n" + text)
    assert info.value.line == 3


def test_unknown_measure_suggests_the_closest():
    with pytest.raises(placeholders.PlaceholderProblem,
                       match="unknown measure 'burglry'.*did you mean 'burglary'") as info:
        placeholders.check(placeholders.find("a\n{{ burglry.latest_12 }}"), IDS)
    assert info.value.line == 2


@pytest.mark.parametrize(("field", "suggestion"), [("latest_21", "latest_12"),
                                                   ("ratings", "rating"), ("spcc", "spc")])
def test_unknown_window_or_field_suggests_the_closest(field, suggestion):
    with pytest.raises(placeholders.PlaceholderProblem,
                       match=f"unknown window or field '{field}'.*did you mean '{suggestion}'"):
        placeholders.check(placeholders.find(f"{{{{ burglary.{field} }}}}"), IDS)


def test_every_window_the_tables_show_is_a_field():
    shown = set(tables.COMPARISON_NAMES) | {"previous_12_vs_prior_12"}
    windows = {w for key in shown for w in measures.COMPARISONS[key]} | {"last_fy"}
    assert windows <= set(placeholders.FIELDS)
    assert {"change", "rating", "spc"} <= set(placeholders.FIELDS)


def test_values_are_escaped_as_plain_markdown():
    assert placeholders.escape_markdown("Green ↓ (no *change*) 2.3%") == \
        r"Green ↓ \(no \*change\*\) 2\.3\%"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demonstration data assessed by the package, and the raw CSV rows read by pandas."""
    from pcc_report import demo as generator

    root = tmp_path_factory.mktemp("demo")
    generator.generate(root)
    files = ingest.select_files(ingest.discover_street_files(root / "police-uk", "demoshire"),
                                END)
    tidy_path = root / "tidy.parquet"
    ingest.write_parquet(ingest.tidy_monthly(ingest.read_street_files(files)), tidy_path)
    measured = catalogue.load_catalogue()
    kwargs = {"tidy": load_tidy(tidy_path), "returns": returns.load_returns(root / "returns"),
              "period_end": END}
    rows = pd.concat(pd.read_csv(f) for f in sorted(glob.glob(
        str(root / "police-uk" / "*" / "*-street.csv"))))
    return {
        "public": measures.assess_all(measured, edition="public", **kwargs),
        "restricted": measures.assess_all(measured, edition="restricted", **kwargs),
        "rows": rows,
    }


def test_a_police_uk_figure_is_the_count_of_the_input_rows(demo):
    rows = demo["rows"]
    latest = rows[(rows["Crime type"] == "Burglary") & (rows["Month"] >= "2021-10")
                  & (rows["Month"] <= "2022-09")]
    previous = rows[(rows["Crime type"] == "Burglary") & (rows["Month"] >= "2020-10")
                    & (rows["Month"] <= "2021-09")]
    text = placeholders.substitute(
        "{{ burglary.latest_12 }} / {{ burglary.previous_12 }} / {{ burglary.change }}",
        demo["public"], "public")
    diff = len(latest) - len(previous)
    word = "up" if diff > 0 else "down"
    pct = abs(diff) / len(previous) * 100
    expected = [f"{len(latest):,}", f"{len(previous):,}", f"{word} {pct:.1f}% ({abs(diff):,})"]
    assert text == " / ".join(placeholders.escape_markdown(e) for e in expected)


def test_every_field_is_the_tables_cell(demo):
    """The Part 2 and comparisons tables print exactly what the placeholders write."""
    own = [a for a in demo["public"] if a.measure.id == "burglary"]
    part2 = tables.part2_table(own).iloc[0]
    comparisons = tables.comparisons_table(own).set_index("Comparison")

    def resolved(field):
        return placeholders.substitute(f"{{{{ burglary.{field} }}}}", demo["public"], "public")

    esc = placeholders.escape_markdown
    assert resolved("latest_12") == esc(part2.iloc[4])
    assert resolved("previous_12") == esc(part2.iloc[2])
    assert resolved("last_fy") == esc(part2.iloc[6])
    assert resolved("rating") == esc(part2["Rating (against previous 12 months)"])
    quarter = comparisons.loc["Latest quarter against the previous quarter"]
    assert resolved("latest_quarter") == esc(quarter["Value"])
    assert resolved("previous_quarter") == esc(quarter["Comparator value"])
    dashboard = tables.dashboard_table(own).iloc[0]
    assert resolved("spc") == esc(dashboard["SPC variation"])


def test_a_withheld_measure_never_writes_its_figure_in_the_public_edition(demo):
    text = "RJ: {{ restorative-justice-referrals.latest_12 }}"
    restricted = placeholders.substitute(text, demo["restricted"], "restricted")
    public = placeholders.substitute(text, demo["public"], "public",
                                     [m.id for m in demo["public"].withheld])
    figure = restricted.removeprefix("RJ: ")
    assert any(ch.isdigit() for ch in figure)  # the restricted edition shows the count
    assert public == "RJ: " + placeholders.escape_markdown(placeholders.withheld_wording("public"))
    assert figure not in public


def test_a_measure_without_data_writes_not_available(demo):
    empty = measures.assess_all(catalogue.load_catalogue(), demo["public"][0].series.iloc[:0],
                                {}, END)
    text = placeholders.substitute("{{ calls-999.latest_12 }} {{ calls-999.change }}", empty,
                                   "public")
    assert text == "not available not available"
