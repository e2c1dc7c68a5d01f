"""The editions' rules: which returns are withheld, the force-level copy, each data folder.

Expected tables are worked by hand from a small hand-made return (three districts, three
months) in the comments; the protection of the public table is checked independently with
tests/disclosurecheck.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from disclosurecheck import ranges

from pcc_report import book, editions
from pcc_report.catalogue import Measure
from pcc_report.disclosure import DisclosureRule
from pcc_report.editions import PUBLIC, RESTRICTED, force_level, prepare_data, withheld_returns
from pcc_report.periods import Month, Window

WINDOW = Window("latest_quarter", "3 months to September 2022", Month(2022, 7), Month(2022, 9))


def measure(id: str, source: str, *, restricted: bool = False, **extra) -> Measure:
    return Measure(id=id, title=id.replace("-", " ").capitalize(), priority="p", unit="count",
                   polarity="increase_is_aim", source=source, definition="d", tolerance=0.05,
                   tolerance_kind="relative", restricted=restricted, value=extra.pop("value", None),
                   **extra)


HATE = measure("hate", "hate_crime_reports", value="reports", breakdown="district",
               disclosure_threshold=5)
CATALOGUE = [
    measure("rj", "restorative_justice_referrals", restricted=True, value="referrals"),
    measure("da", "domestic_abuse_referrals", value="referrals"),
    # calls feed one restricted and one public measure: needed by the public edition
    measure("calls-a", "calls", restricted=True, value="offered"),
    measure("calls-b", "calls", value="offered"),
    HATE,
]

# district x month (Jul, Aug, Sep) of the hand-made hate crime return
RAW = {"Ashby": (20, 30, 25), "Brook": (2, 9, 8), "Cole": (7, 6, 10)}


def write_returns(folder: Path) -> Path:
    folder.mkdir()
    lines = ["month,district,reports"] + [
        f"2022-{7 + m:02d},{d},{counts[m]}" for m in range(3) for d, counts in RAW.items()]
    lines.append("2022-06,Ashby,99")  # outside the window: in the series, not in the table
    (folder / "hate_crime_reports.csv").write_text("\n".join(lines) + "\n")
    (folder / "restorative_justice_referrals.csv").write_text("month,referrals\n2022-07,7919\n")
    (folder / "domestic_abuse_referrals.csv").write_text("month,referrals\n2022-07,300\n")
    return folder


def test_a_return_is_withheld_only_when_every_measure_it_feeds_is_restricted() -> None:
    assert list(withheld_returns(CATALOGUE, PUBLIC)) == ["restorative_justice_referrals"]
    assert withheld_returns(CATALOGUE, RESTRICTED) == {}


def test_editions_for_each_choice_and_the_restricted_pdf_says_so() -> None:
    assert editions.editions_for("both") == [PUBLIC, RESTRICTED]
    assert editions.editions_for("public") == [PUBLIC]
    with pytest.raises(ValueError, match="both"):
        editions.editions_for("everything")
    assert PUBLIC.pdf_name("demoshire", "2022-23-Q2") == "demoshire-2022-23-Q2.pdf"
    assert RESTRICTED.pdf_name("demoshire", "2022-23-Q2") == "demoshire-2022-23-Q2-RESTRICTED.pdf"
    assert RESTRICTED.folder == "RESTRICTED-not-for-publication"


def test_force_level_copy_sums_districts_per_month_and_keeps_the_columns() -> None:
    raw = pd.DataFrame({"month": ["2022-07", "2022-07", "2022-08", "2022-08"],
                        "district": ["A", "B", "A", "B"], "reports": ["3", "4", "", "2"]})
    done = force_level(raw, "hate_crime_reports", "district")
    assert list(done.columns) == ["month", "district", "reports"]
    assert done["month"].tolist() == ["2022-07", "2022-08"]
    assert done["district"].tolist() == ["All districts"] * 2
    assert done["reports"].tolist() == [7, 2]  # 3 + 4; an empty count adds nothing to 2


def test_public_data_withholds_restricted_returns_and_suppresses_the_breakdown(
    tmp_path: Path,
) -> None:
    source = write_returns(tmp_path / "returns")
    data = tmp_path / "public" / "data"
    done = prepare_data(PUBLIC, CATALOGUE, source, data, WINDOW)

    assert sorted(p.name for p in (data / "returns").iterdir()) == [
        "domestic_abuse_referrals.csv", "hate_crime_reports.csv"]
    assert done.raw_inputs == ["domestic_abuse_referrals.csv"]
    assert [w["input"] for w in done.withheld] == [
        "returns/restorative_justice_referrals.csv", "returns/hate_crime_reports.csv"]
    # The force-level copy: Jun 99; Jul 20+2+7 = 29; Aug 30+9+6 = 45; Sep 25+8+10 = 43.
    copy = pd.read_csv(data / "returns" / "hate_crime_reports.csv")
    assert dict(zip(copy["month"], copy["reports"], strict=True)) == {
        "2022-07": 29, "2022-08": 45, "2022-09": 43, "2022-06": 99}
    assert set(copy["district"]) == {"All districts"}

    # Brook/Jul = 2 < 5 is the only small count: it says "fewer than 5"; every cell still
    # shown holds its raw count (totals: Jul 29, Aug 45, Sep 43, all 117).
    table = pd.read_csv(data / "breakdowns" / "hate.csv", dtype=str).set_index("district")
    assert table.at["Brook", "2022-07"] == "fewer than 5"
    raw = {(d, f"2022-{7 + m:02d}"): v[m] for d, v in RAW.items() for m in range(3)}
    raw |= {(d, "Total"): sum(v) for d, v in RAW.items()}
    raw |= {("Total", "2022-07"): 29, ("Total", "2022-08"): 45, ("Total", "2022-09"): 43,
            ("Total", "Total"): 117}
    for (row, column), value in raw.items():
        assert table.at[row, column] in (str(value), "withheld", "fewer than 5")
    assert sum(table.at[r, c] == "fewer than 5" for r, c in raw) == 1
    hidden = {(c["row"], c["column"]) for c in done.suppressed}
    assert ("Brook", "2022-07") in hidden and len(hidden) >= 4
    for row, column in hidden:
        assert table.at[row, column] in ("fewer than 5", "withheld")
    shown = table.map(lambda v: int(v) if v.isdigit() else v)
    limits = ranges(shown, DisclosureRule(5), ["2022-07", "2022-08", "2022-09"],
                    total_row="Total", total_column="Total")
    assert limits and all(high - low >= 1 for low, high in limits.values())

    listed = json.loads((data / "breakdowns" / "suppressed.json").read_text())
    cells = listed["tables"][0]["suppressed"]
    assert {(c["row"], c["column"]) for c in cells} == hidden
    assert all(set(c) == {"row", "column", "reason"} for c in cells)  # never a value
    assert "2" not in json.dumps(cells).replace("2022", "")  # Brook's count is nowhere in it


def test_restricted_data_holds_every_return_and_the_raw_breakdown(tmp_path: Path) -> None:
    source = write_returns(tmp_path / "returns")
    data = tmp_path / "restricted" / "data"
    done = prepare_data(RESTRICTED, CATALOGUE, source, data, WINDOW)
    assert done.withheld == [] and done.suppressed == []
    for name in ("hate_crime_reports.csv", "restorative_justice_referrals.csv"):
        assert (data / "returns" / name).read_bytes() == (source / name).read_bytes()
    table = pd.read_csv(data / "breakdowns" / "hate.csv").set_index("district")
    for district, counts in RAW.items():
        assert tuple(table.loc[district, ["2022-07", "2022-08", "2022-09"]]) == counts
        assert table.at[district, "Total"] == sum(counts)
    assert table.at["Total", "2022-07"] == 20 + 2 + 7


def test_a_table_that_cannot_be_protected_is_withheld_whole_with_the_reason(
    tmp_path: Path,
) -> None:
    # four districts with one report each in July and none after: every count and total is
    # hidden, yet four hidden counts of at least 1 under a July total below 5 must all be 1
    source = tmp_path / "returns"
    source.mkdir()
    rows = [f"2022-07,{d},1\n2022-08,{d},0\n2022-09,{d},0\n" for d in "ABCD"]
    (source / "hate_crime_reports.csv").write_text("month,district,reports\n" + "".join(rows))
    data = tmp_path / "public" / "data"
    done = prepare_data(PUBLIC, [HATE], source, data, WINDOW)
    entry = done.breakdowns[0]
    assert entry["status"] == "withheld" and "cannot be protected" in entry["reason"]
    assert not (data / "breakdowns" / "hate.csv").exists()


def test_the_restricted_book_is_marked_on_every_page_and_the_public_one_is_not() -> None:
    from pcc_report.config import load_force_config
    from pcc_report.periods import Quarter
    from pcc_report.publish import Reservation

    force, quarter = load_force_config("demoshire"), Quarter.parse("2022-23-Q2")
    reservation = Reservation(Path("r1"), "r1", None)
    public = book.book_config(force, quarter, None, reservation, PUBLIC)
    restricted = book.book_config(force, quarter, None, reservation, RESTRICTED)
    assert "announcement" not in public["html"]
    assert "RESTRICTED" not in yaml.safe_dump(public)
    assert restricted["html"]["announcement"] == "RESTRICTED: not for publication"
    assert restricted["title"].endswith("(RESTRICTED: not for publication)")
    preamble = restricted["sphinx"]["config"]["latex_elements"]["preamble"]
    # the running header of every page prints the edition macro (book/latex/preamble.tex)
    assert "\\newcommand{\\pccEdition}{RESTRICTED: not for publication}" in preamble
    assert "\\newcommand{\\pccEdition}{Public edition}" in \
        public["sphinx"]["config"]["latex_elements"]["preamble"]
