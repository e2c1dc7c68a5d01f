"""Validate input data before any figure is computed from it.

One concept: *validation*. Every input dataset has one Great Expectations (GX) expectation suite,
kept as reviewable JSON in ``expectations/<dataset>.json``. Each expectation's ``meta`` carries
``{"level": "error" | "warning", "rule": "<plain-English rule shown to analysts>"}``. Errors stop
the report; warnings are listed in the report's data-quality appendix.

Validation of the police.uk street files has two layers, reported the same way:

1. :func:`check_street_file` -- file-level structure, run by the ingest step on each file before it
   is read: empty file, corrupt or truncated gzip, text that is not readable CSV, wrong header
   (naming the missing and unexpected columns), month in the file name that cannot be parsed.
2. :func:`validate_street` -- row-level rules on the combined frame of all files of one force,
   judged by GX (ephemeral context, pandas data source, dataframe batch), plus the check that every
   required month is present.

The force returns (``returns/README.md``: calls, surveys, workforce, referrals, first time
entrants) are validated by :func:`validate_returns`, one suite ``returns_<name>.json`` per return,
with the same two layers for each file present: structure (empty, unreadable, wrong header, rows
with the wrong number of fields), then its rows by GX. A return that is absent is not a problem
(its measures show "not available"); a CSV file that is not a known return is a warning.

Public API::

    Problem(suite, rule, level, column, message, examples, unexpected_count)   # one failed rule
    ValidationReport(suites, problems, incomplete_months, rows_checked)
        .ok  .errors()  .warnings()  .format_errors()  .to_markdown()  .to_html()  .to_dict()
        .write(folder)          # folder/validation.json + folder/validation.html
        ValidationReport.combine(reports)   # street + returns -> one report
    check_street_file(path, display_name=None) -> list[Problem]
    validate_street(frame, *, required_months, allow_missing=False, file_problems=(),
                    expectations_dir=DEFAULT_EXPECTATIONS_DIR) -> ValidationReport
    validate_returns(folder, *, expectations_dir=DEFAULT_EXPECTATIONS_DIR) -> ValidationReport
    RETURNS, return_suite_name(name)    # the seven returns; "returns_<name>"

The frame given to :func:`validate_street` holds the 12 police.uk columns as text (empty values as
``""``; NaN/None are normalised to ``""`` here) plus the ingest columns ``source_file`` (path
relative to the data root), ``source_line`` (1-based line in that file, the header is line 1),
``file_month`` (``YYYY-MM`` from the file name) and ``force`` (slug). Examples of bad values name
the file and line, so an analyst can open the file and look.

Before GX runs, the frame gets three derived columns so that GX itself judges rules that text
columns cannot express: ``_longitude_number``/``_latitude_number`` (coordinates as numbers, for
the UK bounding box) and ``_month_rows_vs_median`` (for the plausible-row-count warning).
Validating the 0.6 M rows of three years of Lancashire takes about 3 s after the GX import. The
returns' frames are read by this module (so that every row keeps its true line number) and get
their own derived columns (``_<column>_number`` and a few more, see
:func:`_prepare_return_frame`); all seven returns of three years take under 1 s.

Great Expectations is imported lazily, once per process, because importing it takes ~4-5 s and
most callers (the notebooks, the CLI's ``--help``) never validate anything. GX Data Docs are not
used: they load assets from CDNs, and the report must work offline; this module renders results
itself (JSON, a self-contained HTML page and markdown for the book).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import gzip
import hashlib
import html
import io
import json
import math
import os
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pcc_report.police_uk import EXPECTATIONS_DIR, STREET_COLUMNS, STREET_FILE_NAME, STREET_SUITE
from pcc_report.returns import RETURNS

if TYPE_CHECKING:  # pandas is imported lazily too: check_street_file does not need it.
    import pandas

__all__ = [
    "DEFAULT_EXPECTATIONS_DIR",
    "RETURNS",
    "STREET_COLUMNS",
    "STREET_SUITE",
    "Problem",
    "ValidationReport",
    "check_street_file",
    "return_suite_name",
    "validate_returns",
    "validate_street",
]

#: Where the expectation suites live: ``<repo>/expectations`` (the package is installed editable).
DEFAULT_EXPECTATIONS_DIR = EXPECTATIONS_DIR

#: Columns added by ``pcc_report.ingest`` to trace every row back to its file and line.
INGEST_COLUMNS: tuple[str, ...] = ("source_file", "source_line", "file_month", "force")

#: Columns computed here so that GX can judge numeric and per-month rules on text input.
DERIVED_COLUMNS: tuple[str, ...] = (
    "_longitude_number",
    "_latitude_number",
    "_month_rows_vs_median",
)

#: Suite name on problems about the returns folder itself (a file that is not a known return).
RETURNS_FOLDER = "returns"

#: At most this many example values are reported per failed rule.
MAX_EXAMPLES = 5

ERROR = "error"
WARNING = "warning"
LEVELS = (ERROR, WARNING)

# Rule names of the structural checks (the GX rules' names live in the suite JSON).
RULE_FILE_NAME = "File name starts with a valid YYYY-MM month"
RULE_NOT_EMPTY = "File is not empty"
RULE_GZIP = "File is a complete gzip archive"
RULE_READABLE = "File is readable CSV text (UTF-8)"
RULE_HEADER = "Header is exactly the police.uk street header"
RULE_MONTHS = "Every required month has data"
RULE_KNOWN_RETURN = "File name is a known return"
RULE_RETURN_HEADER = "Header is exactly the return's template header"
RULE_FIELDS = "Every row has as many fields as the header"
RULE_HAS_ROWS = "File has data rows"

# GX rule types whose kwargs name a key (several columns) rather than one column.
_KEY_RULE_TYPES = frozenset({"expect_compound_columns_to_be_unique"})
_SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xls", ".xlsm", ".ods"})
# What the derived helper columns of the returns suites accept as a number: plain non-negative
# decimals only, so a value that already fails its text rule is not reported again by a numeric
# rule (-5, 1e3, " 5" and "inf" are not numbers here).
_PLAIN_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_QUARTER = re.compile(r"^(?P<start>[0-9]{4})-(?P<end>[0-9]{2})-Q[1-4]$")

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20


# --------------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One failed rule, with enough detail for an analyst to find the bad rows.

    ``examples`` holds up to :data:`MAX_EXAMPLES` dicts ``{"file", "line", "value"}``: ``file``
    is ``None`` when the rule is about the whole table (a missing month), ``line`` is ``None``
    when it is about a whole file (a corrupt archive, an implausible month) and ``value`` is
    ``None`` when there is no single bad value to show. ``unexpected_count`` counts failing rows
    (files or months for structural rules).
    """

    suite: str
    rule: str
    level: str  # "error" | "warning"
    column: str | None
    message: str
    examples: list[dict] = field(default_factory=list)
    unexpected_count: int = 0

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {self.level!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (used by :meth:`ValidationReport.write`)."""
        return asdict(self)


@dataclass
class ValidationReport:
    """Outcome of validating one input dataset (for police.uk: all files of one force).

    ``suites`` has one dict per GX suite run: name, JSON file name, its sha256 (so the report
    records exactly which reviewed rules were applied), success flags, counts and per-expectation
    results. ``incomplete_months`` lists required months that have no data; with
    ``allow_missing=True`` they are warnings and the figures for them are to be marked
    "incomplete data".
    """

    suites: list[dict]
    problems: list[Problem]
    incomplete_months: list[str]
    rows_checked: int

    @property
    def ok(self) -> bool:
        """True when no error-level rule failed: the report may be built."""
        return not self.errors()

    def errors(self) -> list[Problem]:
        """Error-level problems (the report is not built)."""
        return [p for p in self.problems if p.level == ERROR]

    def warnings(self) -> list[Problem]:
        """Warning-level problems (listed in the data-quality appendix)."""
        return [p for p in self.problems if p.level == WARNING]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: stable content, no timestamps, so reruns give identical files."""
        return {
            "ok": self.ok,
            "rows_checked": self.rows_checked,
            "error_count": len(self.errors()),
            "warning_count": len(self.warnings()),
            "incomplete_months": list(self.incomplete_months),
            "suites": self.suites,
            "problems": [p.to_dict() for p in self.problems],
        }

    def format_errors(self) -> str:
        """Multi-line text for the terminal: for each error, the rule, column, files and lines."""
        errors = self.errors()
        if not errors:
            return "Validation passed: no errors."
        lines = [f"Validation failed: {len(errors)} error(s) in the input data."]
        for problem in errors:
            lines.append(f"ERROR [{problem.suite}] rule: {problem.rule}")
            if problem.column:
                lines.append(f"  column: {problem.column}")
            lines.append(f"  {problem.message}")
            for example in problem.examples:
                lines.append(f"  - {_example_text(example)}")
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """Markdown for the book's data-quality appendix; every data value is escaped.

        Uses paragraphs and tables only (no headings) so that it can be placed under any heading
        of the notebook that displays it.
        """
        out: list[str] = []
        status = "passed" if self.ok else "failed"
        out.append(
            f"Input validation **{status}**: {self.rows_checked:,} rows checked, "
            f"{len(self.errors())} error(s), {len(self.warnings())} warning(s)."
        )
        if self.incomplete_months:
            months = ", ".join(_md(m) for m in self.incomplete_months)
            out.append(f"Months with no data (figures are marked incomplete data): {months}.")
        for suite in self.suites:
            out.append("")
            out.append(
                f"Rules of suite `{_md_code(suite['name'])}` (sha256 `{suite['sha256'][:12]}`):"
            )
            out.append("")
            out.append("| Rule | Level | Result | Failing rows |")
            out.append("|---|---|---|---:|")
            for exp in suite["expectations"]:
                result = "passed" if exp["success"] else "FAILED"
                out.append(
                    f"| {_md(exp['rule'])} | {exp['level']} | {result} | "
                    f"{exp['unexpected_count']:,} |"
                )
        if self.problems:
            out.append("")
            out.append("Problems found:")
            out.append("")
            out.append("| Level | Rule | Column | Count | Details | Examples (file, line, value) |")
            out.append("|---|---|---|---:|---|---|")
            for p in self.problems:
                examples = "; ".join(_md(_example_text(e)) for e in p.examples) or "-"
                out.append(
                    f"| {p.level} | {_md(p.rule)} | {_md(p.column or '-')} | "
                    f"{p.unexpected_count:,} | {_md(p.message)} | {examples} |"
                )
        else:
            out.append("")
            out.append("No problems found.")
        return "\n".join(out) + "\n"

    def to_html(self) -> str:
        """A self-contained HTML page (inline CSS, no scripts or external assets)."""
        e = _h
        n_err, n_warn = len(self.errors()), len(self.warnings())
        status = "PASSED" if self.ok else "FAILED"
        body: list[str] = [
            "<h1>Input data validation</h1>",
            f'<p class="status {"ok" if self.ok else "fail"}"><strong>Validation {status}'
            f"</strong>: {self.rows_checked:,} rows checked, {n_err} error(s), "
            f"{n_warn} warning(s).</p>",
        ]
        if self.incomplete_months:
            body.append(
                "<p>Months with no data (figures are marked incomplete data): "
                + ", ".join(e(m) for m in self.incomplete_months)
                + ".</p>"
            )
        body.append("<h2>Problems</h2>")
        if not self.problems:
            body.append("<p>No problems found.</p>")
        else:
            body.append(
                "<table><caption>Failed rules, with up to five example rows each</caption>"
                '<thead><tr><th scope="col">Level</th><th scope="col">Rule</th>'
                '<th scope="col">Column</th><th scope="col">Count</th>'
                '<th scope="col">Details</th><th scope="col">Examples</th></tr></thead><tbody>'
            )
            for p in self.problems:
                examples = "".join(f"<li>{_example_html(x)}</li>" for x in p.examples)
                body.append(
                    f'<tr class="{e(p.level)}"><td>{e(p.level.upper())}</td><td>{e(p.rule)}</td>'
                    f"<td>{e(p.column or '-')}</td><td>{p.unexpected_count:,}</td>"
                    f"<td>{e(p.message)}</td><td><ul>{examples}</ul></td></tr>"
                )
            body.append("</tbody></table>")
        for suite in self.suites:
            body.append(f"<h2>Suite {e(suite['name'])}</h2>")
            body.append(
                f"<p>File <code>{e(suite['file'])}</code>, sha256 <code>{e(suite['sha256'])}"
                f"</code>: {suite['successful']} of {suite['evaluated']} expectations passed.</p>"
            )
            body.append(
                f"<table><caption>Expectations of suite {e(suite['name'])}</caption>"
                '<thead><tr><th scope="col">Rule</th><th scope="col">Level</th>'
                '<th scope="col">Column</th><th scope="col">Result</th>'
                '<th scope="col">Failing rows</th></tr></thead><tbody>'
            )
            for exp in suite["expectations"]:
                result = "passed" if exp["success"] else "FAILED"
                body.append(
                    f"<tr><td>{e(exp['rule'])}</td><td>{e(exp['level'])}</td>"
                    f"<td>{e(exp['column'] or '-')}</td><td>{result}</td>"
                    f"<td>{exp['unexpected_count']:,}</td></tr>"
                )
            body.append("</tbody></table>")
        return _HTML_PAGE.format(body="\n".join(body))

    @classmethod
    def combine(cls, reports: Sequence[ValidationReport]) -> ValidationReport:
        """One report for several validated inputs (police.uk street data and force returns).

        Suites and problems keep the given order, so the report reads input by input; the
        incomplete months are the sorted union and the rows checked are summed. The inputs are
        not modified.
        """
        return cls(
            suites=[suite for report in reports for suite in report.suites],
            problems=[problem for report in reports for problem in report.problems],
            incomplete_months=sorted({m for report in reports for m in report.incomplete_months}),
            rows_checked=sum(report.rows_checked for report in reports),
        )

    def write(self, folder: Path) -> None:
        """Write ``validation.json`` and ``validation.html`` into ``folder`` (created if needed).

        The JSON has sorted keys and no timestamps so that two runs on the same inputs produce
        byte-identical files (part of the audit trail).
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
        (folder / "validation.json").write_text(text + "\n", encoding="utf-8")
        (folder / "validation.html").write_text(self.to_html(), encoding="utf-8")


_HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Input data validation</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; line-height: 1.4; }}
table {{ border-collapse: collapse; margin: 1rem 0; }}
caption {{ text-align: left; font-weight: bold; padding: 0.25rem 0; }}
th, td {{ border: 1px solid #666; padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }}
th {{ background: #e8e8e8; }}
tr.error td:first-child {{ font-weight: bold; color: #8b0000; }}
tr.warning td:first-child {{ font-weight: bold; color: #6b4e00; }}
.status.ok {{ border-left: 6px solid #1d6b2f; padding-left: 0.5rem; }}
.status.fail {{ border-left: 6px solid #8b0000; padding-left: 0.5rem; }}
code {{ background: #f2f2f2; padding: 0 0.2rem; white-space: pre-wrap; }}
ul {{ margin: 0; padding-left: 1.2rem; }}
</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""


# --------------------------------------------------------------------------------------------
# Layer 1: file-level structure
# --------------------------------------------------------------------------------------------


def check_street_file(path: Path, display_name: str | None = None) -> list[Problem]:
    """Check one police.uk street file's structure before it is read; [] when it is sound.

    Reads the whole file once (plain CSV, or gzip detected by its magic bytes) because a
    truncated gzip archive is only detectable at its end. Checks: the file name's month, that
    the file is not empty and has data rows, gzip integrity, UTF-8 text without NUL bytes, and
    the exact header. ``display_name`` is how the file is named in problems (the ingest passes
    the path relative to the data root, the same value as the frame's ``source_file``); by
    default the path as given.
    """
    path = Path(path)
    shown = display_name if display_name is not None else path.as_posix()
    problems: list[Problem] = []

    def problem(rule: str, message: str, line: int | None = None, value: str | None = None) -> None:
        problems.append(
            Problem(
                suite=STREET_SUITE,
                rule=rule,
                level=ERROR,
                column=None,
                message=f"{shown}: {message}",
                examples=[{"file": shown, "line": line, "value": value}],
                unexpected_count=1,
            )
        )

    name_match = STREET_FILE_NAME.match(path.name)
    if name_match is None:
        problem(
            RULE_FILE_NAME,
            "file name is not <YYYY-MM>-<force>-street.csv[.gz], so its month is unknown",
            value=path.name,
        )
    elif not _MONTH.match(name_match["month"]):
        problem(RULE_FILE_NAME, "month in the file name is not a valid month", value=path.name)

    try:
        size = path.stat().st_size
    except OSError as exc:
        problem(RULE_READABLE, f"cannot open the file ({exc.strerror or exc})")
        return problems
    if size == 0:
        problem(RULE_NOT_EMPTY, "file is empty (0 bytes)")
        return problems

    try:
        scan = _scan_text(path)
    except OSError as exc:
        problem(RULE_READABLE, f"cannot read the file ({exc.strerror or exc})")
        return problems
    if scan.is_gzip and not path.name.endswith(".gz"):
        # The reader picks decompression from the name, so it would parse compressed bytes.
        problem(RULE_READABLE, "file is gzip-compressed but its name does not end in .gz")
        return problems
    if scan.gzip_error:
        problem(
            RULE_GZIP,
            f"gzip archive is corrupt or truncated ({scan.gzip_error}) after "
            f"{scan.lines_read:,} complete line(s)",
            line=scan.lines_read + 1 if scan.lines_read else None,
        )
    if scan.text_error:
        problem(RULE_READABLE, scan.text_error, line=scan.text_error_line)
    if scan.gzip_error or scan.text_error:
        return problems

    if not scan.header.strip():
        problem(RULE_NOT_EMPTY, "file has no header and no data")
        return problems
    header_problem = _header_problem(scan.header)
    if header_problem:
        problem(RULE_HEADER, header_problem, line=1, value=scan.header)
    if not scan.has_data:
        problem(RULE_NOT_EMPTY, "file has a header but no data rows", line=1)
    return problems


@dataclass
class _Scan:
    """What one pass over a file's bytes found (see :func:`_scan_text`)."""

    header: str = ""
    is_gzip: bool = False
    has_data: bool = False
    lines_read: int = 0
    gzip_error: str = ""
    text_error: str = ""
    text_error_line: int | None = None


def _scan_text(path: Path) -> _Scan:
    """Decompress and decode the whole file in chunks, keeping only the header line.

    Counting newlines (not CSV rows) is enough for line numbers: police.uk fields never contain
    line breaks. The csv module is not used on the body because it is ~4x slower than this and the
    ingest step parses the rows anyway.
    """
    scan = _Scan()
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    header_parts: list[str] = []
    header_done = False
    with path.open("rb") as raw:
        scan.is_gzip = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not scan.is_gzip and path.name.endswith(".gz"):
            scan.gzip_error = "not a gzip file (no gzip signature)"
            return scan
        if scan.is_gzip and not path.name.endswith(".gz"):
            return scan
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if scan.is_gzip else raw
        while True:
            try:
                chunk = stream.read(_CHUNK)
            except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as exc:
                scan.gzip_error = str(exc) or type(exc).__name__
                return scan
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                scan.text_error = f"text is not UTF-8 ({exc.reason}); not a readable CSV file"
                scan.text_error_line = scan.lines_read + chunk[: exc.start].count(b"\n") + 1
                return scan
            if "\x00" in text:
                before = text.split("\x00", 1)[0]
                scan.text_error = "contains NUL bytes: binary data, not a readable CSV file"
                scan.text_error_line = scan.lines_read + before.count("\n") + 1
                return scan
            if text:
                if not header_done:
                    head, newline, rest = text.partition("\n")
                    header_parts.append(head)
                    if newline:
                        header_done = True
                        scan.has_data = bool(rest.strip())
                elif not scan.has_data and text.strip():
                    scan.has_data = True
                scan.lines_read += text.count("\n")
            if final:
                break
    scan.header = "".join(header_parts).rstrip("\r")
    return scan


def _header_problem(header_line: str, expected: Sequence[str] = STREET_COLUMNS) -> str:
    """Describe how ``header_line`` differs from ``expected``; "" when it matches."""
    try:
        columns = next(csv.reader([header_line]))
    except csv.Error as exc:
        return f"header is not readable CSV ({exc})"
    return _columns_problem(columns, expected)


def _columns_problem(columns: Sequence[str], expected: Sequence[str]) -> str:
    """Name the missing, unexpected and repeated columns of a header; "" when it is exact."""
    if tuple(columns) == tuple(expected):
        return ""
    missing = [c for c in expected if c not in columns]
    unexpected = [c for c in columns if c not in expected]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    parts = []
    if missing:
        parts.append("missing column(s): " + ", ".join(repr(c) for c in missing))
    if unexpected:
        parts.append("unexpected column(s): " + ", ".join(repr(c) for c in unexpected))
    if duplicated:
        parts.append("repeated column(s): " + ", ".join(repr(c) for c in duplicated))
    if not parts:
        parts.append("columns are in the wrong order")
    return "wrong header: " + "; ".join(parts)


# --------------------------------------------------------------------------------------------
# Layer 2: rows, judged by Great Expectations
# --------------------------------------------------------------------------------------------


def validate_street(
    frame: pandas.DataFrame | None,
    *,
    required_months: Sequence[str],
    allow_missing: bool = False,
    file_problems: Iterable[Problem] = (),
    expectations_dir: Path = DEFAULT_EXPECTATIONS_DIR,
) -> ValidationReport:
    """Validate the combined police.uk street frame of one force against its suite.

    ``frame`` may be ``None`` when no file could be read (every month is then missing).
    ``required_months`` are the ``YYYY-MM`` months the report needs; a month with no rows is an
    error, or a warning listed in ``incomplete_months`` when ``allow_missing`` is true.
    ``file_problems`` (from :func:`check_street_file`) are put first in the report so that all
    problems are shown in one place. GX decides pass/fail of every row rule; this function only
    turns GX's results into :class:`Problem` objects that name file, line, column and rule.
    """
    for month in required_months:
        if not _MONTH.match(str(month)):
            raise ValueError(f"required month {month!r} is not YYYY-MM")
    if frame is None:  # no readable file at all: run the rules on no rows, report the months
        import pandas as pd

        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in STREET_COLUMNS})
        for column in INGEST_COLUMNS:
            frame[column] = pd.Series([], dtype="int64" if column == "source_line" else "str")
    missing_ingest = [c for c in INGEST_COLUMNS if c not in frame.columns]
    if missing_ingest:
        raise ValueError(
            f"frame lacks the ingest column(s) {missing_ingest}; build it with pcc_report.ingest"
        )

    suite_path = Path(expectations_dir) / f"{STREET_SUITE}.json"
    suite_bytes = suite_path.read_bytes()
    suite_json = json.loads(suite_bytes)
    gx_frame = _prepare_street_frame(frame)
    result = _run_suite(suite_json, gx_frame)

    problems = list(file_problems)
    suite_summary, suite_problems = _interpret(suite_json, result, gx_frame)
    suite_summary["file"] = suite_path.name
    suite_summary["sha256"] = hashlib.sha256(suite_bytes).hexdigest()
    problems.extend(suite_problems)

    present = set(gx_frame["file_month"].unique().tolist()) if len(gx_frame) else set()
    missing = sorted({str(m) for m in required_months} - present)
    if missing:
        level = WARNING if allow_missing else ERROR
        consequence = (
            "figures for these months are marked incomplete data"
            if allow_missing
            else "the report needs them (pass allow_missing to build it marked incomplete)"
        )
        problems.append(
            Problem(
                suite=STREET_SUITE,
                rule=RULE_MONTHS,
                level=level,
                column="file_month",
                message=f"{len(missing)} required month(s) have no data: "
                f"{', '.join(missing)}; {consequence}",
                examples=[{"file": None, "line": None, "value": m} for m in missing[:MAX_EXAMPLES]],
                unexpected_count=len(missing),
            )
        )
    return ValidationReport(
        suites=[suite_summary],
        problems=problems,
        incomplete_months=missing,
        rows_checked=len(gx_frame),
    )


def _prepare_street_frame(frame: pandas.DataFrame) -> pandas.DataFrame:
    """The frame GX sees: text columns with "" for missing, ingest columns, derived columns.

    The police.uk columns keep the caller's order (so the header rule can catch a reordering);
    ingest and derived columns follow. The index becomes 0..n-1 so that GX's unexpected index
    list maps straight to positions. The caller's frame is not modified.

    Why the dtypes change (values do not): GX applies each row condition by filtering the whole
    frame, dozens of times per run, and taking rows of Arrow-backed strings is slow (~10 s on
    0.7 M rows). Text columns become categorical (taking rows = taking integer codes), which
    brings a run down to a few seconds.
    """
    import pandas as pd

    source = [c for c in frame.columns if c not in INGEST_COLUMNS and c not in DERIVED_COLUMNS]
    data: dict[str, Any] = {}
    for column in [*source, *INGEST_COLUMNS]:
        values = frame[column].reset_index(drop=True)
        if column == "source_line":
            data[column] = values
            continue
        if values.hasnans:
            if isinstance(values.dtype, pd.CategoricalDtype):  # "" may not be a category yet
                values = values.astype(object)
            values = values.fillna("")
        data[str(column)] = _categorical(values)
    if "Month" in data:  # compared pairwise with file_month: categories must be identical
        months = data["Month"].cat.categories.union(data["file_month"].cat.categories)
        data["Month"] = data["Month"].cat.set_categories(months)
        data["file_month"] = data["file_month"].cat.set_categories(months)
    data["_longitude_number"] = _to_number(data.get("Longitude"), len(frame))
    data["_latitude_number"] = _to_number(data.get("Latitude"), len(frame))
    data["_month_rows_vs_median"] = _month_ratio(data["file_month"])
    return pd.DataFrame(data, copy=False)


def _categorical(values: pandas.Series) -> pandas.Series:
    """``values`` as a categorical with the same values, via Arrow's dictionary encoding.

    Arrow encodes the nearly unique Crime ID column about twice as fast as pandas' ``astype``;
    anything Arrow cannot take (mixed Python objects) falls back to pandas.
    """
    import pandas as pd
    import pyarrow as pa

    try:
        array = pa.array(values)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        encoded = array.dictionary_encode()
        categories = pd.Index(pd.array(encoded.dictionary, dtype="str"))
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        dtype = pd.CategoricalDtype(categories)
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), name=values.name)
    except (pa.ArrowException, TypeError, ValueError):
        return values.astype("category")


def _to_number(values: pandas.Series | None, length: int) -> pandas.Series:
    """Text coordinates as floats; NaN when empty or not a number (GX skips NaN in ranges).

    Converts each distinct text once (the column is categorical), not every row.
    """
    import numpy as np
    import pandas as pd

    if values is None:
        return pd.Series(np.full(length, np.nan), dtype="float64")
    if not isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype("category")
    categories = pd.Series(values.cat.categories.astype(str))
    numbers = pd.to_numeric(categories.where(categories != "", None), errors="coerce")
    table = np.append(numbers.to_numpy(dtype="float64", na_value=np.nan), np.nan)
    codes = values.cat.codes.to_numpy()  # -1 (missing) picks the trailing NaN
    return pd.Series(table[codes], dtype="float64")


def _month_ratio(file_month: pandas.Series) -> pandas.Series:
    """Per row: rows of its month divided by the median rows of the *other* months.

    Comparing with the other months (not all months) stops one wild month from pulling the
    median towards itself. NaN (not checked) when there are fewer than two months.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(file_month.dtype, pd.CategoricalDtype):
        file_month = file_month.astype("category")
    counts = file_month.value_counts()
    counts = counts[counts > 0]  # categories may include months that only appear in Month
    ratio: dict[Any, float] = {}
    if len(counts) >= 2:
        for month, count in counts.items():
            ratio[month] = float(count) / float(counts.drop(month).median())
    table = np.array([ratio.get(m, np.nan) for m in file_month.cat.categories] + [np.nan])
    return pd.Series(table[file_month.cat.codes.to_numpy()], dtype="float64")


# --------------------------------------------------------------------------------------------
# Force returns: file structure, then rows judged by Great Expectations
# --------------------------------------------------------------------------------------------


def return_suite_name(name: str) -> str:
    """``returns_<name>``: the suite (and its JSON file's stem) that validates return ``name``."""
    return f"returns_{name}"


def validate_returns(
    folder: Path, *, expectations_dir: Path = DEFAULT_EXPECTATIONS_DIR
) -> ValidationReport:
    """Validate every force return present in ``folder``, each against its own suite.

    A return that is absent is not a problem: it may simply not have been supplied, and its
    measures then show "not available". A CSV file whose name is not a known return is a warning
    (it is ignored, and a misspelt name would otherwise make a supplied return look absent).
    Each present return gets the same two layers as the street files: file structure first
    (empty, unreadable, wrong header, ragged rows: errors naming the file, and the file's rows
    are then not judged), then its rows by GX. Problems name the file as ``<folder>/<file>``
    (the folder's own name, so that the JSON report does not depend on where it was run) and
    the 1-based line (the header is line 1).

    The report has one suite summary per return whose rows were judged, with the suite file's
    sha256, and no incomplete months (a return has no required months).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"force returns folder not found: {folder}")
    problems = _unknown_return_files(folder)
    suites: list[dict] = []
    rows = 0
    for name in RETURNS:
        path = folder / f"{name}.csv"
        if not path.is_file():
            continue
        suite = return_suite_name(name)
        suite_path = Path(expectations_dir) / f"{suite}.json"
        suite_bytes = suite_path.read_bytes()
        suite_json = json.loads(suite_bytes)
        if suite_json.get("name") != suite:
            raise ValueError(f"{suite_path.name}: suite name must be {suite!r}")
        columns = _template_columns(suite_json)
        file_problems, frame = _read_return(path, f"{folder.name}/{path.name}", suite, columns)
        problems.extend(file_problems)
        if frame is None:
            continue
        gx_frame = _prepare_return_frame(frame, suite_json)
        result = _run_suite(suite_json, gx_frame)
        summary, suite_problems = _interpret(suite_json, result, gx_frame)
        summary["file"] = suite_path.name
        summary["sha256"] = hashlib.sha256(suite_bytes).hexdigest()
        suites.append(summary)
        problems.extend(suite_problems)
        rows += len(gx_frame)
    return ValidationReport(
        suites=suites, problems=problems, incomplete_months=[], rows_checked=rows
    )


def _unknown_return_files(folder: Path) -> list[Problem]:
    """Warnings for CSV (and spreadsheet) files in the folder that are not a known return.

    Other files (a README, hidden files, folders) are not data and are passed over silently.
    A close match to a known name is suggested, since the usual cause is a misspelt name.
    """
    known = [f"{name}.csv" for name in RETURNS]
    problems = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.name in known:
            continue
        suffix = path.suffix.lower()
        if suffix != ".csv" and suffix not in _SPREADSHEET_SUFFIXES:
            continue
        shown = f"{folder.name}/{path.name}"
        if suffix == ".csv":
            message = f"{shown}: not a known return, ignored"
            guess = difflib.get_close_matches(path.name.lower(), known, n=1, cutoff=0.75)
            if guess:
                message += f" (did you mean {guess[0]}?)"
        else:
            message = f"{shown}: a spreadsheet, not a CSV return, ignored (save it as CSV)"
        problems.append(
            Problem(
                suite=RETURNS_FOLDER,
                rule=RULE_KNOWN_RETURN,
                level=WARNING,
                column=None,
                message=message + "; known returns: " + ", ".join(known),
                examples=[{"file": shown, "line": None, "value": path.name}],
                unexpected_count=1,
            )
        )
    return problems


def _is_helper_column(column: str) -> bool:
    """Trace and derived columns are added by this package, not read from the data."""
    return column in INGEST_COLUMNS or column.startswith("_")


def _template_columns(suite_json: dict) -> tuple[str, ...]:
    """The return's template header, as listed by its suite's header rule.

    The suite JSON is the reviewed source of the header (a test checks it against
    ``returns/templates``); the trace and derived columns that follow it are left out.
    """
    for spec in suite_json.get("expectations", []):
        if spec.get("type") == "expect_table_columns_to_match_ordered_list":
            return tuple(c for c in spec["kwargs"]["column_list"] if not _is_helper_column(c))
    raise ValueError(f"suite {suite_json.get('name')}: it has no header rule (ordered column list)")


def _read_return(
    path: Path, shown: str, suite: str, columns: Sequence[str]
) -> tuple[list[Problem], pandas.DataFrame | None]:
    """Check one return file's structure and read it as text; frame is None when it is unsound.

    The csv module (strict quoting) reads the file rather than pandas so that every row keeps
    its true line number: pandas skips blank lines and quoted fields may span lines, either of
    which would shift ``index + 2``. Values stay text, exactly as ``pandas.read_csv(dtype=str,
    keep_default_na=False)`` would give them; blank lines are skipped as pandas does. A header
    without rows is only a warning: the return is as good as not supplied.
    """
    import pandas as pd

    problems: list[Problem] = []

    def problem(
        rule: str, message: str, line: int | None = None, value: str | None = None,
        level: str = ERROR, examples: list[dict] | None = None, count: int = 1,
    ) -> None:  # fmt: skip
        problems.append(
            Problem(
                suite=suite,
                rule=rule,
                level=level,
                column=None,
                message=f"{shown}: {message}",
                examples=examples or [{"file": shown, "line": line, "value": value}],
                unexpected_count=count,
            )
        )

    try:
        data = path.read_bytes()
    except OSError as exc:
        problem(RULE_READABLE, f"cannot read the file ({exc.strerror or exc})")
        return problems, None
    if not data:
        problem(RULE_NOT_EMPTY, "file is empty (0 bytes)")
        return problems, None
    if data.startswith(_GZIP_MAGIC):
        problem(RULE_READABLE, "file is gzip-compressed; a return is plain CSV text")
        return problems, None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problem(RULE_READABLE, f"text is not UTF-8 ({exc.reason}); not a readable CSV file", line)
        return problems, None
    if "\x00" in text:
        line = text.split("\x00", 1)[0].count("\n") + 1
        problem(RULE_READABLE, "contains NUL bytes: binary data, not a readable CSV file", line)
        return problems, None
    if not text.strip():
        problem(RULE_NOT_EMPTY, "file has no header and no data")
        return problems, None

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records: list[list[str]] = []
    lines: list[int] = []
    start = 1  # line on which the record being read starts (an open quote may run on)
    try:
        header = next(reader)
        while True:
            start = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            if record:  # [] is a blank line
                records.append(record)
                lines.append(start)
    except csv.Error as exc:
        problem(RULE_READABLE, f"not readable CSV from line {start} ({exc})", line=start)
        return problems, None

    header_text = ",".join(_csv_quote(c) for c in header)
    wrong_header = _columns_problem(header, columns)
    if wrong_header:
        problem(
            RULE_RETURN_HEADER,
            f"{wrong_header}; the template header is: {','.join(columns)}",
            line=1,
            value=header_text,
        )
        return problems, None
    ragged = [(line, r) for line, r in zip(lines, records, strict=True) if len(r) != len(header)]
    if ragged:
        problem(
            RULE_FIELDS,
            f"{len(ragged)} row(s) do not have the header's {len(header)} fields "
            "(a missing or extra comma, or an unquoted comma inside a value)",
            examples=[
                {
                    "file": shown,
                    "line": line,
                    "value": f"{len(r)} fields: " + ",".join(_csv_quote(v) for v in r),
                }
                for line, r in ragged[:MAX_EXAMPLES]
            ],
            count=len(ragged),
        )
        return problems, None
    if not records:
        problem(
            RULE_HAS_ROWS,
            "file has a header but no data rows; its measures show not available",
            line=1,
            level=WARNING,
        )

    frame = pd.DataFrame(records, columns=list(header), dtype="str")
    if not records:
        frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in header})
    # Trace columns, named as the street ingest names them (the suites list them after the
    # template's columns).
    frame["source_file"] = pd.Series([shown] * len(records), dtype="str")
    frame["source_line"] = pd.Series(lines, dtype="int64")
    return problems, frame


def _prepare_return_frame(frame: pandas.DataFrame, suite_json: dict) -> pandas.DataFrame:
    """The frame GX sees: the return's text columns, its trace columns and derived columns.

    The suite's header rule lists the derived columns it needs, and only those are computed:
    ``_<column>_number`` (a plain non-negative decimal as a number, NaN otherwise, for numeric
    and cross-field rules that text cannot express), ``_quarter_year_gap`` (0 when a
    ``YYYY-YY-Qn`` quarter's years are consecutive) and ``_month_respondents`` (respondents of
    all rows of the row's month, for the small-sample warning of a return split by group).
    """
    import numpy as np
    import pandas as pd

    wanted = [
        c
        for spec in suite_json["expectations"]
        if spec["type"] == "expect_table_columns_to_match_ordered_list"
        for c in spec["kwargs"]["column_list"]
        if c.startswith("_")
    ]
    gx_frame = frame.reset_index(drop=True).copy()
    for column in wanted:
        source = column.removeprefix("_").removesuffix("_number")
        if column.endswith("_number") and source in gx_frame.columns:
            gx_frame[column] = _plain_number(gx_frame[source])
        elif column == "_quarter_year_gap":
            gx_frame[column] = pd.Series(
                [_quarter_year_gap(v) for v in gx_frame["quarter"]], dtype="float64"
            )
        elif column == "_month_respondents":
            numbers = _plain_number(gx_frame["respondents"])
            # min_count=1: a month whose respondents are all unreadable has no total (NaN, not
            # checked) rather than 0, since those values are already errors.
            totals = numbers.groupby(gx_frame["month"]).transform(lambda s: s.sum(min_count=1))
            gx_frame[column] = totals.astype("float64") if len(totals) else np.array([], float)
        else:
            raise ValueError(f"suite {suite_json['name']}: unknown derived column {column!r}")
    return gx_frame


def _plain_number(text: pandas.Series) -> pandas.Series:
    """Text as float where it is a plain non-negative decimal (see ``_PLAIN_NUMBER``), else NaN."""
    import pandas as pd

    plain = text.astype(str).str.fullmatch(_PLAIN_NUMBER.pattern).fillna(False).astype(bool)
    return pd.to_numeric(text.where(plain, None), errors="coerce").astype("float64")


def _quarter_year_gap(text: str) -> float:
    """0 when ``YYYY-YY-Qn`` names consecutive years (2022-23), another number when not.

    NaN when the text is not in that form at all (the quarter format rule reports it).
    """
    match = _QUARTER.match(str(text))
    if match is None:
        return math.nan
    return float((int(match["end"]) - int(match["start"]) - 1) % 100)


def _run_suite(suite_json: dict, gx_frame: pandas.DataFrame) -> Any:
    """Run the suite with GX on the frame; return GX's ExpectationSuiteValidationResult.

    Runs through a ValidationDefinition (GX 1.x's way to validate a batch definition with
    runtime batch parameters). ``SUMMARY`` result format with ``partial_unexpected_count``
    gives pass/fail, counts and up to :data:`MAX_EXAMPLES` unexpected row indexes per
    expectation, which is much cheaper on 0.7 M rows than ``COMPLETE`` (every unexpected row).
    """
    expected = len(suite_json.get("expectations", []))
    rules = [e.get("meta", {}).get("rule") for e in suite_json.get("expectations", [])]
    levels = [e.get("meta", {}).get("level") for e in suite_json.get("expectations", [])]
    name = suite_json.get("name", "?")
    if any(not r for r in rules) or len(set(rules)) != len(rules):
        raise ValueError(f"suite {name}: every expectation needs a unique meta.rule")
    if any(level not in LEVELS for level in levels):
        raise ValueError(f"suite {name}: every expectation needs meta.level error or warning")
    definition = _validation_definition(json.dumps(suite_json, sort_keys=True))
    if len(definition.suite.expectations) != expected:
        # GX logs and drops invalid expectations; a silently smaller suite must not pass.
        raise ValueError(
            f"suite {name}: GX accepted {len(definition.suite.expectations)} of {expected} "
            "expectations"
        )
    return definition.run(
        batch_parameters={"dataframe": gx_frame},
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": MAX_EXAMPLES},
    )


@lru_cache(maxsize=32)
def _validation_definition(suite_text: str) -> Any:
    """The suite registered in the GX context with a ValidationDefinition, once per suite text.

    Registering costs a few tenths of a second; the cache makes repeated validations (several
    forces in one process, the test suite) pay it once per distinct suite.
    """
    import great_expectations as gx

    context, batch_definition = _gx_session()
    suite_json = json.loads(suite_text)
    # Registered under a name unique to this text: two versions of a suite (say a test's
    # edited copy) must not replace each other in the context.
    digest = hashlib.sha256(suite_text.encode("utf-8")).hexdigest()[:16]
    suite_json["name"] = f"{suite_json['name']}-{digest}"
    suite = context.suites.add_or_update(gx.ExpectationSuite(**suite_json))
    return context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=suite)
    )


@cache
def _gx_session() -> tuple[Any, Any]:
    """One ephemeral GX context per process (nothing written to disk) and its batch definition.

    The context is reused so that validating several forces in one process pays GX's set-up
    once. GX fingerprints every pandas batch by hashing all of it (~0.7 s on 0.7 M rows) only
    to store the hash in batch markers, which this module never reads; the threshold below
    which GX does that is set to 0 to skip it.
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas(name="pcc_report")
    asset = source.add_dataframe_asset(name="frame")
    return context, asset.add_batch_definition_whole_dataframe("whole_frame")


def _interpret(
    suite_json: dict, result: Any, gx_frame: pandas.DataFrame
) -> tuple[dict, list[Problem]]:
    """Turn GX's result into a suite summary and Problems, in the suite file's order."""
    by_rule = {r.expectation_config.meta["rule"]: r for r in result.results}
    summaries: list[dict] = []
    problems: list[Problem] = []
    for spec in suite_json["expectations"]:
        meta, kwargs = spec["meta"], spec["kwargs"]
        rule, level = meta["rule"], meta["level"]
        column = (
            meta.get("source_column")
            or kwargs.get("column")
            or kwargs.get("column_A")
            or (", ".join(kwargs["column_list"]) if spec["type"] in _KEY_RULE_TYPES else None)
        )
        res = by_rule[rule]
        details = res.result or {}
        exception = _exception_message(res.exception_info)
        success = bool(res.success) and not exception
        count = int(details.get("unexpected_count") or 0)
        is_header_rule = spec["type"] == "expect_table_columns_to_match_ordered_list"
        if is_header_rule and not success:
            count = 1  # one table with the wrong columns (GX reports no count for table rules)
        summaries.append(
            {
                "rule": rule,
                "level": level,
                "type": spec["type"],
                "column": column,
                "success": success,
                "unexpected_count": count,
                "element_count": int(details.get("element_count") or 0),
            }
        )
        if success:
            continue
        if exception:
            message = f"rule could not be checked: {exception}"
            examples: list[dict] = []
        elif is_header_rule:
            expected = [c for c in kwargs["column_list"] if not _is_helper_column(c)]
            observed = [str(c) for c in gx_frame.columns]
            source = [c for c in observed if not _is_helper_column(c)]
            message = "the combined data has the wrong columns: " + _columns_problem(
                source, expected
            ).removeprefix("wrong header: ")
            examples = [{"file": None, "line": None, "value": ", ".join(source)}]
        elif kwargs.get("column") == "_month_rows_vs_median":
            message, examples = _month_examples(gx_frame, kwargs)
        else:
            indexes = details.get("partial_unexpected_index_list") or []
            examples = [_row_example(gx_frame, int(i), spec) for i in indexes[:MAX_EXAMPLES]]
            total = details.get("element_count") or 0
            message = f"{count:,} of {total:,} checked row(s) break this rule"
        problems.append(
            Problem(
                suite=suite_json["name"],
                rule=rule,
                level=level,
                column=column,
                message=message,
                examples=examples,
                unexpected_count=count,
            )
        )
    errors_ok = all(s["success"] for s in summaries if s["level"] == ERROR)
    summary = {
        "name": suite_json["name"],
        "success": all(s["success"] for s in summaries),
        "errors_success": errors_ok,
        "evaluated": len(summaries),
        "successful": sum(s["success"] for s in summaries),
        "unsuccessful": sum(not s["success"] for s in summaries),
        "expectations": summaries,
    }
    return summary, problems


def _row_example(gx_frame: pandas.DataFrame, position: int, spec: dict) -> dict:
    """``{"file", "line", "value"}`` for one failing row, showing what an analyst must see.

    Pair rules show both values (by their source columns when ``meta.compared_with`` names the
    other one, since GX compares derived numeric columns); key rules show the whole key; a rule
    on a derived column with ``meta.value_label`` shows the source value and the derived one.
    """
    kwargs, meta = spec["kwargs"], spec["meta"]
    row = gx_frame.iloc[position]
    if "column_A" in kwargs and meta.get("compared_with"):
        shown, other = meta["source_column"], meta["compared_with"]
        value = f"{row[shown]} (but {other} is {row[other]})"
    elif "column_A" in kwargs:
        value = f"{row[kwargs['column_A']]} (but {kwargs['column_B']} is {row[kwargs['column_B']]})"
    elif spec["type"] in _KEY_RULE_TYPES:
        value = ", ".join(str(row[c]) for c in kwargs["column_list"])
    else:
        value = str(row[meta.get("source_column") or kwargs["column"]])
        if meta.get("value_label"):
            value += f" ({meta['value_label']}: {row[kwargs['column']]:g})"
    return {"file": str(row["source_file"]), "line": int(row["source_line"]), "value": value}


def _month_examples(gx_frame: pandas.DataFrame, kwargs: dict) -> tuple[str, list[dict]]:
    """One example per implausible month (GX's examples would all be rows of the same month)."""
    low, high = kwargs["min_value"], kwargs["max_value"]
    ratio = gx_frame.groupby("file_month", sort=True)["_month_rows_vs_median"].first()
    rows = gx_frame["file_month"].value_counts()
    files = gx_frame.groupby("file_month", sort=True)["source_file"].first()
    bad = [m for m, r in ratio.items() if not math.isnan(r) and not low <= r <= high]
    examples = [
        {
            "file": str(files[m]),
            "line": None,
            "value": f"{m}: {int(rows[m]):,} rows, {ratio[m]:.0%} of the median of the other "
            "months",
        }
        for m in bad[:MAX_EXAMPLES]
    ]
    message = (
        f"{len(bad)} month(s) have a row count outside {low:.0%}..{high:.0%} of the median "
        f"of the other months: {', '.join(bad)}"
    )
    return message, examples


def _exception_message(info: Any) -> str:
    """First exception message in GX's (possibly nested, per-metric) exception_info; "" if none."""
    if not isinstance(info, dict):
        return ""
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception")
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return ""


# --------------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------------


def _example_location(example: dict) -> str:
    file, line = example.get("file"), example.get("line")
    if file and line:
        return f"{file} line {line}"
    return str(file or "")


def _example_text(example: dict) -> str:
    """``file line N: 'value'``; the value is quoted so that empty values are visible."""
    location = _example_location(example)
    if example.get("value") is None:
        return location
    value = repr(example.get("value"))
    return f"{location}: {value}" if location else value


def _example_html(example: dict) -> str:
    location = _h(_example_location(example))
    if example.get("value") is None:
        return location
    value = f"<code>{_h(repr(example['value']))}</code>"
    return f"{location}: {value}" if location else value


def _csv_quote(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value


def _h(value: Any) -> str:
    """HTML-escape any value (data values can contain markup)."""
    return html.escape("" if value is None else str(value), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]|~$])")


def _md(value: Any) -> str:
    """Escape a value for a markdown table cell.

    HTML specials become entities (MyST passes raw HTML through); emphasis, code, link, cell
    (``|``), strikethrough, maths (``$``) and role (``{}``) markers are backslash-escaped; line
    breaks become spaces so a value cannot end the table row.
    """
    text = " ".join(str(value).splitlines())
    text = html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def _md_code(value: str) -> str:
    return value.replace("`", "'")
