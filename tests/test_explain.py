"""``explain``: the chain of one output, and its figures recounted from the street files."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pcc_report import cli, lineage
from pcc_report.explain import ExplainError, explain
from pcc_report.manifest import MANIFEST_NAME, input_entries

#: (month, crime type) -> rows written; the expected figures are sums of these.
ASB = "Anti-social behaviour"
ROWS = {("2022-08", "Burglary"): 7, ("2022-08", "Robbery"): 3, ("2022-08", ASB): 5,
        ("2022-09", "Burglary"): 4, ("2022-09", "Robbery"): 6, ("2022-09", ASB): 2}
BURGLARY = sum(n for (_, t), n in ROWS.items() if t == "Burglary")
SEPTEMBER_CRIME = sum(n for (m, t), n in ROWS.items() if m == "2022-09" and t != ASB)


def _report(tmp_path: Path, gz: bool = True) -> tuple[Path, Path]:
    """A report folder whose lineage names two street files and three figures."""
    police = tmp_path / "police-uk"
    files = []
    for month in ("2022-08", "2022-09"):
        body = "Crime ID,Month,Falls within,Crime type\n" + "".join(
            f"id{month}{t[:3]}{i},{month},Testshire Police,{t}\n"
            for (m, t), n in ROWS.items() if m == month for i in range(n))
        path = police / month / f"{month}-testshire-street.csv{'.gz' if gz else ''}"
        path.parent.mkdir(parents=True)
        path.write_bytes(gzip.compress(body.encode(), mtime=0) if gz else body.encode())
        files.append(path)
    report = tmp_path / "report"
    (report / "data").mkdir(parents=True)
    inputs = input_entries(files, police)
    (report / MANIFEST_NAME).write_text(json.dumps({"inputs": inputs}))
    listed = {"files": [{"file": e["path"], "month": e["path"][:7], "rows": 15,
                         "sha256": e["sha256"]} for e in inputs]}
    both = ["2022-08", "2022-09"]
    partial = {"figures": [
        lineage.figure("Burglary", "Both months", BURGLARY, both, crime_types=["Burglary"]),
        lineage.figure("Recorded crime", "September", SEPTEMBER_CRIME, ["2022-09"],
                       exclude=[ASB]),
        lineage.figure("Calls", "Both months", 99.5, both, source="calls"),
    ]}
    record = lineage.complete(partial, "test", "table", "A test table", listed)
    (report / "data" / lineage.LINEAGE_FILE).write_text(json.dumps({record["id"]: record}))
    return report, files[1]


@pytest.mark.parametrize("gz", [True, False])
def test_every_police_uk_figure_is_recounted_and_matches(tmp_path: Path, gz: bool) -> None:
    report, _ = _report(tmp_path, gz)
    result = explain(report, "tbl-test")
    assert result.ok, result.format()
    assert (result.matched, result.mismatched) == (2, 0)
    text = result.format()
    assert f"Burglary | Both months: report {BURGLARY}, recounted {BURGLARY} matches" in text
    assert f"[2022-08: {ROWS['2022-08', 'Burglary']}, 2022-09: {ROWS['2022-09', 'Burglary']}]" \
        in text
    assert "Calls | Both months: 99.5 (force return calls" in text and "not recounted" in text


def test_an_altered_file_is_reported_and_the_figure_does_not_match(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    report, september = _report(tmp_path, gz=False)
    lines = september.read_text().splitlines(keepends=True)
    burglary = [i for i, line in enumerate(lines) if line.endswith(",Burglary\n")]
    september.write_text("".join(line for i, line in enumerate(lines) if i != burglary[0]))
    result = explain(report, "tbl-test")
    assert not result.ok
    assert result.mismatched == 2  # Burglary over both months, and September's recorded crime
    assert f"report {BURGLARY}, recounted {BURGLARY - 1} DOES NOT MATCH" in result.format()
    assert "ALTERED" in result.format()
    assert cli.main(["explain", str(report), "tbl-test"]) == 6
    assert "DOES NOT MATCH" in capsys.readouterr().out


def test_moved_inputs_are_found_under_data_root(tmp_path: Path) -> None:
    report, _ = _report(tmp_path)
    moved = tmp_path / "moved"
    (tmp_path / "police-uk").rename(moved)
    assert not explain(report, "tbl-test").ok
    assert explain(report, "tbl-test", data_root=moved).ok


def test_an_unknown_id_is_refused_with_near_names(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture) -> None:
    report, _ = _report(tmp_path)
    with pytest.raises(ExplainError, match="did you mean tbl-test"):
        explain(report, "test")
    assert cli.main(["explain", str(report), "nothing"]) == 2
    assert "no table or chart with id 'nothing'" in capsys.readouterr().err
