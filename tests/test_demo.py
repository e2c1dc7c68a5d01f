"""Tests for the demonstration data generator (pcc_report.demo).

They check real properties of the files written, so that the demonstration report rests on data
that looks and parses like data.police.uk and the force returns, and is reproducible byte for
byte.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pandas as pd
import pytest

from pcc_report import demo
from pcc_report.config import load_force_config
from pcc_report.demo.timeline import month_index
from pcc_report.police_uk import (
    STREET_COLUMNS,
    crime_type_periods,
    crime_types,
    outcome_categories,
)
from pcc_report.returns import RETURN_COLUMNS

REPO = Path(__file__).resolve().parents[1]
HEADER = ",".join(STREET_COLUMNS)
MONTHS = [f"{y}-{m:02d}" for y in range(2019, 2024) for m in range(1, 13)][3:51]  # 2019-04..2023-03
PENDING = {demo.UNDER_INVESTIGATION, demo.AWAITING_COURT}


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo")
    return out, demo.generate(out)


@pytest.fixture(scope="module")
def street(generated: tuple[Path, dict]) -> pd.DataFrame:
    out, _ = generated
    frames = []
    for path in sorted((out / "police-uk").glob("*/*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["file_month"] = path.parent.name
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def returns(generated: tuple[Path, dict]) -> dict[str, pd.DataFrame]:
    out, _ = generated
    return {
        p.name: pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted((out / "returns").glob("*.csv"))
    }


# --- the data set as a whole ----------------------------------------------------------------


def test_generation_is_deterministic_and_idempotent(generated, tmp_path):
    out, summary = generated
    first = _hashes(out)
    assert demo.generate(tmp_path) == summary
    assert _hashes(tmp_path) == first
    demo.generate(out)  # again into the same folder: nothing changes
    assert _hashes(out) == first


def test_summary_lists_every_file_and_row(generated):
    out, summary = generated
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(summary["files"]) == on_disk
    # street files, one per return, the narrative (a file per priority, summary, part 3,
    # front sheet) and the notice
    priorities = len(load_force_config(demo.street.FORCE_SLUG).priorities)
    assert len(on_disk) == 48 + len(RETURN_COLUMNS) + priorities + 3 + 1
    for name, rows in summary["rows"].items():
        with (out / name).open(newline="", encoding="utf-8") as f:
            assert rows == sum(1 for _ in csv.reader(f)) - 1
    assert (summary["seed"], summary["first_month"], summary["last_month"]) == (
        demo.DEFAULT_SEED,
        "2019-04",
        "2023-03",
    )


def test_notice_says_the_data_is_fictional(generated):
    out, _ = generated
    text = (out / "README-DEMONSTRATION-DATA.txt").read_text(encoding="utf-8")
    assert "FICTIONAL" in text and "NOT REAL POLICE DATA" in text
    assert "pcc-report" in text and "hate crime reports by district" in text
    assert str(demo.DEFAULT_SEED) in text and "2019-04 to 2023-03 (48 months)" in text


# --- street files: format ---------------------------------------------------------------------


def test_street_files_have_police_uk_layout_header_and_crlf(generated):
    out, _ = generated
    paths = sorted((out / "police-uk").glob("*/*.csv"))
    assert [p.parent.name for p in paths] == MONTHS
    for path in paths:
        assert path.name == f"{path.parent.name}-demoshire-street.csv"
        data = path.read_bytes()
        assert data.startswith(HEADER.encode() + b"\r\n")
        assert data.endswith(b",\r\n")
        assert data.count(b"\n") == data.count(b"\r\n")  # every line ends CRLF, like police.uk


def test_quoting_is_minimal_like_police_uk(generated):
    out, _ = generated
    quoted = 0
    for path in sorted((out / "police-uk").glob("*/*.csv")):
        text = path.read_bytes().decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert {len(r) for r in rows} == {12}
        rewritten = io.StringIO()
        csv.writer(rewritten, lineterminator="\r\n").writerows(rows)
        assert rewritten.getvalue() == text
        quoted += text.count('"On or near ')
    assert quoted > 0  # some locations contain a comma, as real ones do


def test_month_force_and_context_columns(street):
    assert (street["Month"] == street["file_month"]).all()
    assert (street["Reported by"] == "Demoshire Constabulary").all()
    assert (street["Falls within"] == "Demoshire Constabulary").all()
    assert (street["Context"] == "").all()


def test_asb_rows_have_no_id_or_outcome_and_crimes_have_both(street):
    asb = street[street["Crime type"] == "Anti-social behaviour"]
    crimes = street[street["Crime type"] != "Anti-social behaviour"]
    assert (asb["Crime ID"] == "").all() and (asb["Last outcome category"] == "").all()
    assert crimes["Crime ID"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (crimes["Last outcome category"] != "").all()


def test_crime_types_are_the_14_police_uk_types(street):
    *_, (first, last, today) = crime_type_periods()  # the demonstration data is after 2013-05
    assert first <= street["Month"].min() and last is None
    assert set(street["Crime type"]) == set(today) and set(today) <= set(crime_types())
    assert set(street["Last outcome category"]) <= set(outcome_categories())


def test_no_location_rows_look_like_real_ones(street):
    unlocated = street[street["Longitude"] == ""]
    assert 0.03 <= len(unlocated) / len(street) <= 0.08
    assert (unlocated["Location"] == "No Location").all()
    for column in ("Latitude", "LSOA code", "LSOA name"):
        assert (unlocated[column] == "").all()
    assert (unlocated["Crime type"] != "Anti-social behaviour").all()
    located = street[street["Longitude"] != ""]
    assert located["Location"].str.startswith("On or near ").all()
    assert (located[["Latitude", "LSOA code", "LSOA name"]] != "").all().all()


def test_geography_is_fictional_and_inside_the_uk(street):
    located = street[street["Longitude"] != ""]
    assert located["LSOA code"].str.fullmatch(r"E019\d{5}").all()
    districts = located["LSOA name"].str.replace(r" \d{3}[A-Z]$", "", regex=True)
    assert set(districts) == {d.name for d in demo.DISTRICTS}
    assert (located.groupby("LSOA code")["LSOA name"].nunique() == 1).all()
    lon, lat = located["Longitude"].astype(float), located["Latitude"].astype(float)
    assert lon.between(-2.5, -1.3).all() and lat.between(52.4, 53.2).all()
    assert located["Longitude"].str.fullmatch(r"-\d\.\d{6}").all()


# --- street files: plausible content ---------------------------------------------------------


def test_monthly_volume_and_crime_mix(street):
    per_month = street.groupby("Month").size()
    assert per_month.between(2900, 4100).all()
    shares = street["Crime type"].value_counts(normalize=True)
    assert 0.25 <= shares["Anti-social behaviour"] <= 0.30
    assert shares.index[0] == "Violence and sexual offences"


def _monthly(street: pd.DataFrame, crime_type: str) -> pd.Series:
    return street[street["Crime type"] == crime_type].groupby("Month").size()


@pytest.mark.parametrize("crime_type", ["Violence and sexual offences", "Anti-social behaviour"])
def test_summer_peak(street, crime_type):
    counts = _monthly(street, crime_type)
    calendar_month = counts.index.str[5:]
    summer = counts[calendar_month.isin(["07", "08"])].mean()
    winter = counts[calendar_month.isin(["12", "01", "02"])].mean()
    assert summer > 1.05 * winter


def test_recent_months_have_more_open_cases(street):
    crimes = street[street["Crime type"] != "Anti-social behaviour"]
    open_share = crimes["Last outcome category"].isin(PENDING).groupby(crimes["Month"]).mean()
    assert open_share["2023-03"] > 0.4
    assert open_share[MONTHS[-3:]].mean() > 3 * open_share[MONTHS[:12]].mean()


def test_a_few_crime_ids_repeat_in_the_next_month(street):
    crimes = street[street["Crime ID"] != ""]
    assert not crimes.duplicated(["Month", "Crime ID"]).any()
    repeated = crimes[crimes["Crime ID"].duplicated(keep=False)]
    groups = repeated.groupby("Crime ID")
    assert 2 <= groups.ngroups <= 10
    for _, rows in groups:
        assert len(rows) == 2
        first, second = sorted(rows["Month"])
        assert MONTHS.index(second) == MONTHS.index(first) + 1
        assert rows["LSOA name"].nunique() == 1 and rows["Crime type"].nunique() == 1


def test_planted_shift_shows_as_an_spc_run(street):
    district = street["LSOA name"].str.startswith(demo.SHIFT_DISTRICT + " ")
    counts = _monthly(street[district], demo.SHIFT_CRIME_TYPE).reindex(MONTHS, fill_value=0)
    before, after = counts.iloc[:-9], counts.iloc[-9:]
    assert (after > before.mean()).all()  # 9 points above the centre line: a shift
    assert after.mean() > 1.4 * before.mean()


# --- returns -----------------------------------------------------------------------------------


def test_returns_match_the_repository_templates(generated):
    out, _ = generated
    templates = sorted((REPO / "returns" / "templates").glob("*.csv"))
    assert {p.stem for p in templates} == set(RETURN_COLUMNS)
    for template in templates:
        header = template.read_bytes()
        assert header.count(b"\n") == 1
        assert (out / "returns" / template.name).read_bytes().startswith(header)
        assert header.decode().strip().split(",") == list(RETURN_COLUMNS[template.stem])


KEYS = {
    "calls.csv": ["month", "line"],
    "victim_satisfaction.csv": ["month", "crime_group"],
    "public_confidence.csv": ["month"],
    "workforce.csv": ["month"],
    "domestic_abuse_referrals.csv": ["month"],
    "restorative_justice_referrals.csv": ["month"],
    "hate_crime_reports.csv": ["month", "district"],
}
COUNTS = {
    "calls.csv": ["offered", "answered_within_target"],
    "victim_satisfaction.csv": ["respondents", "satisfied"],
    "public_confidence.csv": ["respondents", "confident"],
    "workforce.csv": ["special_constables", "cadets"],
    "domestic_abuse_referrals.csv": ["referrals"],
    "restorative_justice_referrals.csv": ["referrals"],
    "first_time_entrants.csv": ["first_time_entrants"],
    "hate_crime_reports.csv": ["reports"],
}


@pytest.mark.parametrize("name", sorted(KEYS))
def test_monthly_returns_have_one_row_per_month_and_key(returns, name):
    frame = returns[name]
    assert not frame.duplicated(KEYS[name]).any()
    per_month = frame.groupby("month").size()
    assert list(per_month.index) == MONTHS
    assert per_month.nunique() == 1


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_counts_are_non_negative_integers(returns, name):
    for column in COUNTS[name]:
        assert returns[name][column].str.fullmatch(r"\d+").all(), column


def test_returns_rules_hold(returns):
    def ints(name: str, column: str) -> pd.Series:
        return returns[name][column].astype(int)

    calls = "calls.csv"
    assert (ints(calls, "answered_within_target") <= ints(calls, "offered")).all()
    assert set(returns[calls]["line"]) == {"999", "101"}
    assert returns[calls]["mean_answer_seconds"].str.fullmatch(r"\d+\.\d").all()
    sat, conf = "victim_satisfaction.csv", "public_confidence.csv"
    assert (ints(sat, "satisfied") <= ints(sat, "respondents")).all()
    assert ints(sat, "respondents").between(80, 120).all()
    assert (ints(conf, "confident") <= ints(conf, "respondents")).all()
    assert ints(conf, "respondents").between(300, 500).all()
    workforce = returns["workforce.csv"]
    for column in ("police_officers", "pcsos"):
        assert workforce[column].str.fullmatch(r"\d+\.\d").all()
    fte = returns["first_time_entrants.csv"]
    expected = [f"{y}-{(y + 1) % 100:02d}-Q{q}" for y in range(2019, 2023) for q in range(1, 5)]
    assert list(fte["quarter"]) == expected


def test_call_handling_against_targets(returns):
    calls = returns["calls.csv"]
    rate = calls["answered_within_target"].astype(int) / calls["offered"].astype(int)
    rate_999, rate_101 = rate[calls["line"] == "999"], rate[calls["line"] == "101"]
    assert (rate_999 >= 0.90).mean() >= 0.9  # 999 mostly meets 90% in 10 s
    assert 0.74 <= rate_101.median() <= 0.82  # 101 hovers around 80% in 40 s ...
    assert (rate_101 < 0.80).mean() >= 0.5  # ... and is more often below it


def test_survey_shares_are_plausible(returns):
    sat = returns["victim_satisfaction.csv"]
    share = sat["satisfied"].astype(int).sum() / sat["respondents"].astype(int).sum()
    assert 0.75 <= share <= 0.85
    conf = returns["public_confidence.csv"]
    share = conf["confident"].astype(int).sum() / conf["respondents"].astype(int).sum()
    assert 0.70 <= share <= 0.80


def test_hate_crime_reports_have_every_district_with_small_counts_in_the_small_ones(returns):
    """Every district every month (0 is a row), the force total tens a month and rising, and
    in the latest quarter of the demonstration report (July to September 2022) the big towns
    in tens while smaller districts fall below 5: one district in every month, and one in
    exactly one month, whose hidden count its quarter total would give away unless another
    cell is hidden too (secondary suppression)."""
    frame = returns["hate_crime_reports.csv"]
    table = frame.assign(reports=frame["reports"].astype(int)).pivot(
        index="district", columns="month", values="reports"
    )
    assert list(table.index) == sorted(d.name for d in demo.DISTRICTS)
    assert list(table.columns) == MONTHS and table.notna().all().all()
    force = table.sum()
    assert force.between(25, 100).all()
    assert force[MONTHS[-12:]].sum() > 1.1 * force[MONTHS[:12]].sum()  # reporting rises
    quarter = table[["2022-07", "2022-08", "2022-09"]]
    small = (quarter < 5).sum(axis=1)
    assert (quarter.loc["Demoford"] >= 10).all()
    assert (small == 3).any() and (small == 1).any()
    assert small.sum() >= 5


# --- small pieces and edge cases -------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "label"),
    [("2019-04", "2019-20-Q1"), ("2022-07", "2022-23-Q2"), ("2022-12", "2022-23-Q3"),
     ("2023-01", "2022-23-Q4"), ("2000-03", "1999-00-Q4")],
)  # fmt: skip
def test_quarter_label(month, label):
    assert demo.quarter_label(month_index(month)) == label


@pytest.mark.parametrize(
    ("first", "last"), [("2023-13", "2023-12"), ("2023/01", "2023-02"), ("2023-03", "2023-02")]
)
def test_bad_months_are_rejected(tmp_path, first, last):
    with pytest.raises(ValueError):
        demo.generate_street_data(tmp_path, first_month=first, last_month=last)


def test_short_ranges_work(tmp_path):
    paths = demo.generate_street_data(tmp_path / "s", first_month="2023-03", last_month="2023-03")
    assert [p.name for p in paths] == ["2023-03-demoshire-street.csv"]
    returns = demo.generate_returns(tmp_path / "r", first_month="2023-01", last_month="2023-02")
    fte = next(p for p in returns if p.name == "first_time_entrants.csv")
    assert fte.read_text() == "quarter,first_time_entrants\n"  # no complete quarter, no row


def test_files_name_the_force_slug(tmp_path):
    paths = demo.generate_street_data(
        tmp_path, force="other-shire", first_month="2023-03", last_month="2023-03"
    )
    assert paths[0].name == "2023-03-other-shire-street.csv"
    assert re.search(r",Other Shire Constabulary,Other Shire Constabulary,", paths[0].read_text())


def test_the_demonstration_narrative_is_complete_labelled_and_bound(generated):
    """Every piece the plan needs, each labelled, checked like an analyst's, no typed number."""
    from pcc_report import catalogue, narrative_files, placeholders

    out, _ = generated
    force = load_force_config(demo.street.FORCE_SLUG)
    ids = [p.id for p in force.priorities]
    story = narrative_files.load(out / demo.NARRATIVE_DIR, ids,
                                 [m.id for m in catalogue.load_catalogue(priorities=ids)])
    assert story.final_problems() == []
    assert story.front_sheet.meeting_date and story.front_sheet.agenda_item
    for piece in story.pieces.values():
        assert "Demonstration text" in piece.text
        words = placeholders.PLACEHOLDER.sub("", piece.text)
        words = re.sub(r"^\s*\d+\. ", "", words, flags=re.MULTILINE)  # list numbers
        words = re.sub(r"12\s+months|999|101", "", words)  # a window's, the call lines' names
        assert not re.search(r"\d", words), piece.relative
