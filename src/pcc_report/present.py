"""Turn computed tables and charts into safe book content and audit files.

Every table a section shows goes through :meth:`Outputs.table`, which writes the same
numbers as a CSV file for the audit trail and returns a table with an HTML and a LaTeX
rendering (:mod:`pcc_report.typeset`), so the HTML pages and the PDF each get a real table.
Input text is data: every value is escaped so that a crime type or district name can never
inject HTML, Markdown or LaTeX, and CSV text cells are neutralised against spreadsheet
formula injection.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from pcc_report import lineage as lineages
from pcc_report.typeset import DisplayTable, FrontSheet

# Characters that start Markdown, MyST or HTML syntax anywhere in a line, and the
# marks that only matter at the start of a line (headings, lists, fences, quotes).
# Plain sentence punctuation stays readable in the executed notebooks.
_INLINE_SYNTAX = re.compile(r"([\\`*_{}\[\]<>|&$~])")
_LINE_START_SYNTAX = re.compile(r"^(\d*)([#+\-:=>.)])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def md_escape(value: object) -> str:
    """Backslash-escape input text so it is shown, never interpreted (valid CommonMark).

    This neutralises Markdown, raw HTML, MyST roles and table pipes in one rule; the
    reader sees the original text in HTML and PDF alike. A leading "12." is escaped too,
    so text never turns into a numbered list.
    """
    text = " ".join(str(value).split())
    return _LINE_START_SYNTAX.sub(r"\1\\\2", _INLINE_SYNTAX.sub(r"\\\1", text))


def csv_safe(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def fmt_count(value: float | int | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not available"
    return f"{int(round(value)):,}"


def fmt_change(value: float | None, digits: int = 1) -> str:
    """Signed percentage change, ``+4.2%``; ``n/a`` when the comparator was zero."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+.{digits}f}%"


def fmt_share(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "not available"
    return f"{value:.{digits}f}%"


def fmt_signed(value: int) -> str:
    """A signed count with thousands separators, ``+1,234`` / ``-56`` / ``+0``."""
    return f"{value:+,}"


def output_name(*parts: str) -> str:
    """A table or figure name from its parts, e.g. ``priority-tackle-crime-monthly``."""
    return "-".join(parts)


class Outputs:
    """Where a section writes its audit tables and figure files.

    ``tables_dir`` is the report's ``data/tables`` folder; figures go beside the
    executed notebook (``figures/``) so the book can find them by relative path.
    """

    def __init__(self, tables_dir: str | Path, figures_dir: str | Path = "figures") -> None:
        self.tables_dir = Path(tables_dir)
        self.figures_dir = Path(figures_dir)

    def table(
        self,
        frame: pd.DataFrame,
        name: str,
        caption: str,
        *,
        formats: dict[str, object] | None = None,
        align_right: tuple[str, ...] = (),
        group: str | None = None,
        lineage: dict | None = None,
    ) -> DisplayTable:
        """Write ``frame`` to ``<name>.csv`` and return it as a table for the book.

        The result carries an HTML and a LaTeX rendering of the same cells (see
        :mod:`pcc_report.typeset`): the HTML pages and the PDF each get a real table, typeset
        for their medium. ``formats`` maps a column to a function that renders its values as
        text for the page (such columns are figures, right-aligned); the CSV keeps the
        unformatted numbers. ``group`` names a column shown once per run of equal values.
        ``lineage`` is what the figures were counted from (a :mod:`pcc_report.lineage`
        builder's part); the table carries the full record (:meth:`lineage_record`).
        """
        self._write_csv(frame, name)
        formats = formats or {}
        rows = tuple(
            tuple(
                " ".join(str(formats[c](v) if c in formats else v).split())
                for c, v in zip(frame.columns, record, strict=True)
            )
            for record in frame.itertuples(index=False)
        )
        columns = list(zip(*rows, strict=True)) or [()] * len(frame.columns)
        numeric = tuple(c in formats or c in align_right or _figures(column)
                        for c, column in zip(frame.columns, columns, strict=True))
        return DisplayTable(
            name=name, caption=" ".join(caption.split()),
            headers=tuple(str(c) for c in frame.columns), rows=rows, numeric=numeric,
            group=None if group is None else list(frame.columns).index(group),
            lineage=self.lineage_record(lineage, name, "table", caption), cell=_cell(),
        )

    def front_sheet(self, frame: pd.DataFrame) -> FrontSheet:
        """The front sheet's (item, detail) rows as the paper's first page (and a CSV)."""
        self._write_csv(frame, "front-sheet")
        return FrontSheet(tuple((str(k), str(v)) for k, v in frame.itertuples(index=False)))

    def _write_csv(self, frame: pd.DataFrame, name: str) -> None:
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        frame.map(csv_safe).to_csv(
            self.tables_dir / f"{name}.csv", index=False, lineterminator="\n"
        )

    def comparison_table(
        self, table: pd.DataFrame, name: str, caption: str, *, previous: str, latest: str,
        lineage: dict | None = None,
    ) -> DisplayTable:
        """A latest-against-previous comparison (``crime.compare_by``) as a captioned table.

        The window columns take the periods' labels as headers, so a window with missing
        months carries its "incomplete data" mark into the table.
        """
        shown = table.rename(columns={
            "previous": previous, "latest": latest, "change": "Change", "pct_change": "% change"})
        return self.table(
            shown, name, caption,
            formats={shown.columns[1]: fmt_count, shown.columns[2]: fmt_count,
                     "Change": fmt_signed, "% change": fmt_change},
            lineage=lineage,
        )

    def figures(self, pieces: Iterable[tuple]) -> list[Markdown]:
        """Save each ``(fig, name, alt, caption)`` in turn; a generator keeps one figure open."""
        return [self.figure(*piece) for piece in pieces]

    def figure(self, fig, name: str, alt: str, caption: str,  # noqa: ANN001
               lineage: dict | None = None) -> Markdown:
        """Save a matplotlib figure reproducibly and return a captioned MyST figure.

        The alt text states what the chart shows in words (WCAG 2.2 text alternative);
        PNG metadata is fixed so two builds write identical bytes. The caption ends with the
        chart's lineage id, so the PDF names it as a table's caption does.
        """
        import matplotlib.pyplot as plt

        from pcc_report import charts

        self.figures_dir.mkdir(parents=True, exist_ok=True)
        path = self.figures_dir / f"{name}.png"
        charts.save_png(fig, path)
        plt.close(fig)
        alt_text = " ".join(alt.split()).replace("\n", " ")
        record, cell = self.lineage_record(lineage, name, "chart", caption), _cell()
        return Markdown(
            f":::{{figure}} {path.as_posix()}\n:alt: {alt_text}\n:name: fig-{name}\n\n"
            f"{md_escape(caption)} (id {md_escape(record['id'])})\n:::\n\n"
            f"```{{raw}} html\n{lineages.details_html(record)}\n```\n",
            metadata=lineages.metadata(record, cell),
        )

    def lineage_record(self, partial: dict | None, name: str, kind: str, caption: str) -> dict:
        """The output's full lineage record (:func:`pcc_report.lineage.complete`)."""
        path = self.tables_dir.parent / "inputs.json"
        inputs = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        return lineages.complete(partial, name, kind, caption, inputs, self.tables_dir.parent)


def _cell() -> int | None:
    """The execution count of the code cell running now (In [N]), or None outside IPython."""
    from IPython import get_ipython

    shell = get_ipython()
    return None if shell is None else shell.execution_count


_FIGURE = re.compile(r"^[-+]?[£]?\d[\d,.]*%?( |$)")


def _figures(cells: tuple[str, ...]) -> bool:
    """A column of figures (already formatted as text): every cell starts with a number."""
    shown = [c for c in cells if c]
    return bool(shown) and all(_FIGURE.match(c) for c in shown)


def fingerprint(sha256: str) -> str:
    """A SHA-256 in groups of 16 hex digits, so it wraps in a table cell (A4 PDF)."""
    return " ".join(sha256[i : i + 16] for i in range(0, len(sha256), 16))


def text(paragraph: str) -> Markdown:
    """A generated sentence or paragraph, escaped (it may quote input text)."""
    return Markdown(md_escape(paragraph))


def bullets(items: list[str]) -> Markdown:
    """A bulleted list of generated sentences, each escaped."""
    return Markdown("\n".join(f"- {md_escape(item)}" for item in items))


def paragraphs(items: Iterable[str]) -> list[Markdown]:
    """Generated paragraphs, each shown on its own (``display(*paragraphs(...))``)."""
    return [text(item) for item in items]
