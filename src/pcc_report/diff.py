"""What changed between two reports: inputs, table cells, figures, ratings and sentences.

``pcc-report diff A B`` compares two edition folders (r1 and r2 of a quarter, or two quarters
of a force); a reissue's book carries the same comparison against the revision it replaces
as its "What changed since rN" page, beside the reason (:func:`reissue_page`), so the panel
reads what the correction changed, not only why it was made.

What is compared, and from where:

- inputs: ``data/inputs.json`` (police.uk files: month, rows, sha256) and the manifest's
  ``inputs`` when there is one (force returns): added, removed, changed, with the row-count
  change of each police.uk month;
- figures: the lineage records (``data/lineage.json``, :mod:`pcc_report.lineage`), by table or
  chart id, row and column: every figure whose value changed, with the months it counts;
- table cells: every ``data/tables/*.csv``, rows matched by their first column, columns by
  name (by position when the headers changed, e.g. two quarters' window labels);
- ratings: the cells of rating columns (``*_rag``, "Rating ...") among them;
- sentences: the text the section notebooks show, sentence by sentence, removed and added.
"""

from __future__ import annotations

import csv
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from pcc_report import lineage
from pcc_report.manifest import MANIFEST_NAME


@dataclass(frozen=True)
class Side:
    """One report to compare: its data folder and the folder of its executed notebooks."""

    data: Path
    notebooks: Path
    manifest: Path | None = None

    @classmethod
    def of(cls, report_dir: Path) -> Side:
        report_dir = Path(report_dir)
        return cls(report_dir / "data", report_dir / "notebooks", report_dir / MANIFEST_NAME)

    def inputs(self) -> dict:
        path = self.data / "inputs.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}

    def returns(self) -> dict[str, str]:
        """Force-return inputs (path -> sha256) from the manifest, when there is one."""
        if self.manifest is None or not self.manifest.is_file():
            return {}
        entries = json.loads(self.manifest.read_text(encoding="utf-8")).get("inputs", [])
        police = {f["file"] for f in self.inputs().get("files", [])}
        return {e["path"]: e["sha256"] for e in entries
                if e["path"] not in police and not e["path"].endswith(".zip")}

    def lineage(self) -> dict[str, dict]:
        path = self.data / lineage.LINEAGE_FILE
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
        return lineage.collect(sorted(self.notebooks.glob("*.ipynb")))

    def tables(self) -> dict[str, list[list[str]]]:
        folder = self.data / "tables"
        found = {}
        for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
            with open(path, newline="", encoding="utf-8") as handle:
                found[path.stem] = list(csv.reader(handle))
        return found

    def sentences(self) -> dict[str, list[str]]:
        return {path.stem: _sentences(path) for path in sorted(self.notebooks.glob("*.ipynb"))}


@dataclass
class Diff:
    """Every difference found, each a small dict (see :func:`compare`)."""

    inputs: list[dict] = field(default_factory=list)
    figures: list[dict] = field(default_factory=list)
    cells: list[dict] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)
    sentences: list[dict] = field(default_factory=list)

    @property
    def ratings(self) -> list[dict]:
        return [c for c in self.cells if _is_rating(c["column"])]

    @property
    def empty(self) -> bool:
        return not (self.inputs or self.figures or self.cells or self.tables or self.sentences)

    def format(self) -> str:
        """The terminal text."""
        lines = []
        for title, items, show in self._parts():
            lines.append(f"{title} ({len(items)}):")
            lines += [f"  {show(item)}" for item in items] or ["  none"]
        return "\n".join(lines)

    def _parts(self) -> list:
        return [
            ("Inputs", self.inputs, _show_input),
            ("Figures whose value changed", self.figures,
             lambda f: f"{f['id']}: {f['row']} | {f['column']}: {f['old']} -> {f['new']}"
                       f" (months {lineage.span(f['months'])})"),
            ("Ratings that changed", self.ratings, _show_cell),
            ("Table cells that changed", self.cells, _show_cell),
            ("Tables added or removed, headers changed", self.tables,
             lambda t: f"{t['table']}: {t['change']}"),
            ("Sentences that changed", self.sentences,
             lambda s: f"{s['section']}: {s['change']}: {s['text']}"),
        ]

    def to_html(self, title: str) -> str:
        """A self-contained HTML page (no scripts, no outside resources)."""
        esc = html.escape
        body = [f"<h1>{esc(title)}</h1>"]
        for heading, items, show in self._parts():
            body.append(f"<h2>{esc(heading)} ({len(items)})</h2>")
            body.append("<ul>" + "".join(f"<li>{esc(show(i))}</li>" for i in items) + "</ul>"
                        if items else "<p>None.</p>")
        return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{esc(title)}</title></head><body>{''.join(body)}</body></html>\n")


def _show_input(item: dict) -> str:
    text = f"{item['file']}: {item['change']}"
    if item.get("month"):
        text += f" (month {item['month']})"
    if item.get("old_rows") is not None or item.get("new_rows") is not None:
        text += f", rows {item.get('old_rows')} -> {item.get('new_rows')}"
    return text


def _show_cell(c: dict) -> str:
    return f"{c['table']}: {c['row']} | {c['column']}: {c['old']!s} -> {c['new']!s}"


def _is_rating(column: str) -> bool:
    return column.endswith("_rag") or column.lower().startswith("rating")


# --------------------------------------------------------------------------------------------
# The comparisons


def compare(a: Side, b: Side) -> Diff:
    """Every difference between report ``a`` (the earlier) and ``b``."""
    result = Diff()
    result.inputs = _inputs(a, b)
    result.figures = _figures(a.lineage(), b.lineage())
    result.cells, result.tables = _tables(a.tables(), b.tables())
    result.sentences = _sentence_changes(a.sentences(), b.sentences())
    return result


def _inputs(a: Side, b: Side) -> list[dict]:
    old = {f["file"]: f for f in a.inputs().get("files", [])}
    new = {f["file"]: f for f in b.inputs().get("files", [])}
    found = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before is None or after is None:
            entry = after or before
            found.append({"file": name, "change": "added" if before is None else "removed",
                          "month": entry["month"], "old_rows": before and before.get("rows"),
                          "new_rows": after and after.get("rows")})
        elif (before.get("sha256"), before.get("rows")) != (after.get("sha256"), after.get("rows")):
            found.append({"file": name, "change": "changed", "month": after["month"],
                          "old_rows": before.get("rows"), "new_rows": after.get("rows")})
    old_returns, new_returns = a.returns(), b.returns()
    for name in sorted(set(old_returns) | set(new_returns)):
        if old_returns.get(name) != new_returns.get(name):
            change = ("added" if name not in old_returns else
                      "removed" if name not in new_returns else "changed")
            found.append({"file": name, "change": change})
    return found


def _figures(old: dict[str, dict], new: dict[str, dict]) -> list[dict]:
    found = []
    for output_id in sorted(set(old) & set(new)):
        before = {(f["row"], f["column"]): f for f in old[output_id].get("figures", [])}
        for f in new[output_id].get("figures", []):
            previous = before.get((f["row"], f["column"]))
            if previous is not None and previous["value"] != f["value"]:
                found.append({"id": output_id, "row": f["row"], "column": f["column"],
                              "old": previous["value"], "new": f["value"],
                              "months": f["months"], "window": f.get("window")})
    return found


def _keyed(rows: list[list[str]]) -> dict[tuple[str, int], list[str]]:
    """Rows by (first cell, occurrence), so that a row that moved is still matched."""
    seen: dict[str, int] = {}
    keyed = {}
    for row in rows:
        first = row[0] if row else ""
        keyed[(first, seen.get(first, 0))] = row
        seen[first] = seen.get(first, 0) + 1
    return keyed


def _tables(old: dict, new: dict) -> tuple[list[dict], list[dict]]:
    cells, tables = [], []
    for name in sorted(set(old) ^ set(new)):
        tables.append({"table": name, "change": "added" if name in new else "removed"})
    for name in sorted(set(old) & set(new)):
        head_a, *rows_a = old[name] or [[]]
        head_b, *rows_b = new[name] or [[]]
        if head_a != head_b:
            tables.append({"table": name, "change": f"header {head_a} -> {head_b}"})
        if len(head_a) != len(head_b):
            continue  # columns cannot be matched
        a, b = _keyed(rows_a), _keyed(rows_b)
        for key in sorted(set(a) ^ set(b)):
            tables.append({"table": name, "change": f"row {key[0]!r} "
                           + ("added" if key in b else "removed")})
        for key in [k for k in b if k in a]:  # in the new table's order
            for i, column in enumerate(head_b):
                x = a[key][i] if i < len(a[key]) else ""
                y = b[key][i] if i < len(b[key]) else ""
                if x != y:
                    cells.append({"table": name, "row": key[0], "column": column,
                                  "old": x, "new": y})
    return cells, tables


_RAW_BLOCK = re.compile(r"```\{raw\}.*?```", re.S)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def _sentences(path: Path) -> list[str]:
    """The sentences a notebook shows (its Markdown outputs; figures' disclosures left out)."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    found = []
    for cell in notebook.get("cells", []):
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/markdown")
            if text is None:
                continue
            text = _RAW_BLOCK.sub("", "".join(text) if isinstance(text, list) else text)
            if text.lstrip().startswith(":::"):
                continue  # a figure: its caption is compared as the chart's lineage caption
            for line in text.splitlines():
                plain = re.sub(r"\\(.)", r"\1", line.lstrip("- ").strip())
                found += [s for s in _SENTENCE_END.split(plain) if s]
    return found


def _sentence_changes(old: dict[str, list[str]], new: dict[str, list[str]]) -> list[dict]:
    found = []
    for section in sorted(set(old) | set(new)):
        before, after = old.get(section, []), new.get(section, [])
        found += [{"section": section, "change": "removed", "text": s}
                  for s in before if s not in set(after)]
        found += [{"section": section, "change": "added", "text": s}
                  for s in after if s not in set(before)]
    return found


# --------------------------------------------------------------------------------------------
# The reissue's page


def reissue_page(previous: Path, data: Path, notebooks: Path, revision: dict) -> str:
    """The "What changed since rN" page of a reissue (MyST Markdown), beside its reason.

    ``previous`` is the same edition's folder in the revision replaced; ``data`` and
    ``notebooks`` are this build's, before the book is built (the tables and sections are
    done; the book is not, so the page can be part of it).
    """
    from pcc_report.present import md_escape

    replaces = revision["replaces"]
    lines = [f"# What changed since {replaces}", "",
             md_escape(f"This revision ({revision['revision']}) replaces {replaces}: "
                       f"{revision['reason']}"), ""]
    if not (Path(previous) / MANIFEST_NAME).is_file():
        lines.append(md_escape(f"{replaces} has no edition of this kind, so there is nothing "
                               "to compare with."))
        return "\n".join(lines) + "\n"
    found = compare(Side.of(previous), Side(data, notebooks))
    lines.append(md_escape(
        f"Computed by the same code as 'pcc-report diff {replaces} {revision['revision']}': "
        f"{len(found.inputs)} input change(s), {len(found.figures)} figure(s), "
        f"{len(found.ratings)} rating(s) and {len(found.sentences)} sentence(s) changed."))
    for title, items, show in found._parts():
        if title.startswith("Table cells"):
            continue  # the figures and ratings say it for the reader; the CLI lists every cell
        lines += ["", f"## {title}", ""]
        lines += [f"- {md_escape(show(i))}" for i in items] or ["None."]
    return "\n".join(lines) + "\n"
