"""Lineage records: what the builders record, the HTML disclosure, collecting from notebooks."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
from IPython.core.interactiveshell import InteractiveShell

from pcc_report import crime, lineage
from pcc_report.periods import Month, report_windows
from pcc_report.present import Outputs

END = Month.parse("2022-09")
ASB = "Anti-social behaviour"


def _ctx(tidy: pd.DataFrame, missing: tuple[str, ...] = ()) -> SimpleNamespace:
    windows = report_windows(END)

    def missing_in(window):  # noqa: ANN001, ANN202
        return sorted({str(m) for m in window.months} & set(missing))

    return SimpleNamespace(windows=windows, tidy=tidy, missing_in=missing_in,
                           label=lambda key: windows[key].label)


def _tidy() -> pd.DataFrame:
    months = [str(m) for m in report_windows(END)["previous_12"].months] + \
        [str(m) for m in report_windows(END)["latest_12"].months]
    rows = [{"month": m, "crime_type": t, "count": c}
            for i, m in enumerate(months) for t, c in (("Burglary", i + 1), ("Robbery", 2),
                                                      (ASB, 5))]
    return pd.DataFrame(rows)


def test_a_comparison_records_each_row_and_window_with_its_months() -> None:
    tidy = _tidy()
    ctx = _ctx(tidy)
    latest, previous = ctx.windows["latest_12"], ctx.windows["previous_12"]
    table = crime.crime_type_comparison(tidy, latest, previous)
    record = lineage.comparison(ctx, table)
    by_place = {(f["row"], f["window"]): f for f in record["figures"]}
    burglary = by_place["Burglary", "latest_12"]
    latest_months = [str(m) for m in latest.months]
    assert burglary["months"] == latest_months
    assert burglary["crime_types"] == ["Burglary"]
    assert burglary["value"] == int(tidy[(tidy.crime_type == "Burglary")
                                         & tidy.month.isin(latest_months)]["count"].sum())
    assert burglary["filter"] == f"Crime type = Burglary; months {latest_months[0]}.." \
        f"{latest_months[-1]}"
    total = by_place[crime.ALL_CRIME, "previous_12"]
    assert total["exclude_crime_types"] == [ASB] and total["crime_types"] is None


def test_missing_months_are_not_listed_as_counted() -> None:
    ctx = _ctx(_tidy(), missing=("2022-08",))
    table = crime.crime_type_comparison(ctx.tidy, ctx.windows["latest_12"],
                                        ctx.windows["previous_12"])
    record = lineage.comparison(ctx, table)
    assert all("2022-08" not in f["months"] for f in record["figures"])


def test_measures_record_a_police_uk_count_and_a_return_value() -> None:
    window = report_windows(END)["latest_12"]
    value = SimpleNamespace(window=window, numerator=40.0, value=40.0, missing=("2022-09",))
    rate = SimpleNamespace(window=window, numerator=30.0, value=75.0, missing=())
    burglary = SimpleNamespace(measure=SimpleNamespace(
        id="burglary", title="Burglary", source=lineage.POLICE_UK, crime_types=("Burglary",),
        exclude_crime_types=()), windows={"latest_12": value})
    calls = SimpleNamespace(measure=SimpleNamespace(
        id="calls", title="Calls answered", source="calls", crime_types=(),
        exclude_crime_types=()), windows={"latest_12": rate})
    record = lineage.measures(_ctx(_tidy()), [burglary, calls], keys=("latest_12",))
    first, second = record["figures"]
    assert record["measures"] == ["burglary", "calls"]
    assert first["value"] == 40 and "2022-09" not in first["months"]
    assert len(first["months"]) == 11
    assert second["source"] == "calls" and second["value"] == 75


def test_outputs_carry_the_record_to_the_notebook_and_the_html(tmp_path: Path) -> None:
    (tmp_path / "inputs.json").write_text(json.dumps({"files": [
        {"file": "2022-09/a<b>.csv", "month": "2022-09", "rows": 3, "sha256": "ab" * 32},
        {"file": "2021-01/old.csv", "month": "2021-01", "rows": 1, "sha256": "cd" * 32}]}))
    out = Outputs(tmp_path / "tables")
    frame = pd.DataFrame({"Crime type": ["Burglary"], "n": [3]})
    partial = {"figures": [lineage.figure("Burglary", "n", 3, ["2022-09"],
                                          crime_types=["Burglary"])]}
    shown = out.table(frame, "t-1", "Caption", lineage=partial)
    data, metadata = InteractiveShell.instance().display_formatter.format(shown)
    record = metadata["pcc_report"]["lineage"]
    assert record["id"] == "tbl-t-1"
    assert [f["file"] for f in record["inputs"]] == ["2022-09/a<b>.csv"]
    assert "Where this comes from (id <code>tbl-t-1</code>)" in data["text/html"]
    assert "a&lt;b&gt;.csv" in data["text/html"] and "a<b>" not in data["text/html"]
    assert "Where this comes from" not in data["text/latex"]


def test_collect_adds_notebook_and_cell_and_refuses_duplicate_ids(tmp_path: Path) -> None:
    def notebook(name: str, ids: list[str]) -> Path:
        cells = [{"cell_type": "markdown", "source": "x"}] + [
            {"cell_type": "code", "execution_count": n + 1, "outputs": [
                {"output_type": "display_data", "data": {},
                 "metadata": lineage.metadata({"id": i}, n + 1)}]}
            for n, i in enumerate(ids)]
        path = tmp_path / f"{name}.ipynb"
        path.write_text(json.dumps({"cells": cells}))
        return path

    found = lineage.collect([notebook("a", ["x", "y"])])
    assert found["y"] == {"id": "y", "notebook": "notebooks/a.ipynb", "cell": 2,
                          "execution_count": 2}
    try:
        lineage.collect([notebook("a", ["x"]), notebook("b", ["x"])])
    except ValueError as exc:
        assert "two outputs have the id x" in str(exc)
    else:
        raise AssertionError("a duplicate id was accepted")


def test_check_catches_a_lineage_file_that_is_not_the_notebooks(tmp_path: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "data").mkdir()
    cell = {"cell_type": "code", "execution_count": 1, "outputs": [
        {"output_type": "display_data", "data": {},
         "metadata": {"text/markdown": lineage.metadata({"id": "fig-a", "value": 3}, 1)}}]}
    (tmp_path / "notebooks" / "s.ipynb").write_text(json.dumps({"cells": [cell]}))
    manifest = {"notebooks": [{"executed": "notebooks/s.ipynb"}]}
    lineage.write([tmp_path / "notebooks" / "s.ipynb"], tmp_path / "data")
    assert lineage.check(tmp_path, manifest) == []
    path = tmp_path / "data" / lineage.LINEAGE_FILE
    path.write_text(path.read_text().replace('"value": 3', '"value": 4'))
    assert lineage.check(tmp_path, manifest) == [
        "data/lineage.json differs from the lineage the executed notebooks carry"]
