"""The lineage builders of districts, outcomes, comparisons, SPC charts and source tables.

Expected values are pandas sums over a small tidy frame written here, never read back from
the builder under test; the explain recount of a district and an outcome figure is checked
against street rows written here too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from pcc_report import crime, lineage
from pcc_report.explain import explain
from pcc_report.manifest import MANIFEST_NAME, input_entries
from pcc_report.periods import Month, report_windows
from pcc_report.present import Outputs

END = Month.parse("2022-09")
WINDOWS = report_windows(END, baseline_fy=2019)
ASB = "Anti-social behaviour"
DISTRICTS = ("Ashby", "Barton", "Cole")


def _ctx(tidy: pd.DataFrame) -> SimpleNamespace:
    return SimpleNamespace(windows=WINDOWS, tidy=tidy, missing_in=lambda window: [],
                           label=lambda key: WINDOWS[key].label)


def _months(key: str) -> list[str]:
    return [str(m) for m in WINDOWS[key].months]


def _tidy() -> pd.DataFrame:
    """Two years of rows: three districts (one tiny), two crime types, ASB, two outcomes."""
    rows = []
    for i, month in enumerate(_months("previous_12") + _months("latest_12")):
        for district, scale in zip(DISTRICTS, (10, 6, 0), strict=True):
            rows += [
                {"month": month, "district": district, "crime_type": "Burglary",
                 "outcome": "Under investigation", "count": scale * (i + 1)},
                {"month": month, "district": district, "crime_type": "Robbery",
                 "outcome": None, "count": scale // 2 + 1},
                {"month": month, "district": district, "crime_type": ASB,
                 "outcome": None, "count": 4},
            ]
    return pd.DataFrame(rows)


def _sum(tidy: pd.DataFrame, months: list[str], **equal: object) -> int:
    rows = tidy[tidy["month"].isin(months) & (tidy["crime_type"] != ASB)]
    for column, value in equal.items():
        rows = rows[rows[column].isin(value if isinstance(value, list) else [value])]
    return int(rows["count"].sum())


def test_districts_record_each_district_and_the_combined_row() -> None:
    tidy = _tidy()
    ctx = _ctx(tidy)
    full = crime.district_comparison(tidy, WINDOWS["latest_12"], WINDOWS["previous_12"])
    shown, minor = crime.main_districts(full, min_share=5)
    assert minor == 1  # Cole is combined
    record = lineage.districts(ctx, shown, full)
    by_place = {(f["row"], f["window"]): f for f in record["figures"]}
    ashby = by_place["Ashby", "latest_12"]
    assert ashby["districts"] == ["Ashby"] and ashby["exclude_crime_types"] == [ASB]
    assert ashby["months"] == _months("latest_12")
    assert ashby["value"] == _sum(tidy, _months("latest_12"), district="Ashby")
    assert "District = Ashby" in ashby["filter"]
    other = by_place["Other districts (1)", "previous_12"]
    assert other["districts"] == ["Cole"]
    assert other["value"] == _sum(tidy, _months("previous_12"), district="Cole")


def test_outcomes_record_each_outcome_and_each_group() -> None:
    tidy = _tidy()
    ctx = _ctx(tidy)
    groups = {"Under investigation": "Open"}
    shares = crime.outcome_shares(tidy, WINDOWS["latest_12"], groups)
    latest = _months("latest_12")
    rows = lineage.outcomes(ctx, shares, shares)["figures"]
    by_row = {f["row"]: f for f in rows}
    open_ = by_row["Open: Under investigation"]
    assert open_["outcomes"] == ["Under investigation"]
    assert open_["value"] == _sum(tidy, latest, outcome="Under investigation")
    blank = by_row["Other outcome: No outcome recorded"]
    assert blank["outcomes"] == [""]  # the raw file's blank "Last outcome category"
    assert blank["value"] == int(tidy[tidy.month.isin(latest) & (tidy.crime_type != ASB)
                                      & tidy.outcome.isna()]["count"].sum())
    by_group = crime.outcome_group_totals(shares)
    grouped = {f["row"]: f for f in lineage.outcomes(ctx, by_group, shares)["figures"]}
    assert grouped["Other outcome"]["outcomes"] == [""]
    assert grouped["Open"]["value"] == open_["value"]


def _window_value(key: str, value: float, numerator: float) -> SimpleNamespace:
    return SimpleNamespace(window=WINDOWS[key], value=value, numerator=numerator, missing=())


def test_comparisons_and_dashboard_record_both_sides_of_each_comparison() -> None:
    measure = SimpleNamespace(id="burglary", title="Burglary", source=lineage.POLICE_UK,
                              crime_types=("Burglary",), exclude_crime_types=())
    comparison = SimpleNamespace(current=_window_value("latest_12", 120, 120),
                                 comparator=_window_value("previous_12", 100, 100))
    baseline = SimpleNamespace(current=_window_value("latest_12", 120, 120),
                               comparator=_window_value("baseline", 90, 90))
    a = SimpleNamespace(measure=measure, comparisons={
        "latest_12_vs_previous_12": comparison, "latest_12_vs_baseline": baseline})
    every = lineage.comparisons(_ctx(_tidy()), [a])
    assert [(f["column"], f["value"]) for f in every["figures"]] == [
        ("latest_12_vs_previous_12 current", 120), ("latest_12_vs_previous_12 comparator", 100),
        ("latest_12_vs_baseline current", 120), ("latest_12_vs_baseline comparator", 90)]
    assert every["figures"][3]["months"] == [str(m) for m in WINDOWS["baseline"].months]
    dashboard = lineage.dashboard(_ctx(_tidy()), [a])
    assert [f["value"] for f in dashboard["figures"]] == [120, 90]
    assert dashboard["measures"] == ["burglary"]


def test_an_spc_chart_records_each_point_and_a_return_chart_names_its_return(
    tmp_path: Path,
) -> None:
    points = tuple(SimpleNamespace(label=m, value=float(n)) for n, m in
                   enumerate(["2022-07", "2022-08", "2022-09"], start=5))
    police = SimpleNamespace(measure=SimpleNamespace(
        id="burglary", source=lineage.POLICE_UK, crime_types=("Burglary",),
        exclude_crime_types=()), spc=SimpleNamespace(points=points))
    record = lineage.spc(police)
    assert [(f["row"], f["months"], f["value"]) for f in record["figures"]] == [
        ("2022-07", ["2022-07"], 5), ("2022-08", ["2022-08"], 6), ("2022-09", ["2022-09"], 7)]
    assert record["measures"] == ["burglary"]
    assert record["windows"]["spc"]["months"] == ["2022-07", "2022-08", "2022-09"]
    calls = SimpleNamespace(measure=SimpleNamespace(
        id="calls-999", source="calls", crime_types=(), exclude_crime_types=()),
        spc=SimpleNamespace(points=points))
    data = tmp_path / "data"
    (data / "returns").mkdir(parents=True)
    (data / "returns" / "calls.csv").write_text("month,calls\n2022-07,5\n")
    (data / "inputs.json").write_text(json.dumps({"files": [
        {"file": "2022-08/x.csv", "month": "2022-08", "rows": 1, "sha256": "ab" * 32}]}))
    full = Outputs(data / "tables").lineage_record(lineage.spc(calls), "spc-calls-999",
                                                   "chart", "Calls")
    assert full["inputs"] == [{
        "file": "data/returns/calls.csv", "month": "2022-07..2022-09", "kind": "force return",
        "rows": None,
        "sha256": hashlib.sha256((data / "returns" / "calls.csv").read_bytes()).hexdigest()}]
    assert all(f["source"] == "calls" for f in full["figures"])


def test_a_source_table_names_its_files_with_their_hashes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "inputs.json").write_text(json.dumps({"files": [
        {"file": "2022-08/x.csv", "month": "2022-08", "rows": 1, "sha256": "ab" * 32}]}))
    elsewhere = tmp_path / "measures.yml"
    elsewhere.write_text("measures: []\n")
    full = Outputs(data / "tables").lineage_record(
        lineage.sources("data/inputs.json", elsewhere), "input-files", "table", "Inputs")
    assert [(i["file"], i["kind"]) for i in full["inputs"]] == [
        ("data/inputs.json", "source"), ("measures.yml", "source")]
    assert full["inputs"][1]["sha256"] == hashlib.sha256(b"measures: []\n").hexdigest()
    assert "figures" not in full
    # no path of the machine or checkout that built it: the report is the same from any folder
    assert str(tmp_path) not in json.dumps(full)


def test_a_project_file_is_named_from_the_project_root() -> None:
    """The definitions table's catalogue: named ``config/measures.yml`` and hashed, whichever
    folder the project was checked out in."""
    from pcc_report import catalogue

    full = Outputs(Path("data") / "tables").lineage_record(
        lineage.sources(catalogue.CATALOGUE_PATH), "measure-definitions", "table", "Defs")
    assert [(i["file"], i["kind"]) for i in full["inputs"]] == [("config/measures.yml", "source")]
    assert full["inputs"][0]["sha256"] == hashlib.sha256(
        catalogue.CATALOGUE_PATH.read_bytes()).hexdigest()
    assert str(catalogue.CATALOGUE_PATH.parent) not in json.dumps(full)


def _street(tmp_path: Path) -> tuple[Path, dict]:
    """One month's street file: (LSOA name, crime type, outcome) rows, and its report."""
    rows = [("Ashby 001A", "Burglary", "Under investigation")] * 4 + \
        [("Ashby 002B", "Robbery", "")] * 3 + [("Barton 001A", "Burglary", "")] * 5 + \
        [("", "Burglary", "Under investigation")] * 2 + [("Ashby 001A", ASB, "")] * 6
    body = "Crime ID,Month,LSOA name,Crime type,Last outcome category\n" + "".join(
        f"id{i},2022-09,{place},{kind},{outcome}\n"
        for i, (place, kind, outcome) in enumerate(rows))
    police = tmp_path / "police-uk"
    path = police / "2022-09" / "2022-09-testshire-street.csv"
    path.parent.mkdir(parents=True)
    path.write_text(body)
    report = tmp_path / "report"
    (report / "data").mkdir(parents=True)
    inputs = input_entries([path], police)
    (report / MANIFEST_NAME).write_text(json.dumps({"inputs": inputs}))
    listed = {"files": [{"file": inputs[0]["path"], "month": "2022-09", "rows": len(rows),
                         "sha256": inputs[0]["sha256"]}]}
    return report, listed


def test_explain_recounts_district_and_outcome_figures_and_names_return_figures(
    tmp_path: Path,
) -> None:
    report, listed = _street(tmp_path)
    sept = ["2022-09"]
    partial = {"figures": [
        lineage.figure("Ashby", "Sep", 7, sept, exclude=[ASB], districts=["Ashby"]),
        lineage.figure("No location", "Sep", 2, sept, exclude=[ASB], districts=["No location"]),
        lineage.figure("None recorded", "Sep", 8, sept, exclude=[ASB], outcomes=[""]),
        lineage.figure("Calls", "Sep", 41.5, sept, source="calls"),
    ]}
    record = lineage.complete(partial, "mixed", "table", "Mixed", listed, report / "data")
    (report / "data" / lineage.LINEAGE_FILE).write_text(json.dumps({record["id"]: record}))
    result = explain(report, "tbl-mixed")
    assert result.ok and result.matched == 3, result.format()
    text = result.format()
    assert "force return: not recounted" in text
    assert "data/returns/calls.csv  (force return  2022-09)" in text
    wrong = dict(record, figures=[dict(partial["figures"][0], value=8)])
    (report / "data" / lineage.LINEAGE_FILE).write_text(json.dumps({record["id"]: wrong}))
    assert explain(report, "tbl-mixed").mismatched == 1
