"""Finding and reading police.uk files in both layouts, plain and gzipped."""

from pathlib import Path

import pytest
from streetfiles import row, write_street_file

from pcc_report import ingest
from pcc_report.periods import Month


def _month_rows(month: str) -> list[list[str]]:
    return [
        row(month, "Burglary", "Blackburn with Darwen 001A"),
        row(month, "Burglary", "Blackburn with Darwen 014C"),
        row(month, "Robbery", "Preston 002B", outcome="Awaiting court outcome"),
        row(month, "Anti-social behaviour", "Preston 002B"),
        row(month, "Shoplifting", ""),  # no location
    ]


def test_both_layouts_plain_and_gz_read_alike(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    write_street_file(archive / "2022-01" / "2022-01-testshire-street.csv", _month_rows("2022-01"))
    write_street_file(archive / "2022-02" / "2022-02-testshire-street.csv", _month_rows("2022-02"))
    flat = tmp_path / "flat"
    write_street_file(flat / "2022-01-testshire-street.csv.gz", _month_rows("2022-01"), gz=True)
    write_street_file(flat / "2022-02-testshire-street.csv.gz", _month_rows("2022-02"), gz=True)
    # another force's file in the same folder is ignored
    write_street_file(flat / "2022-01-otherforce-street.csv", _month_rows("2022-01"))

    tidy = {}
    for name, root in (("archive", archive), ("flat", flat)):
        files = ingest.discover_street_files(root, "testshire")
        assert [f.month for f in files] == ["2022-01", "2022-02"]
        table = ingest.read_street_files(files)
        assert table.num_rows == 10
        assert table.column("source_line").to_pylist()[:5] == [2, 3, 4, 5, 6]
        tidy[name] = ingest.tidy_monthly(table)
    assert tidy["archive"].equals(tidy["flat"])
    assert files[0].relative == "2022-01-testshire-street.csv.gz"


def test_district_is_lsoa_name_without_its_code_and_no_location_is_kept(tmp_path: Path) -> None:
    write_street_file(tmp_path / "2022-01-testshire-street.csv", _month_rows("2022-01"))
    tidy = ingest.tidy_monthly(
        ingest.read_street_files(ingest.discover_street_files(tmp_path, "testshire"))
    )
    by_district = tidy.groupby("district")["count"].sum().to_dict()
    assert by_district == {"Blackburn with Darwen": 2, "Preston": 2, "No location": 1}
    assert int(tidy["count"].sum()) == 5
    asb = tidy[tidy["crime_type"] == "Anti-social behaviour"]
    assert asb["outcome"].isna().all()


def test_files_after_the_period_end_are_not_used(tmp_path: Path) -> None:
    for month in ("2022-08", "2022-09", "2022-10"):
        write_street_file(tmp_path / f"{month}-testshire-street.csv", _month_rows(month))
    files = ingest.select_files(ingest.discover_street_files(tmp_path, "testshire"), Month(2022, 9))
    assert [f.month for f in files] == ["2022-08", "2022-09"]


def test_two_files_for_one_month_are_refused(tmp_path: Path) -> None:
    write_street_file(tmp_path / "a" / "2022-01-testshire-street.csv", _month_rows("2022-01"))
    write_street_file(tmp_path / "b" / "2022-01-testshire-street.csv.gz", _month_rows("2022-01"),
                      gz=True)
    with pytest.raises(ingest.IngestError, match="two files for testshire 2022-01"):
        ingest.discover_street_files(tmp_path, "testshire")


def test_no_files_for_the_force_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ingest.IngestError, match="no police.uk street files for force 'nowhere'"):
        ingest.discover_street_files(tmp_path, "nowhere")
    with pytest.raises(ingest.IngestError, match="not found"):
        ingest.discover_street_files(tmp_path / "missing", "nowhere")
