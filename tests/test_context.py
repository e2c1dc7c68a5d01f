"""SectionContext: loading a report's data folder, period labels, and the source notes.

The data folder is made the way the build makes it: real police.uk-format street files read
and tidied by ingest, and the inputs list the build writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streetfiles import row, write_street_file

from pcc_report import ingest
from pcc_report.context import INPUTS_FILE, TIDY_FILE, SectionContext
from pcc_report.periods import Month, Quarter, report_windows
from pcc_report.sections import REGISTRY
from pcc_report.tables import INCOMPLETE

MONTHS = ["2022-07", "2022-08", "2022-09"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("context")
    for month in MONTHS:
        write_street_file(root / "police-uk" / month / f"{month}-testshire-street.csv",
                          [row(month, "Burglary"), row(month, "Robbery", "Chorley 002B")])
    files = ingest.discover_street_files(root / "police-uk", "testshire")
    data = root / "data"
    ingest.write_parquet(ingest.tidy_monthly(ingest.read_street_files(files)), data / TIDY_FILE)
    (data / INPUTS_FILE).write_text(json.dumps({
        "falls_within": "Testshire Police",
        "files": [{"file": f.relative, "month": f.month, "rows": 2} for f in files],
        "returns": ["calls.csv", "victim_satisfaction.csv"],
    }))
    return data


def _load(data_dir: Path, incomplete: tuple[str, ...] = ()) -> SectionContext:
    return SectionContext.load("testshire", "2022-23-Q2", "2022-09", str(data_dir),
                               list(incomplete), "12 December 2022", "restricted")


def test_load_reads_the_data_folder_and_the_parameters(data_dir: Path) -> None:
    ctx = _load(data_dir)
    assert ctx.force.name == "Testshire Police"  # no config file: named from the data
    assert ctx.quarter == Quarter.parse("2022-23-Q2") and ctx.period_end == Month(2022, 9)
    assert ctx.windows == report_windows(Month(2022, 9), ctx.force.baseline_fy)
    assert sorted(ctx.tidy["month"].unique()) == MONTHS
    assert ctx.tidy["count"].sum() == 2 * len(MONTHS)
    assert (ctx.meeting, ctx.edition) == ("12 December 2022", "restricted")
    assert ctx.priority_titles == {p.id: p.title for p in ctx.force.priorities}


def test_labels_mark_windows_with_missing_months(data_dir: Path) -> None:
    ctx = _load(data_dir, incomplete=("2022-08", "2021-01"))
    latest, previous = ctx.windows["latest_12"], ctx.windows["previous_12"]
    assert ctx.missing_in(latest) == ["2022-08"]
    assert ctx.missing_in(previous) == ["2021-01"]
    assert ctx.missing_in(ctx.windows["latest_quarter"]) == ["2022-08"]
    assert ctx.label("latest_12") == f"{latest.label} ({INCOMPLETE}: no data for 2022-08)"
    complete = _load(data_dir)
    assert complete.missing_in(latest) == [] and complete.label("latest_12") == latest.label


def test_source_notes_name_the_returns_only_for_sections_registered_as_reading_them(
    data_dir: Path,
) -> None:
    ctx = _load(data_dir)
    for spec in REGISTRY:
        note = ctx.source_note(spec.template)
        assert note.startswith(f"Source: computed by the section notebook {spec.template} ")
        assert f"built from the {len(MONTHS)} police.uk files" in note
        names_returns = "and the force returns (calls.csv, victim_satisfaction.csv)" in note
        assert names_returns == spec.reads_returns, spec.template
    assert any(spec.reads_returns for spec in REGISTRY)
    assert not all(spec.reads_returns for spec in REGISTRY)
    with pytest.raises(KeyError):
        ctx.source_note("unregistered.ipynb")


def test_a_section_reading_returns_when_none_were_supplied_says_so(
    data_dir: Path, tmp_path: Path
) -> None:
    own = tmp_path / "data"
    own.mkdir()
    (own / TIDY_FILE).write_bytes((data_dir / TIDY_FILE).read_bytes())
    inputs = json.loads((data_dir / INPUTS_FILE).read_text())
    (own / INPUTS_FILE).write_text(json.dumps({**inputs, "returns": []}))
    [reader] = [s for s in REGISTRY if s.reads_returns][:1]
    assert "and the force returns (none supplied)" in _load(own).source_note(reader.template)


def test_a_prioritys_assessments_are_what_every_measures_assessments_hold_for_it(
    demo_report: dict,
) -> None:
    """A priority's page assesses only its own measures: each one exactly as assessing every
    measure of the edition gives it (compared by their pickled bytes: series, windows,
    comparisons and SPC), in catalogue order."""
    import pickle

    ctx = SectionContext.load("demoshire", "2022-23-Q2", "2022-09",
                              str(demo_report["report"] / "data"))
    everything = ctx.assessments
    assert {a.measure.priority for a in everything} == {p.id for p in ctx.force.priorities}
    for priority in ctx.force.priorities:
        own = ctx.priority_assessments(priority)
        expected = [a for a in everything if a.measure.priority == priority.id]
        assert [a.measure.id for a in own] == [a.measure.id for a in expected]
        assert [pickle.dumps(a) for a in own] == [pickle.dumps(a) for a in expected]
