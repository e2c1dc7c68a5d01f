"""Peer comparison: the Most Similar Group position from a small file in the Home Office layout."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from pcc_report import peers
from pcc_report.present import Outputs
from pcc_report.validation import validate_home_office

HEADER = ["", "Year ending September", "Area name", "Total recorded crime (excluding fraud)",
          "Violence against the person", "Population mid-year estim"]
REAL = (Path(__file__).resolve().parents[2] / "shared" / "data" / "home-office"
        / "recorded-crime-by-force-year-ending-september-2015-2024.csv")
GROUPS = {"lancashire": ["kent", "essex", "devon-and-cornwall"]}


def _file(path: Path, rows: list[tuple]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for number, (year, area, crimes, population) in enumerate(rows):
            writer.writerow([number, year, area, crimes, "1", population])
    return path


ROWS = [
    (2022, "ENGLAND AND WALES", 6000000, 60000000),
    (2022, "Lancashire", 120000, 1500000),  # 80.0 per 1,000
    (2022, "Kent", 180000, 1900000),  # 94.7...
    (2022, "Essex", 130000, 1850000),  # 70.27...
    (2022, "Devon and Cornwall", "", 1800000),  # no figure: left out, named
    (2021, "Lancashire", 100000, 1500000),
    (2021, "Kent", 1000, 1000000),
]


def _frame(tmp_path: Path, rows=ROWS):
    return peers.read(_file(tmp_path / "ho.csv", rows))


def test_rank_rates_and_the_peers_average(tmp_path: Path) -> None:
    found = peers.position(_frame(tmp_path), "lancashire", "2022-09", GROUPS)
    assert found.available and found.year == 2022
    assert list(found.table["slug"]) == ["essex", "lancashire", "kent"]  # lowest rate first
    assert list(found.table["rank"]) == [1, 2, 3]
    assert found.rank == 2
    rates = dict(zip(found.table["slug"], found.table["rate"], strict=True))
    assert rates["lancashire"] == pytest.approx(120000 / 1500000 * 1000)
    assert found.msg_average == pytest.approx((130000 / 1850000 + 180000 / 1900000) * 500)
    assert found.missing == ("devon-and-cornwall",)


def test_year_is_the_latest_year_ending_september_by_the_period_end() -> None:
    assert peers.year_for("2022-09") == 2022
    assert peers.year_for("2022-08") == 2021
    assert peers.year_for("2024-03") == 2023


def test_an_earlier_year_uses_that_years_rows(tmp_path: Path) -> None:
    found = peers.position(_frame(tmp_path), "lancashire", "2022-06", GROUPS)
    assert found.year == 2021
    assert list(found.table["slug"]) == ["kent", "lancashire"]
    assert found.missing == ("essex", "devon-and-cornwall")


@pytest.mark.parametrize(("frame", "groups", "reason"), [
    (None, GROUPS, "no Home Office file"),
    ("file", {}, "no Most Similar Group is configured for lancashire"),
    ("file", {"lancashire": []}, "no Most Similar Group"),
    ("file", {"lancashire": ["devon-and-cornwall"]}, "no figures for lancashire's peers"),
])
def test_not_available_says_why(tmp_path: Path, frame, groups, reason: str) -> None:
    frame = _frame(tmp_path) if frame == "file" else None
    found = peers.position(frame, "lancashire", "2022-09", groups)
    assert not found.available and reason in found.reason
    assert peers.sentence(found, "Lancashire Constabulary").startswith(
        "Position in the Most Similar Group: not available (")
    assert peers.display_table(found) is None


def test_a_force_missing_from_the_file_is_not_available(tmp_path: Path) -> None:
    found = peers.position(_frame(tmp_path), "surrey", "2022-09", {"surrey": ["kent"]})
    assert not found.available and "no figures for surrey" in found.reason


def test_sentence_and_table_state_the_figures(tmp_path: Path) -> None:
    found = peers.position(_frame(tmp_path), "lancashire", "2022-09", GROUPS)
    said = peers.sentence(found, "Lancashire Constabulary")
    assert "80.0 crimes per 1,000 population, 2nd lowest of the 3 forces" in said
    assert f"average of its peers: {(130000 / 1850000 + 180000 / 1900000) * 500:.1f}" in said
    assert "No figures for: devon-and-cornwall." in said
    table = peers.display_table(found)
    assert list(table["Force"]) == ["Essex", "Lancashire (this force)", "Kent",
                                    "MSG average (peers)"]
    assert table.iloc[1]["Recorded crime"] == "120,000"
    assert table.iloc[1]["Population"] == "1,500,000"
    shown = peers.shown(Outputs(tmp_path / "tables"), found, "Lancashire Constabulary")
    assert len(shown) == 2 and (tmp_path / "tables" / "peer-comparison.csv").is_file()


def test_area_names_become_police_uk_slugs() -> None:
    assert peers.area_slug("Devon and Cornwall") == "devon-and-cornwall"
    assert peers.area_slug("Dyfed-Powys") == "dyfed-powys"
    assert peers.area_slug("Metropolitan Police") == "metropolitan"
    assert peers.ordinal(1) == "1st" and peers.ordinal(12) == "12th" and peers.ordinal(23) == "23rd"


def test_groups_file_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "groups.yml"
    path.write_text("groups:\n  kent: [essex, essex]\n")
    with pytest.raises(ValueError, match="each peer once"):
        peers.load_groups(path)
    path.write_text("groups:\n  kent: [kent]\n")
    with pytest.raises(ValueError, match="not the force itself"):
        peers.load_groups(path)
    assert isinstance(peers.load_groups(), dict)  # the project's file loads


def test_report_without_the_file_shows_not_available(tmp_path: Path) -> None:
    found = peers.for_report(tmp_path, "lancashire", "2022-09")
    assert not found.available and "no Home Office file" in found.reason


def test_suite_passes_a_good_file_and_names_bad_lines(tmp_path: Path) -> None:
    assert validate_home_office(_file(tmp_path / "good.csv", ROWS)).ok
    bad = _file(tmp_path / "bad.csv", [*ROWS, (2022, "Kent", "12x", 100), ("22", "Essex", 1, 1)])
    report = validate_home_office(bad)
    assert not report.ok
    rules = {p.rule for p in report.errors()}
    assert "Total recorded crime is a whole number, 0 or more, or empty (not available)" in rules
    assert "Year ending September is a four-digit year" in rules
    assert "One row per area and year" in rules
    lines = {e["line"] for p in report.errors() for e in p.examples}
    assert len(ROWS) + 2 in lines  # the 12x row: header is line 1


def test_suite_refuses_a_file_without_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("Year,Area\n2022,Kent\n")
    assert not validate_home_office(path).ok


def test_real_file(tmp_path: Path) -> None:
    if not REAL.is_file():
        pytest.skip(f"the Home Office file is not at {REAL} (../shared/data absent)")
    assert validate_home_office(REAL).ok
    groups = {"lancashire": ["kent", "essex", "nottinghamshire"]}  # an illustration, not an MSG
    found = peers.position(peers.read(REAL), "lancashire", "2024-03", groups)
    assert found.available and found.year == 2023 and len(found.table) == 4
    assert not found.missing
    frame = peers.read(REAL)
    row = frame[(frame["Year ending September"] == "2023") & (frame["Area name"] == "Lancashire")]
    expected = int(row.iloc[0][peers.CRIME]) / int(row.iloc[0][peers.POPULATION]) * 1000
    rate = found.table.loc[found.table["slug"] == "lancashire", "rate"].iloc[0]
    assert rate == pytest.approx(expected)
