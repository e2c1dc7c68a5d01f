"""The auditor's proof on real builds: a signed r1, its lineage and recounts, a reissue's diff.

One module-scoped pair of builds of the demonstration report (public edition): r1 signed with
a key made in a temporary folder, then r2 reissued after rows of one crime type were removed
from one month's police.uk file. Expected values are computed here from the CSV files with
pandas and from the report's windows (:func:`pcc_report.periods.report_windows`), never read
back from the code under test.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import build_demo

from pcc_report import lineage, signing
from pcc_report.config import PROJECT_ROOT
from pcc_report.diff import Side, compare
from pcc_report.explain import explain
from pcc_report.periods import Month, report_windows
from pcc_report.verify import verify

pytestmark = pytest.mark.e2e

MONTH = "2022-03"  # inside latest_12 and last_fy, not in previous_12
TYPE = "Burglary"
REMOVED = 9
WINDOWS = report_windows(Month.parse("2022-09"))


@pytest.fixture(scope="module")
def audit(demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("audit")
    police = root / "police-uk"
    shutil.copytree(demo_data / "police-uk", police)
    key, fingerprint = signing.init_key(root / "keys" / "office.pem", [PROJECT_ROOT])
    out = root / "reports"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(signing.KEY_ENV, str(key))
        first, _ = build_demo(demo_data, out, edition="public")
        # r1 read demo_data's files (kept as they are, for explain); r2 reads the copy, changed
        file = next(police.glob(f"{MONTH}/*street.csv"))
        lines = file.read_text(encoding="utf-8").splitlines(keepends=True)
        hits = [i for i, line in enumerate(lines) if f",{TYPE}," in line][:REMOVED]
        removed = _places(pd.read_csv(file, dtype=str, keep_default_na=False).iloc[
            [i - 1 for i in hits]])
        file.write_text("".join(line for i, line in enumerate(lines) if i not in hits),
                        encoding="utf-8")
        from pcc_report.build import RunRequest, run_report

        second = run_report(RunRequest(
            force="demoshire", quarter="2022-23-Q2", police_uk=police,
            returns=demo_data / "returns", out=out, edition="public",
            reissue="Burglary rows withdrawn by the force"), progress=lambda m: None)
    return {"r1": first.report_dir, "r2": second.report_dir, "key": key,
            "fingerprint": fingerprint, "police_r1": demo_data / "police-uk",
            "file": file, "root": root, "removed": removed}


def _places(rows: pd.DataFrame) -> pd.DataFrame:
    """Street rows with the district (LSOA name less its last token) and the raw outcome."""
    place = rows["LSOA name"].str.strip()
    return pd.DataFrame({
        "crime_type": rows["Crime type"],
        "district": place.str.replace(r"\s+\S+$", "", regex=True).where(place != "",
                                                                          "No location"),
        "outcome": rows["Last outcome category"].str.strip()})


def test_r1_is_signed_and_its_paper_prints_the_digest_and_key(audit: dict) -> None:
    report = audit["r1"]
    result = verify(report, reexecute=False, progress=lambda m: None, require_signature=True,
                    fingerprint=audit["fingerprint"])
    assert result.ok, result.format()
    assert result.signature == f"signed by {audit['fingerprint']}"
    manifest = json.loads((report / "manifest.json").read_text())
    short = manifest["evidence"]["short"]
    page_one = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout",
                               str(next(report.glob("*.pdf"))), "-"],
                              capture_output=True, text=True, check=True).stdout
    assert short in page_one and audit["fingerprint"] in page_one
    front = (report / "html" / "front-sheet.html").read_text()
    assert short in front and audit["fingerprint"] in front


def test_the_public_edition_holds_no_private_key(audit: dict) -> None:
    secret = b"".join(audit["key"].read_bytes().splitlines()[1:-1])
    for path in audit["r1"].rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes().replace(b"\n", b""), path
    assert not any(p.suffix == ".pem" for p in audit["r1"].rglob("*"))


def _passing(rows: pd.DataFrame, figure: dict) -> int:
    """How many of the rows pass the figure's filter (types, districts, outcomes)."""
    if figure["crime_types"]:
        keep = rows["crime_type"].isin(figure["crime_types"])
    else:
        keep = ~rows["crime_type"].isin(figure["exclude_crime_types"] or [])
    if figure.get("districts"):
        keep &= rows["district"].isin(figure["districts"])
    if figure.get("outcomes"):
        keep &= rows["outcome"].isin(figure["outcomes"])
    return int(keep.sum())


def _counted(folder: Path, months: list[str], figure: dict) -> int:
    """Rows of the months' CSV files passing the figure's filter (pandas)."""
    total = 0
    for month in months:
        for path in folder.glob(f"{month}/*-street.csv"):
            rows = pd.read_csv(path, dtype=str, keep_default_na=False)
            total += _passing(_places(rows), figure)
    return total


def test_a_part2_figure_names_exactly_its_files_and_months_and_explain_recounts_it(
    audit: dict,
) -> None:
    report, police = audit["r1"], audit["police_r1"]
    records = json.loads((report / "data" / "lineage.json").read_text())
    part2 = records["tbl-part2-performance"]
    assert part2["notebook"] == "notebooks/performance.ipynb"
    police_figures = [f for f in part2["figures"] if f["source"] == lineage.POLICE_UK]
    assert police_figures
    for f in police_figures:
        assert f["months"] == [str(m) for m in WINDOWS[f["window"]].months]
        assert f["value"] == _counted(police, f["months"], f), f
    months = sorted({m for f in part2["figures"] for m in f["months"]})
    expected = sorted(p.relative_to(police).as_posix() for m in months
                      for p in police.glob(f"{m}/*-street.csv"))
    street = [i for i in part2["inputs"] if not i.get("kind")]
    assert sorted(i["file"] for i in street) == expected
    for entry in street:
        assert entry["sha256"] == hashlib.sha256((police / entry["file"]).read_bytes()).hexdigest()
    returned = {f"data/returns/{f['source']}.csv" for f in part2["figures"]
                if f["source"] != lineage.POLICE_UK}
    assert {i["file"] for i in part2["inputs"] if i.get("kind") == "force return"} == returned
    for entry in part2["inputs"]:
        if entry.get("kind"):
            assert entry["sha256"] == hashlib.sha256((report / entry["file"]).read_bytes()
                                                     ).hexdigest()
    result = explain(report, "tbl-part2-performance")
    assert result.ok and result.matched == len(police_figures), result.format()


def test_explain_reports_a_mismatch_when_a_counted_file_changed(audit: dict) -> None:
    changed = explain(audit["r1"], "tbl-part2-performance", data_root=audit["file"].parents[1])
    assert not changed.ok and changed.mismatched > 0
    assert "DOES NOT MATCH" in changed.format()


def _removed_under(figure: dict, removed: pd.DataFrame) -> int:
    """How many removed rows the figure counted: from its window (or months) and filter."""
    window = figure.get("window")
    months = [str(m) for m in WINDOWS[window].months] if window in WINDOWS else figure["months"]
    if MONTH not in months or figure["source"] != lineage.POLICE_UK or figure["value"] is None:
        return 0
    return _passing(removed, figure)


def test_the_reissue_diff_lists_the_file_month_and_exactly_the_figures_it_changed(
    audit: dict,
) -> None:
    found = compare(Side.of(audit["r1"]), Side.of(audit["r2"]))
    relative = audit["file"].relative_to(audit["file"].parents[1]).as_posix()
    [changed] = [i for i in found.inputs if i["file"] == relative]
    assert changed["month"] == MONTH
    assert changed["old_rows"] - changed["new_rows"] == REMOVED
    assert [i["file"] for i in found.inputs] == [relative]
    old = json.loads((audit["r1"] / "data" / "lineage.json").read_text())
    expected = {(oid, f["row"], f["column"]): _removed_under(f, audit["removed"])
                for oid, record in old.items() for f in record.get("figures", [])}
    expected = {key: n for key, n in expected.items() if n}
    assert expected and any(key[0] == "fig-recorded-crime-by-district" for key in expected)
    assert {(f["id"], f["row"], f["column"]) for f in found.figures} == set(expected)
    for f in found.figures:
        assert f["old"] - f["new"] == expected[f["id"], f["row"], f["column"]], f


def test_the_reissue_book_says_what_changed_beside_the_reason(audit: dict) -> None:
    page = (audit["r2"] / "html" / "what-changed.html").read_text()
    text = re.sub(r"<[^>]+>", "", page)
    assert "What changed since r1" in text
    assert "Burglary rows withdrawn by the force" in text
    assert audit["file"].name in text
    result = verify(audit["r2"], reexecute=False, progress=lambda m: None,
                    require_signature=True)
    assert result.ok, result.format()


#: Tables shown from files, not counted from the monthly table: they name their files.
SOURCE_TABLES = ("tbl-measure-definitions", "tbl-input-files", "tbl-validation-rules",
                 "tbl-validation-warnings", "tbl-audit-inputs", "tbl-part3-funding",
                 "tbl-part3-scrutiny-plan", "tbl-peer-comparison")


def test_every_output_names_its_inputs_and_every_figure_table_its_figures(audit: dict) -> None:
    report = audit["r1"]
    records = json.loads((report / "data" / "lineage.json").read_text())
    assert {"tbl-dashboard", "tbl-outcomes", "fig-spc-burglary",
            "tbl-priority-tackle-crime-comparisons"} <= set(records)
    for output_id, record in records.items():
        assert record["inputs"], output_id
        if output_id in SOURCE_TABLES or output_id.endswith("-breakdown"):
            assert all(i["kind"] == "source" and i["sha256"] for i in record["inputs"]), record
            assert "figures" not in record
        else:
            assert record["figures"], output_id
            assert "not recorded" not in record["filter"], output_id
    pdf = subprocess.run(["pdftotext", str(next(report.glob("*.pdf"))), "-"],
                         capture_output=True, text=True, check=True).stdout
    # an id may break at one of its hyphens, which pdftotext then drops: compare without them
    joined = "".join(pdf.split()).replace("-", "")
    charts = [i for i in records if i.startswith("fig-")]
    assert charts and all(f"(id{i.replace('-', '')})" in joined for i in charts)


@pytest.mark.parametrize("output_id", ["tbl-recorded-crime-by-district", "fig-spc-burglary",
                                       "tbl-outcome-groups"])
def test_explain_recounts_district_outcome_and_spc_figures_equal(audit: dict,
                                                                 output_id: str) -> None:
    report, police = audit["r1"], audit["police_r1"]
    record = json.loads((report / "data" / "lineage.json").read_text())[output_id]
    counted = [f for f in record["figures"] if f["value"] is not None]
    assert counted
    for f in counted:
        assert f["value"] == _counted(police, f["months"], f), f
    result = explain(report, output_id)
    assert result.ok and result.matched == len(counted), result.format()


def test_explain_names_a_force_return_chart_as_not_recounted(audit: dict) -> None:
    result = explain(audit["r1"], "fig-spc-calls-999")
    text = result.format()
    assert result.ok and result.matched == 0
    assert "force return: not recounted" in text and "data/returns/calls.csv" in text
