"""Escaping of input text in book content, and spreadsheet-safe CSV tables."""

from pathlib import Path

import pandas as pd
from markdown_it import MarkdownIt

from pcc_report.present import Outputs, csv_safe, md_escape


def test_escaped_text_renders_as_the_original_characters() -> None:
    nasty = "Robbery & <b>x</b> | *bold* [link](http://x) {abbr}`y` $x$ \\ `code`"
    html = MarkdownIt("commonmark").render(md_escape(nasty))
    assert "<b>" not in html and "<a " not in html and "<em>" not in html
    assert "<code>" not in html
    assert "Robbery &amp; &lt;b&gt;x&lt;/b&gt; | *bold* [link](http://x)" in html


def test_csv_cells_that_look_like_formulas_are_neutralised() -> None:
    assert csv_safe("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")"
    assert csv_safe("+1") == "'+1"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("Burglary") == "Burglary"
    assert csv_safe(-5) == -5  # numbers stay numbers


def test_table_writes_csv_and_a_captioned_myst_table(tmp_path: Path) -> None:
    frame = pd.DataFrame({"District": ["=cmd|' /C calc'!A0", "Preston"], "Crimes": [1200, 35]})
    md = Outputs(tmp_path).table(frame, "t", "Crimes by district",
                                 formats={"Crimes": lambda v: f"{v:,}"}).data
    assert md.startswith(":::{table} Crimes by district\n:name: tbl-t\n:class: longtable\n"
                         ":widths: 18 5\n")
    assert "| Preston | 35 |" in md and "| \\=cmd\\|' /C calc'!A0 | 1,200 |" in md
    written = (tmp_path / "t.csv").read_text()
    assert written == "District,Crimes\n'=cmd|' /C calc'!A0,1200\nPreston,35\n"
