"""Per-figure lineage: where each table and chart of the book comes from.

Every table and chart the book shows has a stable id: its anchor in the HTML book, made
from its output name (``tbl-part2-performance``, ``fig-priority-tackle-crime-monthly``).
When a section emits one (:class:`pcc_report.present.Outputs`), it attaches a lineage record
to the notebook output's metadata: the measures, the windows and their months, the filter
applied to the tidy monthly table ("Crime type = Burglary; months 2021-07..2022-06"), the
police.uk files of those months with their rows and sha256, and each figure it shows (row,
column, filter, months, value). The HTML book shows the record under the output as a "Where
this comes from" disclosure; after the sections ran, :func:`collect` reads the executed
notebooks and writes ``data/lineage.json``, adding the notebook and cell that made each
output. ``pcc-report explain`` (``explain.py``) prints a record and recounts its figures from
the input files.

The builders here (:func:`comparison`, :func:`measures`, :func:`comparisons`,
:func:`districts`, :func:`outcomes`, :func:`monthly`, :func:`spc`) take what the section
computed the figure from, so the record is made where the figure is, not guessed afterwards.
A force-return figure names its return file (hashed) and months; a table that is not counted
figures (definitions, validation rules, Part 3) gets :func:`sources`: the files it shows,
hashed. An output with no builder gets a record naming the police.uk inputs only.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from pcc_report import catalogue
from pcc_report.config import PROJECT_ROOT
from pcc_report.crime import types_counted
from pcc_report.police_uk import ANTI_SOCIAL_BEHAVIOUR

LINEAGE_FILE = "lineage.json"
METADATA_KEY = "pcc_report"
POLICE_UK = catalogue.POLICE_UK  # a figure counted from the police.uk street files


def span(months: Iterable[str]) -> str:
    """``2021-07..2022-06`` (or the single month; "no months")."""
    months = sorted(months)
    if not months:
        return "no months"
    return months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"


def describe_filter(crime_types: Iterable[str] | None, exclude: Iterable[str] | None,
                    months: Iterable[str], *, districts: Iterable[str] | None = None,
                    outcomes: Iterable[str] | None = None) -> str:
    """The tidy-table filter in words: ``Crime type = Burglary; months 2021-07..2022-06``.

    ``districts`` (the LSOA name without its last token) and ``outcomes`` ("Last outcome
    category", "" for none recorded) narrow it further (the districts and outcomes pages).
    """
    extra = ""
    if districts:
        extra += _one_or_in("District", districts)
    if outcomes:
        extra += _one_or_in("Last outcome category", [o or "(none recorded)" for o in outcomes])
    return f"{_types_filter(crime_types, exclude)}{extra}; months {span(months)}"


def _one_or_in(column: str, values: Iterable[str]) -> str:
    values = sorted(values)
    return f"; {column} = {values[0]}" if len(values) == 1 else \
        f"; {column} in ({', '.join(values)})"


def _types_filter(crime_types: Iterable[str] | None, exclude: Iterable[str] | None) -> str:
    if crime_types:
        types = sorted(crime_types)
        what = f"Crime type = {types[0]}" if len(types) == 1 else \
            f"Crime type in ({', '.join(types)})"
    elif exclude:
        what = f"Crime type not in ({', '.join(sorted(exclude))})"
    else:
        what = "every crime type"
    return what


def figure(row: str, column: str, value: Any, months: Iterable[str], *,
           crime_types: Iterable[str] | None = None, exclude: Iterable[str] | None = None,
           window: str | None = None, measure: str | None = None,
           source: str = POLICE_UK, districts: Iterable[str] | None = None,
           outcomes: Iterable[str] | None = None) -> dict:
    """One figure shown: its place (row, column), how it was counted, and its value."""
    months = sorted(months)
    narrower = {"districts": sorted(districts) if districts else None,
                "outcomes": sorted(outcomes) if outcomes else None}
    return {**{k: v for k, v in narrower.items() if v},
        "row": str(row), "column": str(column), "measure": measure, "window": window,
        "source": source, "months": months,
        "crime_types": sorted(crime_types) if crime_types else None,
        "exclude_crime_types": sorted(exclude) if exclude and not crime_types else None,
        "filter": describe_filter(crime_types, exclude, months, **narrower)
        if source == POLICE_UK
        else f"force return {source}; months {span(months)}",
        "value": None if value is None or pd.isna(value) else _number(value),
    }


def _number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else round(number, 6)


def _window_months(ctx: Any, key: str) -> list[str]:
    """The window's months that have data (the incomplete ones are not counted)."""
    missing = set(ctx.missing_in(ctx.windows[key]))
    return [str(m) for m in ctx.windows[key].months if str(m) not in missing]


def _windows(ctx: Any, keys: Iterable[str]) -> dict[str, dict]:
    return {key: {"label": ctx.label(key), "months": _window_months(ctx, key)} for key in keys}


def comparison(ctx: Any, table: pd.DataFrame, crime_types: Iterable[str] | None = None,
               keys: tuple[str, str] = ("previous_12", "latest_12")) -> dict:
    """A by-type comparison table (``crime.compare_by``): each row's count in each window.

    ``crime_types`` are the types the table was chosen from (None: recorded crime, every
    type but anti-social behaviour); a total row counts all of them.
    """
    previous, latest = keys
    label = table.columns[0]
    figures = []
    counted_under = types_counted(ctx.tidy, str(ctx.windows[previous].first),
                                  str(ctx.windows[latest].last))
    for record in table.to_dict("records"):
        name = str(record[label])
        counted = counted_under.get(name, [])
        own: dict = {"crime_types": counted}
        if not counted:  # the total row
            own = {"crime_types": list(crime_types)} if crime_types else \
                {"exclude": [ANTI_SOCIAL_BEHAVIOUR]}
        for column, key in (("previous", previous), ("latest", latest)):
            figures.append(figure(name, ctx.label(key), record[column], _window_months(ctx, key),
                                  window=key, **own))
    return {"windows": _windows(ctx, keys), "figures": figures,
            "filter": describe_filter(crime_types, None if crime_types else
                                      [ANTI_SOCIAL_BEHAVIOUR],
                                      _window_months(ctx, previous) + _window_months(ctx, latest))}


def measures(ctx: Any, assessments: Iterable[Any],
             keys: tuple[str, ...] = ("previous_12", "latest_12", "last_fy")) -> dict:
    """A table of measures (Part 2, a priority's measures): each measure's window figures.

    A police.uk measure's figure is its count (numerator) over the window's months with data;
    a force return's is its value, named by the return (``explain`` recounts police.uk only).
    """
    assessed = list(assessments)
    figures = []
    for a in assessed:
        for key in keys:
            wv = a.windows.get(key)
            column = ctx.label(key) if key in ctx.windows else key
            figures.extend(_window_value(a.measure, wv, column, key))
    return {"measures": [a.measure.id for a in assessed],
            "windows": _windows(ctx, [k for k in keys if k in ctx.windows]),
            "figures": figures,
            "filter": "each measure's own crime types (see figures); months of each window"}


def _window_value(m: Any, wv: Any, column: str, key: str) -> list[dict]:
    """A measure's figure over one window (``measures.WindowValue``); none without a window."""
    if wv is None or wv.window is None:
        return []
    months = [str(x) for x in wv.window.months if str(x) not in set(wv.missing)]
    value = wv.numerator if m.source == POLICE_UK else wv.value
    return [figure(m.title, column, value, months, crime_types=m.crime_types or None,
                   exclude=m.exclude_crime_types or None, window=key, measure=m.id,
                   source=m.source)]


def comparisons(ctx: Any, assessments: Iterable[Any], keys: Iterable[str] | None = None) -> dict:
    """Comparison rows (the dashboard, a priority's comparisons table): both sides' figures.

    ``keys`` are the comparisons shown (``measures.MeasureAssessment.comparisons``; None: all
    of each measure's). Each side is counted like :func:`measures`' window figures.
    """
    assessed = list(assessments)
    figures, windows = [], {}
    for a in assessed:
        for key, c in a.comparisons.items():
            if keys is not None and key not in keys:
                continue
            for side, wv in (("current", c.current), ("comparator", c.comparator)):
                if wv.window is not None:
                    windows[f"{key} {side}"] = {"label": wv.window.label,
                                                "months": [str(m) for m in wv.window.months]}
                figures.extend(_window_value(a.measure, wv, f"{key} {side}", f"{key} {side}"))
    return {"measures": [a.measure.id for a in assessed], "windows": windows,
            "figures": figures,
            "filter": "each measure's own crime types (see figures); months of each window"}


def districts(ctx: Any, table: pd.DataFrame, full: pd.DataFrame | None = None,
              keys: tuple[str, str] = ("previous_12", "latest_12")) -> dict:
    """A by-district comparison (``crime.district_comparison``): each district's crimes.

    Every type but anti-social behaviour; a combined row ("Other districts (n)") counts the
    districts of ``full`` (the uncombined table) that ``table`` does not name.
    """
    label = table.columns[0]
    every = {str(d) for d in (full if full is not None else table)[label]}
    others = sorted(every - {str(d) for d in table[label]})
    figures = []
    for record in table.to_dict("records"):
        name = str(record[label])
        chosen = [name] if name in every else others
        for column, key in (("previous", keys[0]), ("latest", keys[1])):
            figures.append(figure(name, ctx.label(key), record[column], _window_months(ctx, key),
                                  window=key, exclude=[ANTI_SOCIAL_BEHAVIOUR],
                                  districts=chosen or [name]))
    months = _window_months(ctx, keys[0]) + _window_months(ctx, keys[1])
    return {"windows": _windows(ctx, keys), "figures": figures,
            "filter": describe_filter(None, [ANTI_SOCIAL_BEHAVIOUR], months) +
            " (each row: District = its district)"}


NO_OUTCOME = "No outcome recorded"  # crime.outcome_shares' name for a blank outcome


def outcomes(ctx: Any, table: pd.DataFrame, shares: pd.DataFrame,
             key: str = "latest_12") -> dict:
    """Outcome shares (``crime.outcome_shares``) or their groups: each row's crimes.

    A row of ``table`` is an outcome (column ``outcome``) or a group (column ``group``:
    the outcomes of ``shares`` in it). Every type but anti-social behaviour, in one window.
    """
    months = _window_months(ctx, key)
    figures = []
    for record in table.to_dict("records"):
        if "outcome" in table.columns:
            chosen, row = [record["outcome"]], f"{record['group']}: {record['outcome']}"
        else:
            chosen = list(shares.loc[shares["group"] == record["group"], "outcome"])
            row = str(record["group"])
        raw = ["" if o == NO_OUTCOME else str(o) for o in chosen]
        figures.append(figure(row, "Crimes", record["count"], months, window=key,
                              exclude=[ANTI_SOCIAL_BEHAVIOUR], outcomes=raw or ["?"]))
    return {"windows": _windows(ctx, [key]), "figures": figures,
            "filter": describe_filter(None, [ANTI_SOCIAL_BEHAVIOUR], months) +
            " (each row: Last outcome category in its outcomes)"}


def spc(assessment: Any) -> dict:
    """An SPC chart (``spc.SpcResult``): each point's month and value.

    A police.uk point is that month's count (police.uk measures are counts); a return's
    point is named by its return (``explain`` does not recount it); a missing point has no
    value.
    """
    m = assessment.measure
    figures = [figure(str(p.label), "value", p.value, [str(p.label)],
                      crime_types=m.crime_types or None, exclude=m.exclude_crime_types or None,
                      measure=m.id, source=m.source)
               for p in assessment.spc.points]
    months = [str(p.label) for p in assessment.spc.points]
    what = describe_filter(m.crime_types or None, m.exclude_crime_types or None, months) \
        if m.source == POLICE_UK else f"force return {m.source}; months {span(months)}"
    return {"measures": [m.id], "figures": figures, "filter": what,
            "windows": {"spc": {"label": f"SPC chart, {span(months)}", "months": months}}}


def dashboard(ctx: Any, assessments: Iterable[Any]) -> dict:
    """The dashboard: each measure's baseline year against its latest 12 months."""
    return comparisons(ctx, assessments, ("latest_12_vs_baseline",))


def sources(*paths: str | Path) -> dict:
    """A table that is not counted figures (definitions, rules, Part 3): the files it shows.

    A relative path is from the report folder (``data/inputs.json``); absolute paths name
    files elsewhere (``config/measures.yml``).
    """
    return {"sources": [str(p) for p in paths],
            "filter": "not counted from the monthly table: shown from its source files"}


def monthly(ctx: Any, series: pd.DataFrame, crime_types: Iterable[str] | None = None,
            by: str | None = None) -> dict:
    """A monthly chart (``crime.monthly_series``): one figure per month (and per ``by`` value)."""
    figures = []
    for record in series.to_dict("records"):
        if by:
            own: dict = {"crime_types": [record[by]]}
            row = f"{record[by]}, {record['month']}"
        else:
            own = {"crime_types": list(crime_types)} if crime_types else \
                {"exclude": [ANTI_SOCIAL_BEHAVIOUR]}
            row = str(record["month"])
        figures.append(figure(row, "count", record["count"], [str(record["month"])], **own))
    months = sorted({str(m) for m in series["month"]})
    return {"figures": figures,
            "filter": describe_filter(crime_types, None if crime_types else
                                      [ANTI_SOCIAL_BEHAVIOUR], months)}


def complete(partial: dict | None, name: str, kind: str, caption: str,
             inputs: dict | None, data_dir: Path | None = None) -> dict:
    """A full record: the builder's part, the id, kind, caption and the input files used.

    The id is the output's anchor in the HTML book, ``tbl-<name>`` or ``fig-<name>`` (a
    table and a chart may share a name: their CSV and PNG files differ). The inputs are the
    police.uk files of the police.uk figures' months, the force return of each return
    figure (``data_dir/returns/<source>.csv``, hashed) and a :func:`sources` table's files;
    a record with no builder's part lists every police.uk file.
    """
    record = {"id": f"{'tbl' if kind == 'table' else 'fig'}-{name}", "kind": kind,
              "caption": " ".join(caption.split())}
    record.update(partial or {"filter": "not recorded for this output: see the section's "
                              "source note"})
    figures = record.get("figures", [])
    months = {m for f in figures if f["source"] == POLICE_UK for m in f["months"]}
    files = (inputs or {}).get("files", [])
    listed = [
        {"file": f["file"], "month": f["month"], "rows": f.get("rows"),
         "sha256": f.get("sha256")}
        for f in files if partial is None or f["month"] in months
    ]
    returned: dict[str, set[str]] = {}
    for f in figures:
        if f["source"] != POLICE_UK:
            returned.setdefault(f["source"], set()).update(f["months"])
    base = Path(data_dir).parent if data_dir is not None else None
    listed += [_file_entry(base, Path("data/returns") / f"{source}.csv", "force return",
                           span(returned[source])) for source in sorted(returned)]
    # The sources' paths end here: a file outside the report is named from the project root
    # (``config/measures.yml``), so the record holds no path of the checkout that built it.
    listed += [_file_entry(base, Path(p), "source", None) for p in record.pop("sources", [])]
    record["inputs"] = listed
    return record


def _file_entry(report_dir: Path | None, path: Path, kind: str, months: str | None) -> dict:
    """A force return's or source file's input entry, hashed where it is found.

    A relative path is from the report folder (``data/returns/calls.csv``) and named so; a
    file elsewhere (a configuration file) by its path from the project root when it is under
    it, else by its name.
    """
    found = path if path.is_absolute() or report_dir is None else report_dir / path
    known = path.is_absolute() or report_dir is not None
    if not path.is_absolute():
        shown = path.as_posix()
    elif found.is_relative_to(PROJECT_ROOT):
        shown = found.relative_to(PROJECT_ROOT).as_posix()
    else:
        shown = found.name
    digest = hashlib.sha256(found.read_bytes()).hexdigest() if known and found.is_file() \
        else None
    return {"file": shown, "month": months, "kind": kind, "rows": None, "sha256": digest}


def metadata(record: dict, cell: int | None) -> dict:
    """The notebook output's metadata carrying the record (``collect`` reads it back)."""
    return {METADATA_KEY: {"lineage": record, "execution_count": cell}}


def details_html(record: dict) -> str:
    """The HTML book's "Where this comes from" disclosure under a table or chart.

    It names no cell number: a running cell's execution count is not the notebook's (papermill
    and nbval count differently), so the page would differ on re-execution; the cell is in
    ``data/lineage.json``, read from the executed notebook at the collect stage.
    """
    esc = html.escape
    parts = [f'<details class="pcc-lineage"><summary>Where this comes from '
             f'(id <code>{esc(record["id"])}</code>)</summary>']
    parts.append("<p>Made by this page's notebook (the executed copy is in the report's "
                 f"notebooks folder); the full chain, with its cell, is in "
                 f"data/{LINEAGE_FILE}.</p>")
    if record.get("measures"):
        parts.append(f"<p>Measures: {esc(', '.join(record['measures']))}</p>")
    parts.append(f"<p>Filter on the monthly table: {esc(record.get('filter', ''))}</p>")
    if record.get("windows"):
        windows = "; ".join(f"{w['label']}: {span(w['months'])}"
                            for w in record["windows"].values())
        parts.append(f"<p>Windows: {esc(windows)}</p>")
    files = record.get("inputs", [])
    if files:
        shown = "".join(
            f"<li>{esc(f['file'])} ({esc(str(f['month']))}, {f.get('rows')} rows"
            + (f", sha256 {esc(f['sha256'][:16])}" if f.get("sha256") else "") + ")</li>"
            for f in files)
        parts.append(f"<p>Input files ({len(files)}):</p><ul>{shown}</ul>")
    parts.append(f"<p>Recount it: <code>pcc-report explain REPORT_DIR "
                 f"{esc(record['id'])}</code></p></details>")
    return "".join(parts)


def carried(output: dict) -> dict | None:
    """The record an output carries: in its metadata, or (Markdown) under its mime type's."""
    meta = output.get("metadata", {})
    found = meta.get(METADATA_KEY) or next(
        (v[METADATA_KEY] for v in meta.values() if isinstance(v, dict) and METADATA_KEY in v),
        None)
    return found if found and "lineage" in found else None


def collect(notebooks: Iterable[Path]) -> dict[str, dict]:
    """Every lineage record in the executed notebooks, by id, with its notebook and cell."""
    found: dict[str, dict] = {}
    for path in notebooks:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
        for index, cell in enumerate(notebook.get("cells", [])):
            for output in cell.get("outputs", []):
                found_here = carried(output)
                if found_here is None:
                    continue
                record = dict(found_here["lineage"])
                if record["id"] in found:
                    raise ValueError(f"two outputs have the id {record['id']}: "
                                     f"{found[record['id']]['notebook']} and {Path(path).name}")
                record["notebook"] = f"notebooks/{Path(path).name}"
                record["cell"] = index
                record["execution_count"] = cell.get("execution_count")
                found[record["id"]] = record
    return dict(sorted(found.items()))


def write(notebooks: Iterable[Path], data_dir: Path) -> Path:
    """``data/lineage.json`` from the executed notebooks."""
    path = Path(data_dir) / LINEAGE_FILE
    path.write_text(json.dumps(collect(notebooks), indent=1, sort_keys=True) + "\n",
                    encoding="utf-8")
    return path


def check(report_dir: Path, manifest: dict) -> list[str]:
    """``data/lineage.json`` is what the executed notebooks carry (verify's check)."""
    path = Path(report_dir) / "data" / LINEAGE_FILE
    notebooks = [Path(report_dir) / nb["executed"] for nb in manifest.get("notebooks", [])]
    if not path.is_file() or not all(p.is_file() for p in notebooks):
        return []
    try:
        same = json.loads(path.read_text(encoding="utf-8")) == collect(notebooks)
    except (ValueError, KeyError):
        same = False
    return [] if same else [f"data/{LINEAGE_FILE} differs from the lineage the executed "
                            "notebooks carry"]
