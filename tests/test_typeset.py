"""Tables and the front sheet rendered twice: HTML for the pages, LaTeX for the panel paper."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from docutils import nodes
from docutils.utils import new_document

from pcc_report import sphinx_latex
from pcc_report.book import BOOK_DIR
from pcc_report.typeset import LATEX_MARK, DisplayTable, FrontSheet, layout, text_em

HEADERS = ("Priority", "Measure", "Previous 12 months", "Rating")
ROWS = (
    ("Tackle crime", "Burglary & <b>robbery</b>", "29,914", "Green ↓"),
    ("Tackle crime", "Shoplifting", "11,086", "Red ↑"),
    ("Safer communities", "Public confidence", "78.5%", "Amber →"),
)


def _table(**kwargs) -> DisplayTable:
    return DisplayTable("part2", "Part 2 & more", HEADERS, ROWS, (False, False, True, False),
                        **kwargs)


class _Cells(HTMLParser):
    """Text of each <td>/<th> with its classes, read back from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[tuple[str, str]] = []
        self._open: list[str] | None = None
        self._classes = ""

    def handle_starttag(self, tag, attrs) -> None:  # noqa: ANN001
        if tag in ("td", "th"):
            self._open, self._classes = [], dict(attrs).get("class", "")

    def handle_endtag(self, tag) -> None:  # noqa: ANN001
        if tag in ("td", "th") and self._open is not None:
            self.cells.append(("".join(self._open), self._classes))
            self._open = None

    def handle_data(self, data) -> None:  # noqa: ANN001
        if self._open is not None:
            self._open.append(data)


def test_html_shows_every_cell_escaped_with_rag_classes_and_whole_numbers() -> None:
    source = _table(group=0)._repr_html_()
    assert "<b>" not in source  # input text is shown, never interpreted
    parser = _Cells()
    parser.feed(source)
    texts = [text for text, _ in parser.cells]
    assert texts == [*HEADERS, *(cell for row in ROWS for cell in row)]
    classes = dict(parser.cells)
    assert "rag-green" in classes["Green ↓"] and "rag-red" in classes["Red ↑"]
    assert "rag-amber" in classes["Amber →"]
    # numbers break only where the browser may break text: the stylesheet turns off the
    # theme's break-anywhere rule in these tables (it split "11,086" as "11,08 6")
    css = (BOOK_DIR / "_static" / "report.css").read_text(encoding="utf-8")
    rule = re.search(r"table\.pcc-table th, table\.pcc-table td \{([^}]*)\}", css).group(1)
    assert "overflow-wrap: normal" in rule and "word-break: normal" in rule
    # the repeated priority is kept for screen readers but hidden on screen
    assert source.count('<span class="visually-hidden">Tackle crime</span>') == 1


def test_latex_escapes_groups_shades_and_repeats_its_header() -> None:
    latex = _table(group=0)._repr_latex_()
    assert latex.startswith(LATEX_MARK)
    assert r"Burglary \& \textless{}b\textgreater{}robbery" in latex
    assert r"\caption{Part 2 \& more}" in latex
    # header on the first page and again on each continuation page
    header = " & ".join(rf"\pccHead{{{h}}}" for h in HEADERS)
    first, rest = latex.split(r"\endfirsthead")
    assert header in first and header in rest.split(r"\endhead")[0]
    body = latex.split(r"\endlastfoot")[1]
    rows = [line for line in body.splitlines() if line.endswith(r"\\")]
    # the group is named on its first row; a later row names it only if it opens a page
    # (the continuation "(continued)" of preamble.tex), so every row records its page
    firsts = [r.split(" & ")[0] for r in rows]
    assert firsts == [r"\pccRowPage{part2-0}Tackle crime",
                      r"\pccGroupCell{part2-1}{part2-0}{Tackle crime}",
                      r"\pccRowPage{part2-2}Safer communities"]
    assert r"\pccRagGreen{Green ↓}" in rows[0] and r"\pccRagRed{Red ↑}" in rows[1]
    assert r"\mbox{29,914}" in rows[0] and r"\mbox{78.5}\%" in rows[2]


def test_column_widths_come_from_content_and_fit_the_page() -> None:
    lay = layout(HEADERS, ROWS)
    assert lay.orientation == "portrait"
    for i, width in enumerate(lay.widths):
        words = [w for row in ROWS for w in row[i].split()] + HEADERS[i].split()
        assert width >= max(text_em(w) for w in words)  # no word wider than its column
    # the Measure column holds the longest text, so it is the widest
    assert max(lay.widths) == lay.widths[1]


def test_a_table_too_wide_for_portrait_goes_landscape_and_still_fits() -> None:
    headers = tuple(f"Column heading {i}" for i in range(9))
    rows = (tuple("12,345,678 (incomplete)" for _ in headers),)
    lay = layout(headers, rows)
    assert lay.orientation == "landscape"
    line_em = 700 / (10 if lay.font == r"\small" else 9)  # the text height, in em
    assert sum(lay.widths) + 1.2 * len(headers) <= line_em
    latex = DisplayTable("w", "Wide", headers, rows, (True,) * 9)._repr_latex_()
    assert r"\begin{pccLandscape}" in latex and r"\end{pccLandscape}" in latex


def test_front_sheet_puts_every_field_in_order_in_both_renderings() -> None:
    fields = (("Panel", "Demoshire Police and Crime Panel"), ("Meeting", "12 December 2022"),
              ("Report of", "The Commissioner"), ("Subject", "Performance, Q2 & more"),
              ("Data", "Demonstration data (fictional)"))
    sheet = FrontSheet(fields)
    latex = sheet._repr_latex_()
    assert (r"\begin{pccFrontSheet}{Demoshire Police and Crime Panel}{12 December 2022}"
            r"{Performance, Q2 \& more}") in latex
    shown = re.findall(r"\\pccFrontField\{(.*?)\}\{(.*?)\}", latex)
    assert [k for k, _ in shown] == [k for k, _ in fields]
    parser = _Cells()
    parser.feed(sheet._repr_html_())
    assert [t for t, _ in parser.cells] == [part for field in fields for part in field]
    # a new field is data: it appears with no change to the layout
    more = FrontSheet((*fields, ("Agenda item", "7")))._repr_latex_()
    assert r"\pccFrontField{Agenda item}{7}" in more


def test_sphinx_extension_passes_marked_latex_through_and_opens_the_appendices() -> None:
    doc = new_document("test")
    doc += nodes.math_block("", LATEX_MARK + "\n\\begin{longtable}")
    doc += nodes.math_block("", "x^2")  # real maths stays maths

    sphinx_latex.pass_latex_through(doc, "definitions", "definitions")
    raws = list(doc.findall(nodes.raw))
    assert [r.astext() for r in raws] == ["\\pccAppendix\n", LATEX_MARK + "\n\\begin{longtable}"]
    assert all(r["format"] == "latex" for r in raws)
    assert [m.astext() for m in doc.findall(nodes.math_block)] == ["x^2"]


def _section(title: str, *children: nodes.Node) -> nodes.section:
    section = nodes.section()
    section += nodes.title("", title)
    for child in children:
        section += child
    return section


def _output(latex: str) -> nodes.container:
    """A notebook output as myst-nb nests it: cell > cell output > the LaTeX block."""
    output = nodes.container()
    output += nodes.math_block("", latex)
    cell = nodes.container()
    cell += output
    return cell


LANDSCAPE_TABLE = (LATEX_MARK + "\n\\begin{pccLandscape}\n\\begin{longtable}...\\end{longtable}"
                   "\n\\end{pccLandscape}\n")


def test_a_heading_with_a_short_lead_goes_onto_the_landscape_page_with_its_table() -> None:
    doc = new_document("test")
    heading = _section("Comparisons", nodes.paragraph("", "A short lead."),
                       _output(LANDSCAPE_TABLE))
    doc += _section("Priority detail", nodes.paragraph("", "word " * (sphinx_latex.LEAD_WORDS
                                                                      + 1)), heading)
    sphinx_latex.pass_latex_through(doc, "", "x")
    chapter = doc.children[0]
    opened = chapter.children[chapter.index(heading) - 1]
    assert opened.astext() == "\\begin{pccLandscape}\n"  # before the heading, not the table
    # ... and closes it after the notebook cell, outside the cell's LaTeX environments
    cell = heading.children[2]
    assert heading.children[3].astext() == "\\end{pccLandscape}\n"
    assert "pccLandscape" not in next(cell.findall(nodes.raw)).astext()
    # the chapter's long lead stays on its portrait page
    assert not isinstance(doc.children[0], nodes.raw)


def test_a_landscape_table_after_a_long_lead_keeps_its_own_landscape_page() -> None:
    doc = new_document("test")
    lead = nodes.paragraph("", "word " * (sphinx_latex.LEAD_WORDS + 1))
    doc += _section("Dashboard", lead, _output(LANDSCAPE_TABLE))
    sphinx_latex.pass_latex_through(doc, "", "x")
    raws = [r.astext() for r in doc.findall(nodes.raw)]
    assert len(raws) == 1 and "\\begin{pccLandscape}" in raws[0]


def _colours(path: Path, pattern: str) -> dict[str, str]:
    return {m.group(1).lower(): m.group(2).upper()
            for m in re.finditer(pattern, path.read_text(encoding="utf-8"))}


def test_paper_and_pages_shade_ratings_in_the_same_colours() -> None:
    css = BOOK_DIR / "_static" / "report.css"
    tex = BOOK_DIR / "latex" / "preamble.tex"
    backgrounds = _colours(css, r"td\.rag-(\w+)\s*\{\s*background:\s*#([0-9a-fA-F]{6})")
    texts = _colours(css, r"td\.rag-(\w+)\s*\{[^}]*?\bcolor:\s*#([0-9a-fA-F]{6})")
    assert set(backgrounds) == {"green", "amber", "red"}
    assert _colours(tex, r"\\definecolor\{pcc(Green|Amber|Red)\}\{HTML\}\{(\w{6})\}") == backgrounds
    assert _colours(tex, r"\\definecolor\{pccOn(Green|Amber|Red)\}\{HTML\}\{(\w{6})\}") == texts
