"""Escaping of input text in book content, number formats, tables, figures, CSV safety."""

import re
from pathlib import Path

import pandas as pd
from markdown_it import MarkdownIt

from pcc_report.present import (
    Outputs,
    bullets,
    csv_safe,
    fmt_change,
    fmt_count,
    fmt_share,
    fmt_signed,
    md_escape,
    output_name,
    paragraphs,
)


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


def test_table_writes_csv_and_carries_an_html_and_a_latex_rendering(tmp_path: Path) -> None:
    frame = pd.DataFrame({"District": ["=cmd|' /C calc'!A0", "Preston"], "Crimes": [1200, 35]})
    table = Outputs(tmp_path).table(frame, "t", "Crimes by district",
                                    formats={"Crimes": lambda v: f"{v:,}"})
    written = (tmp_path / "t.csv").read_text()
    assert written == "District,Crimes\n'=cmd|' /C calc'!A0,1200\nPreston,35\n"
    assert table.rows == (("=cmd|' /C calc'!A0", "1,200"), ("Preston", "35"))
    assert table.numeric == (False, True)  # formatted columns are figures
    html, latex = table._repr_html_(), table._repr_latex_()
    assert 'id="tbl-t"' in html and "<caption>Crimes by district</caption>" in html
    assert r"\caption{Crimes by district {\footnotesize (id tbl\sphinxhyphen{}t)}}" in latex
    assert r"\mbox{1,200}" in latex
    assert "|" not in repr(table)  # the plain-text fallback is not a table


def test_table_groups_by_a_named_column(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Priority": ["A", "A", "B"], "Measure": ["x", "y", "z"]})
    table = Outputs(tmp_path).table(frame, "g", "Grouped", group="Priority")
    assert table.group == 0
    body = table._repr_latex_().split(r"\endlastfoot")[1]
    cells = [line.split(" & ")[0] for line in body.splitlines() if " & " in line]
    # a group's first row names its priority; a later row names it only when it opens a page
    # (\pccGroupCell{row}{group's first row}{label}, decided from the page each row lands on)
    shown = [re.sub(r"\\pccRowPage\{g-\d+\}", "", c) for c in cells]
    assert shown == ["A", r"\pccGroupCell{g-1}{g-0}{A}", "B"]


def test_number_formats() -> None:
    assert (fmt_count(1234.6), fmt_count(None), fmt_count(float("nan"))) == (
        "1,235", "not available", "not available")
    assert (fmt_change(4.25), fmt_change(-3.0), fmt_change(None)) == ("+4.2%", "-3.0%", "n/a")
    assert (fmt_share(56.66), fmt_share(None)) == ("56.7%", "not available")
    assert (fmt_signed(1234), fmt_signed(-56), fmt_signed(0)) == ("+1,234", "-56", "+0")


def test_output_name_joins_its_parts() -> None:
    assert output_name("priority", "tackle-crime", "monthly") == "priority-tackle-crime-monthly"


def test_comparison_table_labels_the_windows_and_formats_the_changes(tmp_path: Path) -> None:
    table = pd.DataFrame({"District": ["North"], "previous": [1000], "latest": [1250],
                          "change": [250], "pct_change": [25.0]})
    shown = Outputs(tmp_path).comparison_table(table, "c", "Caption", previous="Before",
                                               latest="Now")
    assert shown.headers == ("District", "Before", "Now", "Change", "% change")
    assert shown.rows == (("North", "1,000", "1,250", "+250", "+25.0%"),)
    assert shown.numeric == (False, True, True, True, True)
    assert (tmp_path / "c.csv").read_text() == (
        "District,Before,Now,Change,% change\nNorth,1000,1250,250,25.0\n")


def test_figures_saves_each_figure_before_the_next_is_drawn(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    open_when_drawn = []

    def pieces():
        for name in ("a", "b"):
            open_when_drawn.append(len(plt.get_fignums()))
            fig, ax = plt.subplots()
            ax.plot([1, 2])
            yield fig, name, f"alt {name}", f"Caption {name}."

    shown = Outputs(tmp_path, tmp_path / "figures").figures(pieces())
    assert open_when_drawn == [0, 0] and plt.get_fignums() == []
    assert [m.data.split("\n")[1] for m in shown] == [":alt: alt a", ":alt: alt b"]
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["a.png", "b.png"]


def test_paragraphs_and_bullets_escape_each_item() -> None:
    assert [m.data for m in paragraphs(["One *x*.", "Two."])] == ["One \\*x\\*.", "Two."]
    assert paragraphs([]) == []
    assert bullets(["a_b", "c"]).data == "- a\\_b\n- c"


def test_columns_of_figures_are_right_aligned_even_when_already_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"Measure": ["Burglary", "Robbery"], "Latest": ["1,572", "78.5% (a)"],
                          "Rating": ["Green ↓", "Red ↑"]})
    assert Outputs(tmp_path).table(frame, "f", "F").numeric == (False, True, False)
    empty = Outputs(tmp_path).table(frame.iloc[:0], "e", "E")
    assert empty.numeric == (False, False, False) and empty.rows == ()
