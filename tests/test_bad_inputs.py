"""Bad inputs give a clear error naming file, line, column and rule, and publish nothing."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from streetfiles import HEADER, row, write_street_file

from pcc_report.cli import main

QUARTER = "2022-23-Q2"
MONTHS = [f"{2020 + (9 + i) // 12:04d}-{(9 + i) % 12 + 1:02d}" for i in range(24)]  # 2020-10..


def _good_data(root: Path) -> Path:
    assert MONTHS[0] == "2020-10" and MONTHS[-1] == "2022-09"
    for month in MONTHS:
        rows = [row(month, "Burglary", "Preston 001A"), row(month, "Robbery", "Chorley 002B"),
                row(month, "Anti-social behaviour", "Preston 001A"),
                row(month, "Shoplifting", "")] * 5
        write_street_file(root / month / f"{month}-testshire-street.csv", rows)
    return root


def _run(root: Path, out: Path, capsys) -> tuple[int, str]:
    code = main(["run", "--force", "testshire", "--quarter", QUARTER, "--police-uk", str(root),
                 "--out", str(out)])
    return code, capsys.readouterr().err


def _file(root: Path, month: str) -> Path:
    return root / month / f"{month}-testshire-street.csv"


def _assert_nothing_published(out: Path) -> None:
    assert not (out / "testshire").exists()
    assert not (out / ".staging").exists()


def test_wrong_header(tmp_path, capsys) -> None:
    root = _good_data(tmp_path / "data")
    header = [("Crime Type" if c == "Crime type" else c) for c in HEADER]
    write_street_file(_file(root, "2021-03"), [row("2021-03")], header=header)
    code, err = _run(root, tmp_path / "out", capsys)
    assert code == 3
    assert "2021-03/2021-03-testshire-street.csv" in err
    assert "Crime type" in err and "Crime Type" in err
    _assert_nothing_published(tmp_path / "out")


def test_unknown_crime_type_names_file_line_and_value(tmp_path, capsys) -> None:
    root = _good_data(tmp_path / "data")
    rows = [row("2021-05"), row("2021-05"), row("2021-05", crime_type="Jaywalking")]
    write_street_file(_file(root, "2021-05"), rows)
    code, err = _run(root, tmp_path / "out", capsys)
    assert code == 3
    assert "Crime type" in err and "Jaywalking" in err
    assert "2021-05/2021-05-testshire-street.csv" in err and "4" in err  # line 4
    _assert_nothing_published(tmp_path / "out")


def test_month_not_matching_its_file(tmp_path, capsys) -> None:
    root = _good_data(tmp_path / "data")
    write_street_file(_file(root, "2021-06"), [row("2021-06"), row("2021-07")])
    code, err = _run(root, tmp_path / "out", capsys)
    assert code == 3
    assert "Month" in err and "2021-07" in err and "2021-06-testshire-street.csv" in err
    _assert_nothing_published(tmp_path / "out")


def test_corrupt_gzip(tmp_path, capsys) -> None:
    root = _good_data(tmp_path / "data")
    _file(root, "2021-08").unlink()
    data = gzip.compress(_file(root, "2021-09").read_bytes(), mtime=0)
    (root / "2021-08" / "2021-08-testshire-street.csv.gz").write_bytes(data[: len(data) // 2])
    code, err = _run(root, tmp_path / "out", capsys)
    assert code == 3
    assert "2021-08-testshire-street.csv.gz" in err and "gzip" in err.lower()
    _assert_nothing_published(tmp_path / "out")


def test_empty_file(tmp_path, capsys) -> None:
    root = _good_data(tmp_path / "data")
    _file(root, "2022-01").write_bytes(b"")
    code, err = _run(root, tmp_path / "out", capsys)
    assert code == 3
    assert "2022-01-testshire-street.csv" in err and "empty" in err.lower()
    _assert_nothing_published(tmp_path / "out")


def test_non_numeric_latitude(tmp_path, capsys) -> None:
    root = _good_data(tmp_path / "data")
    write_street_file(_file(root, "2022-02"), [row("2022-02"), row("2022-02", lat="north")])
    code, err = _run(root, tmp_path / "out", capsys)
    assert code == 3
    assert "Latitude" in err and "north" in err and "2022-02-testshire-street.csv" in err
    _assert_nothing_published(tmp_path / "out")


def test_period_outside_the_quarter_is_a_usage_error(tmp_path, capsys) -> None:
    root = _good_data(tmp_path / "data")
    code = main(["run", "--force", "testshire", "--quarter", QUARTER, "--period-end", "2022-11",
                 "--police-uk", str(root), "--out", str(tmp_path / "out")])
    assert code == 2
    assert "outside 2022-23-Q2" in capsys.readouterr().err
    _assert_nothing_published(tmp_path / "out")


@pytest.mark.parametrize("args", [["run", "--help"], ["--help"]])
def test_help_documents_the_options(args, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes" in out
    if args[0] == "run":
        assert "--period-end" in out and "--allow-missing" in out and "--police-uk" in out
