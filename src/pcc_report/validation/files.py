"""Layer 1 of validation: is each input file a sound file of the right shape?

Run before any row is judged, so that an analyst gets "this file is truncated" or "this header
is wrong" rather than a parser's crash or a flood of row errors. Police.uk street files
(:func:`check_street_file`) are checked by the ingest step on each file before it is read;
force returns (:func:`check_return_file`) are read here as text, through the one return reader
(:func:`pcc_report.returns.read_return_rows`), and handed on for their rows to be judged.
Every finding is an error-level :class:`Problem` naming the file (and the line where there
is one), except a return with a header and no rows, which is only a warning.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pcc_report.police_uk import STREET_COLUMNS, STREET_FILE_NAME, STREET_SUITE
from pcc_report.returns import GZIP_MAGIC, RETURN_COLUMNS, ReturnFileError, read_return_rows
from pcc_report.validation.results import ERROR, MAX_EXAMPLES, WARNING, Problem

if TYPE_CHECKING:  # pandas is imported lazily: check_street_file does not need it.
    import pandas

# Rule names of the structural checks (the GX rules' names live in the suite JSON).
RULE_FILE_NAME = "File name starts with a valid YYYY-MM month"
RULE_NOT_EMPTY = "File is not empty"
RULE_GZIP = "File is a complete gzip archive"
RULE_READABLE = "File is readable CSV text (UTF-8)"
RULE_HEADER = "Header is exactly the police.uk street header"
RULE_RETURN_HEADER = "Header is exactly the return's template header"
RULE_FIELDS = "Every row has as many fields as the header"
RULE_HAS_ROWS = "File has data rows"

#: A valid ``YYYY-MM`` month.
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CHUNK = 1 << 20


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
    elif not MONTH.match(name_match["month"]):
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
        scan.is_gzip = raw.read(2) == GZIP_MAGIC
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
    return columns_problem(columns, expected)


def columns_problem(columns: Sequence[str], expected: Sequence[str]) -> str:
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


def check_return_file(
    path: Path, shown: str, suite: str, name: str
) -> tuple[list[Problem], pandas.DataFrame | None]:
    """Check one return file's structure and read it as text; frame is None when it is unsound.

    ``shown`` is how problems name the file, ``suite`` the suite they are filed under and
    ``name`` the return (its template columns are :data:`pcc_report.returns.RETURN_COLUMNS`).
    The frame holds the template's columns as text plus the trace columns ``source_file`` and
    ``source_line`` (the record's true line). A header without rows is only a warning: the
    return is as good as not supplied.
    """
    import pandas as pd

    columns = tuple(RETURN_COLUMNS[name])
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
        rows = read_return_rows(path)
    except ReturnFileError as exc:
        problem(RULE_NOT_EMPTY if exc.empty else RULE_READABLE, exc.reason, exc.line)
        return problems, None
    header, records, lines = rows.header, rows.records, rows.lines

    header_text = ",".join(csv_quote(c) for c in header)
    wrong_header = columns_problem(header, columns)
    if wrong_header:
        problem(
            RULE_RETURN_HEADER,
            f"{wrong_header}; the template header is: {','.join(columns)}",
            line=1,
            value=header_text,
        )
        return problems, None
    ragged = rows.ragged()
    if ragged:
        problem(
            RULE_FIELDS,
            f"{len(ragged)} row(s) do not have the header's {len(header)} fields "
            "(a missing or extra comma, or an unquoted comma inside a value)",
            examples=[
                {
                    "file": shown,
                    "line": line,
                    "value": f"{len(r)} fields: " + ",".join(csv_quote(v) for v in r),
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


def csv_quote(value: str) -> str:
    """A CSV field as a file would show it (quoted only when it must be)."""
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value
