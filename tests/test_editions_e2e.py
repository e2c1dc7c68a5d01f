"""Both editions built from inputs with distinctive restricted values; the public folder scanned.

The restricted return (restorative justice referrals) is overwritten with monthly values that
appear nowhere else (17,919 upwards in steps of 113); every file of the public edition is then
scanned for them, as digits and with thousands commas, and for their window totals: HTML pages,
page sources and the search index, notebooks (outputs and parameters), CSV, JSON, the decoded
Parquet and the PDF's text. The suppressed cells of the hate crime breakdown are checked in the
CSV, the HTML table and the PDF, and independently shown not to be recoverable
(tests/disclosurecheck.py). The same runs for the demonstration report and, when
../shared/data is present, for Lancashire 2022-23 Q2 with demonstration returns.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from conftest import POLICE_UK
from disclosurecheck import ranges

from pcc_report import demo
from pcc_report.build import RunRequest, run_report
from pcc_report.cli import main
from pcc_report.disclosure import DisclosureRule
from pcc_report.verify import verify

pytestmark = pytest.mark.e2e

BANNER = "RESTRICTED: not for publication"
RESTRICTED_RETURN = "restorative_justice_referrals.csv"
MONTHS = ["2022-07", "2022-08", "2022-09"]
CASES = {
    "demo": ("demoshire", None),
    "lancashire": ("lancashire", POLICE_UK),
}


def _distinctive(returns: Path) -> list[str]:
    """Overwrite the restricted return with values found nowhere else; the values and totals."""
    path = returns / RESTRICTED_RETURN
    frame = pd.read_csv(path, dtype=str)
    values = [17919 + 113 * i for i in range(len(frame))]
    frame["referrals"] = values
    frame.to_csv(path, index=False, lineterminator="\n")
    by_month = dict(zip(frame["month"], values, strict=True))
    months = sorted(by_month)
    end = months.index("2022-09")
    totals = [sum(by_month[m] for m in months[end - 11:end + 1]),  # latest 12 months
              sum(by_month[m] for m in months[end - 23:end - 11]),  # previous 12 months
              sum(by_month[m] for m in months[end - 2:end + 1])]  # latest quarter
    return [str(v) for v in values + totals]


@pytest.fixture(scope="module", params=sorted(CASES))
def both(request, demo_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    force, police_uk = CASES[request.param]
    if police_uk is None:
        police_uk = demo_data / "police-uk"
    elif not (police_uk / "street" / "lancashire").is_dir():
        pytest.skip(f"real police.uk data not found at {police_uk} (needs ../shared/data)")
    root = tmp_path_factory.mktemp(f"editions-{request.param}")
    returns = root / "returns"
    demo.generate_returns(returns, force=force)
    secret = _distinctive(returns)
    result = run_report(RunRequest(force=force, quarter="2022-23-Q2", police_uk=police_uk,
                                   returns=returns, out=root / "reports", edition="both"),
                        progress=lambda message: None)
    return {"result": result, "public": result.editions["public"],
            "restricted": result.editions["restricted"], "secret": secret,
            "returns": returns, "police_uk": police_uk, "root": root, "case": request.param}


def _pdf_pages(path: Path) -> list[str]:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True)
    return [" ".join(page.split()) for page in done.stdout.split("\f") if page.strip()]


def _texts(folder: Path) -> dict[str, str]:
    """Every file of an edition as text: PDF text extracted, Parquet decoded, the rest read."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if path.suffix == ".pdf":
            found[name] = " ".join(_pdf_pages(path))
        elif path.suffix == ".parquet":
            found[name] = pq.read_table(path).to_pandas().to_csv(index=False)  # values only
        else:
            found[name] = path.read_bytes().decode("utf-8", errors="ignore")
    return found


def _pattern(values: list[str]) -> re.Pattern:
    forms = set()
    for value in values:
        forms |= {value, f"{int(value):,}"}
    alternatives = "|".join(sorted(map(re.escape, forms), key=len, reverse=True))
    return re.compile(rf"(?<![0-9A-Za-z,.])(?:{alternatives})(?![0-9A-Za-z])")


def test_no_restricted_value_or_total_is_anywhere_in_the_public_edition(both) -> None:
    pattern = _pattern(both["secret"])
    public = _texts(both["public"])
    assert any(name.startswith("html/_sources/") for name in public)
    assert "html/searchindex.js" in public and "data/street_monthly.parquet" in public
    leaks = {name: pattern.findall(text)[:5] for name, text in public.items()
             if pattern.search(text)}
    assert leaks == {}
    # the restricted edition shows them (the scan would find a leak)
    restricted = _texts(both["restricted"])
    assert any(pattern.search(text) for text in restricted.values())


def test_the_restricted_return_is_named_only_as_withheld_in_the_public_manifest(both) -> None:
    public = both["public"]
    assert not (public / "data" / "returns" / RESTRICTED_RETURN).exists()
    for name, text in _texts(public).items():
        assert "restorative justice" not in text.lower(), name
        if name != "manifest.json":
            assert RESTRICTED_RETURN not in text, name
    manifest = json.loads((public / "manifest.json").read_text())
    withheld = {w["input"]: w["reason"] for w in manifest["edition"]["withheld"]}
    assert f"returns/{RESTRICTED_RETURN}" in withheld
    assert not any(RESTRICTED_RETURN in i["path"] for i in manifest["inputs"])
    assert not any("hate_crime" in i["path"] for i in manifest["inputs"])
    restricted = json.loads((both["restricted"] / "manifest.json").read_text())
    assert restricted["edition"]["withheld"] == []
    assert any(i["path"] == RESTRICTED_RETURN for i in restricted["inputs"])


def _breakdown(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "data" / "breakdowns" / "hate-crime-reports.csv", dtype=str,
                       keep_default_na=False).set_index("district")


def test_the_public_breakdown_hides_small_counts_and_cannot_be_undone(both) -> None:
    public, returns = both["public"], both["returns"]
    raw = pd.read_csv(returns / "hate_crime_reports.csv")
    assert (public / "data" / "returns" / "hate_crime_reports.csv").read_bytes() != (
        returns / "hate_crime_reports.csv").read_bytes()
    copy = pd.read_csv(public / "data" / "returns" / "hate_crime_reports.csv")
    assert set(copy["district"]) == {"All districts"}
    assert copy.set_index("month")["reports"].to_dict() == raw.groupby("month")["reports"].sum(
        ).to_dict()

    manifest = json.loads((public / "manifest.json").read_text())
    cells = [c for c in manifest["edition"]["suppressed"] if c["table"] == "hate-crime-reports"]
    assert cells, "the demonstration returns have small district counts in Jul-Sep 2022"
    table = _breakdown(public)
    for cell in cells:
        label = "fewer than 5" if cell["reason"].startswith("primary") else "withheld"
        assert table.at[cell["row"], cell["column"]] == label
    shown = table.map(lambda v: int(v) if v.isdigit() else v)
    limits = ranges(shown, DisclosureRule(5), MONTHS, total_row="Total", total_column="Total")
    assert set(limits) == {(c["row"], c["column"]) for c in cells}
    assert all(high - low >= 1 for low, high in limits.values()), limits

    pages = [p.read_text() for p in (public / "html").glob("comparisons-*.html")]
    page = next(p for p in pages if "tbl-priority-" in p and "hate-crime-reports-breakdown" in p)
    cells_html = re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    primary = sum(c["reason"].startswith("primary") for c in cells)
    assert sum("fewer than 5" in c for c in cells_html) >= primary
    assert "cannot be worked out from the totals" in page
    pdf = " ".join(_pdf_pages(next(public.glob("*.pdf"))))
    assert pdf.count("fewer than 5") >= primary and "withheld" in pdf


def test_the_restricted_breakdown_is_the_raw_count(both) -> None:
    raw = pd.read_csv(both["returns"] / "hate_crime_reports.csv")
    raw = raw[raw["month"].isin(MONTHS)]
    expected = raw.pivot_table(index="district", columns="month", values="reports",
                               aggfunc="sum")
    table = _breakdown(both["restricted"])
    for district in expected.index:
        for month in MONTHS:
            assert int(table.at[district, month]) == int(expected.at[district, month])
    assert int(table.at["Total", "Total"]) == int(raw["reports"].sum())
    assert both["restricted"].name == "RESTRICTED-not-for-publication"
    assert (both["restricted"] / "data" / "returns" / "hate_crime_reports.csv").read_bytes() == (
        both["returns"] / "hate_crime_reports.csv").read_bytes()


def test_the_banner_is_on_every_restricted_page_and_no_public_one(both) -> None:
    def pages(folder: Path) -> list[Path]:
        """Every page a reader sees (not Sphinx's _static/_sources, not the redirect index)."""
        html = folder / "html"
        return [p for p in html.rglob("*.html") if not p.relative_to(html).parts[0][0] == "_"
                and "http-equiv=\"Refresh\"" not in p.read_text()]

    restricted, public = pages(both["restricted"]), pages(both["public"])
    assert len(restricted) == len(public) > 5
    for path in restricted:
        assert re.search(r'class="bd-header-announcement"[^>]*>\s*<div[^>]*>\s*'
                         + re.escape(BANNER), path.read_text()), path.name
    for path in public:
        assert "RESTRICTED" not in path.read_text(), path.name
    restricted_pdf = list(both["restricted"].glob("*-RESTRICTED.pdf"))
    assert len(restricted_pdf) == 1
    for number, text in enumerate(_pdf_pages(restricted_pdf[0]), start=1):
        assert BANNER in text, f"PDF page {number} has no banner"
    for text in _pdf_pages(next(both["public"].glob("*.pdf"))):
        assert "RESTRICTED" not in text


def test_the_public_edition_is_what_a_public_only_build_makes(both, demo_report) -> None:
    if both["case"] != "demo":
        pytest.skip("compared for the demonstration report (its public-only build is shared)")
    alone, public = demo_report["report"], both["public"]

    def hashes(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    a, b = hashes(alone), hashes(public)
    assert a.keys() == b.keys()
    assert sorted(n for n in a if a[n] != b[n]) == ["manifest.json"]
    first, second = (json.loads(x["manifest.json"]) for x in (a, b))
    for entry in (first, second):
        entry.pop("run"), entry.pop("digest")
        for nb in entry["notebooks"]:
            nb.pop("seconds")
        for item in entry["inputs"]:
            item.pop("data_root")
    assert first == second


def test_verify_passes_per_edition_and_on_the_revision_and_catches_tampering(
    both, tmp_path: Path, capsys
) -> None:
    if both["case"] != "demo":
        pytest.skip("verified for the demonstration report")
    revision = both["result"].revision_dir
    assert main(["verify", str(revision), "--no-reexecute"]) == 0
    out = capsys.readouterr().out
    assert "public: PASSED" in out and "RESTRICTED-not-for-publication: PASSED" in out
    # the public auditor has only the public inputs: no restricted return, no raw district one
    public_returns = tmp_path / "public-returns"
    shutil.copytree(both["returns"], public_returns)
    (public_returns / RESTRICTED_RETURN).unlink()
    (public_returns / "hate_crime_reports.csv").unlink()
    result = verify(both["public"], progress=lambda m: None,
                    data_root={str(Path(both["police_uk"]).absolute()): both["police_uk"],
                               str(both["returns"].absolute()): public_returns})
    assert result.ok, result.format()
    tampered = tmp_path / "r1"
    shutil.copytree(revision, tampered)
    path = tampered / "public" / "data" / "breakdowns" / "hate-crime-reports.csv"
    path.write_text(path.read_text().replace("fewer than 5", "3", 1))
    assert main(["verify", str(tampered), "--no-reexecute"]) == 6
    out = capsys.readouterr().out
    assert "altered: data/breakdowns/hate-crime-reports.csv" in out
    assert "public: FAILED" in out
