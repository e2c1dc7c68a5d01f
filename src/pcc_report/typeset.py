"""One computed table, two renderings: HTML for the book's pages, LaTeX for the panel paper.

A section displays a :class:`DisplayTable` (made by :meth:`pcc_report.present.Outputs.table`).
IPython stores both its ``text/html`` and its ``text/latex`` representation in the executed
notebook, and the book picks one per builder (``nb_mime_priority_overrides`` in
``_config.yml``); :mod:`pcc_report.sphinx_latex` passes the LaTeX through as raw LaTeX.

Why not Markdown: Sphinx typesets a Markdown table with columns it cannot size from the
content, so numbers split ("29," / "914"), headers hyphenate and wide tables run past the
margin. Here column widths come from the cells' own text (the longest unbreakable word is a
column's minimum), numbers never break, headers never hyphenate, a table too wide for a
portrait page goes on a landscape page, and a long one breaks across pages with its header
repeated. RAG cells are shaded as well as written; the colours are defined once per
renderer in ``book/_static/report.css`` and ``book/latex/preamble.tex``.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import ModuleType

#: Marks our LaTeX so that :mod:`pcc_report.sphinx_latex` passes it through untouched.
LATEX_MARK = "% pcc-report latex"
#: What a group's name is followed by on a page that continues the group (preamble.tex).
CONTINUED = "(continued)"

_RAG = re.compile(r"^(Green|Amber|Red)\b")
_NUMBER = re.compile(r"[-+]?[£]?\d[\d,.]*%?")

# Approximate advance widths in em for the paper's Times face (TeX Gyre Termes); the layout
# only needs to be conservative, and the PDF tests check that no word leaves the text area.
_WIDE = set("MW@%&mw—")
_UPPER_EM, _LOWER_EM, _DIGIT_EM, _NARROW_EM, _OTHER_EM = 0.70, 0.48, 0.5, 0.3, 1.0
_BOLD = 1.08
_NARROW = set(" .,;:'!|()[]-/ilfjtrI")

#: Text area widths in em of the table font: A4 with 2 cm side margins (170 mm) portrait,
#: and the text height (247 mm, see preamble.tex) as the line width of a landscape page.
_LAYOUTS = (
    ("portrait", r"\small", 482 / 10),
    ("landscape", r"\small", 700 / 10),
    ("landscape", r"\footnotesize", 700 / 9),
)
_COLUMN_SEP_EM = 1.2  # 2 x \tabcolsep (6pt) in em of a 10pt font, rounded up
_SLACK_EM = 0.4


def text_em(text: str, bold: bool = False) -> float:
    """Estimated width of ``text`` in em."""
    total = 0.0
    for ch in text:
        if ch.isdigit():
            total += _DIGIT_EM
        elif ch in _NARROW:
            total += _NARROW_EM
        elif ch in _WIDE:
            total += 0.9
        elif ch.isupper():
            total += _UPPER_EM
        elif ch.isalpha():
            total += _LOWER_EM
        else:
            total += _OTHER_EM
    return total * (_BOLD if bold else 1.0)


def _longest_word(text: str, bold: bool = False) -> float:
    return max((text_em(word, bold) for word in text.split()), default=0.0)


@dataclass(frozen=True)
class Layout:
    """How a table is set on the paper: orientation, font size and column widths in em."""

    orientation: str
    font: str
    widths: tuple[float, ...]


def layout(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Layout:
    """Column widths from content: each column at least its longest word, at most its longest
    cell; the first page format (portrait, then landscape, then a smaller font) where every
    column gets at least its minimum."""
    minimum, wanted = [], []
    for i, header in enumerate(headers):
        cells = [row[i] for row in rows]
        low = max([_longest_word(header, bold=True), *(_longest_word(c) for c in cells), 1.0])
        # a header may take up to three lines; a cell as much as its whole text
        high = max([low, text_em(header, bold=True) / 3, *(text_em(c) for c in cells)])
        minimum.append(low + _SLACK_EM)
        wanted.append(high + _SLACK_EM)
    for orientation, font, line_em in _LAYOUTS:
        room = line_em - _COLUMN_SEP_EM * len(headers)
        if sum(wanted) <= room:
            return Layout(orientation, font, tuple(wanted))
        if sum(minimum) <= room:
            spare = (room - sum(minimum)) / (sum(wanted) - sum(minimum))
            widths = tuple(lo + (hi - lo) * spare for lo, hi in zip(minimum, wanted, strict=True))
            return Layout(orientation, font, widths)
    scale = room / sum(minimum)
    return Layout(orientation, font, tuple(w * scale for w in minimum))


def rag_of(cell: str) -> str | None:
    """'green', 'amber' or 'red' for a rating cell ("Green ↑ ..."), else None."""
    match = _RAG.match(cell)
    return match.group(1).lower() if match else None


def latex_escape(text: str) -> str:
    """Text as LaTeX that prints it (Sphinx's own escaping, so Unicode maps as in the book)."""
    return _texescape().escape(text, latex_engine="pdflatex")


@functools.cache
def _texescape() -> ModuleType:
    """Sphinx's escaping module, its replacement tables filled once a process.

    ``texescape.init`` (idempotent) refills every table on each call: 20 microseconds
    against the 2 of an escape, for each of the tens of thousands of cells a quarter's
    tables hold.
    """
    from sphinx.util import texescape

    texescape.init()
    return texescape


@dataclass(frozen=True)
class DisplayTable:
    """A captioned table of formatted text cells, with an HTML and a LaTeX rendering.

    ``numeric`` marks right-aligned columns of figures; ``group`` is the index of a column
    whose repeated values are shown once per run of rows (the Part 2 table's priority).
    """

    name: str
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]
    group: int | None = None
    #: where the figures come from (pcc_report.lineage) and the code cell that made them
    lineage: dict | None = field(default=None, repr=False, compare=False)
    cell: int | None = field(default=None, repr=False, compare=False)
    layout: Layout = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        sized = self.rows
        if self.group is not None:  # the group column also holds "(continued)"
            sized += (tuple(CONTINUED if i == self.group else ""
                            for i in range(len(self.headers))),)
        object.__setattr__(self, "layout", layout(self.headers, sized))

    def __repr__(self) -> str:
        """The plain-text fallback names the table; the book never shows it."""
        return f"Table {self.name}: {self.caption} ({len(self.rows)} rows)"

    def _group_starts(self) -> list[bool]:
        if self.group is None:
            return [False] * len(self.rows)
        return [i == 0 or row[self.group] != self.rows[i - 1][self.group]
                for i, row in enumerate(self.rows)]

    def _repr_html_(self) -> str:
        from pcc_report.lineage import details_html  # pandas: kept out of the Sphinx extensions

        esc = html.escape
        head = "".join(
            f'<th scope="col" class="{"num" if num else "text"}">{esc(h)}</th>'
            for h, num in zip(self.headers, self.numeric, strict=True)
        )
        body = []
        for row, starts in zip(self.rows, self._group_starts(), strict=True):
            cells = []
            for i, (cell, num) in enumerate(zip(row, self.numeric, strict=True)):
                classes = ["num" if num else "text"]
                rag = rag_of(cell)
                if rag:
                    classes.append(f"rag-{rag}")
                shown = html.escape(cell)
                if i == self.group and not starts:
                    classes.append("pcc-repeat")
                    shown = f'<span class="visually-hidden">{shown}</span>'
                cells.append(f'<td class="{" ".join(classes)}">{shown}</td>')
            row_class = ' class="pcc-group-start"' if starts else ""
            body.append(f"<tr{row_class}>{''.join(cells)}</tr>")
        caption = esc(self.caption)
        return (
            f'<div class="pcc-table-wrap" role="region" tabindex="0" aria-label="{caption}">'
            f'<table class="table pcc-table" id="tbl-{esc(self.name)}">'
            f"<caption>{caption}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>"
        ) + (details_html(self.lineage) if self.lineage else "")

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> tuple:
        """No data of its own (the HTML and LaTeX come from the methods around): the lineage
        record rides in the output's metadata, where :func:`pcc_report.lineage.collect`
        finds it."""
        from pcc_report.lineage import metadata as lineage_metadata

        return {}, (lineage_metadata(self.lineage, self.cell) if self.lineage else {})

    def _latex_id(self) -> str:
        """The table's lineage id after the caption (``pcc-report explain`` takes it)."""
        if not self.lineage:
            return ""
        return rf" {{\footnotesize (id {latex_escape(self.lineage['id'])})}}"

    def _repr_latex_(self) -> str:
        lay = self.layout
        columns = "".join(
            rf">{{\{'raggedleft' if num else 'raggedright'}\arraybackslash}}p{{{w:.2f}em}}"
            for w, num in zip(lay.widths, self.numeric, strict=True)
        )
        header = " & ".join(rf"\pccHead{{{latex_escape(h)}}}" for h in self.headers) + r" \\"
        lines = [
            LATEX_MARK,
            r"\begin{pccLandscape}" if lay.orientation == "landscape" else "",
            rf"\begingroup{lay.font}\pccTableSetup",
            rf"\begin{{longtable}}[c]{{{columns}}}",
            rf"\caption{{{latex_escape(self.caption)}{self._latex_id()}}}"
            rf"\label{{tbl-{self.name}}}\\",
            r"\toprule", header, r"\midrule", r"\endfirsthead",
            rf"\multicolumn{{{len(self.headers)}}}{{l}}{{\pccContinued}}\\",
            r"\toprule", header, r"\midrule", r"\endhead",
            r"\bottomrule", r"\endlastfoot",
        ]
        for index, (row, starts) in enumerate(zip(self.rows, self._group_starts(), strict=True)):
            if starts and index:
                lines.append(r"\midrule")
            cells = []
            for i, cell in enumerate(row):
                text = latex_escape(cell)
                if self.numeric[i]:
                    text = _latex_unbreakable_numbers(text)
                if i == self.group:
                    text = self._latex_group_cell(index, starts, text)
                rag = rag_of(cell)
                cells.append(rf"\pccRag{rag.capitalize()}{{{text}}}" if rag else text)
            lines.append(" & ".join(cells) + r" \\")
        lines += [r"\end{longtable}", r"\endgroup",
                  r"\end{pccLandscape}" if lay.orientation == "landscape" else ""]
        return "\n".join(line for line in lines if line) + "\n"


    def _latex_group_cell(self, index: int, starts: bool, text: str) -> str:
        """The group's name on its first row; on a later row, only where that row opens a
        new page (``\\pccGroupCell`` in preamble.tex, "Safer communities (continued)"), so a
        reader of a continuation page still sees whose rows these are."""
        key = f"{self.name}-{index}"
        if starts:
            return rf"\pccRowPage{{{key}}}{text}"
        return rf"\pccGroupCell{{{key}}}{{{self.name}-{index - 1}}}{{{text}}}"


def _latex_unbreakable_numbers(text: str) -> str:
    return _NUMBER.sub(lambda m: rf"\mbox{{{m.group(0)}}}", text)


@dataclass(frozen=True)
class FrontSheet:
    """The panel paper's front sheet: its fields in order, as (item, detail) pairs.

    The HTML is a two-column table; the LaTeX is one ``\\pccFrontField`` per field inside the
    ``pccFrontSheet`` environment, whose layout (title block, field table, then the contents)
    is ``book/latex/front-sheet.tex``. ``title_items`` are the fields the title block prints
    large (panel, meeting, subject); every field is also in the table, so adding a field to
    :func:`pcc_report.narrative.front_sheet` adds it to both renderings with no layout change.
    """

    fields: tuple[tuple[str, str], ...]
    title_items: tuple[str, ...] = ("Panel", "Meeting", "Subject")

    def __repr__(self) -> str:
        return "Front sheet: " + "; ".join(f"{k}: {v}" for k, v in self.fields)

    def _repr_html_(self) -> str:
        rows = "".join(f'<tr><th scope="row">{html.escape(k)}</th><td>{html.escape(v)}</td></tr>'
                       for k, v in self.fields)
        return (f'<table class="table pcc-table pcc-front-sheet" id="tbl-front-sheet">'
                f"<caption>Front sheet</caption><tbody>{rows}</tbody></table>")

    def _repr_latex_(self) -> str:
        given = dict(self.fields)
        title = "".join(f"{{{latex_escape(given.get(item, ''))}}}" for item in self.title_items)
        lines = [LATEX_MARK, rf"\begin{{pccFrontSheet}}{title}"]
        lines += [rf"\pccFrontField{{{latex_escape(k)}}}{{{latex_escape(v)}}}"
                  for k, v in self.fields]
        lines.append(r"\end{pccFrontSheet}")
        return "\n".join(lines) + "\n"
