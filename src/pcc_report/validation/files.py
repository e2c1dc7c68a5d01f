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
import operator
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

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
RULE_QUOTES = "Every quote in a row is closed"
RULE_COMPLETE = "The last line of the file is complete"
RULE_IGNORED = "Only street files are read from the police.uk download"

#: A valid ``YYYY-MM`` month.
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CHUNK = 1 << 20


def check_street_file(
    path: Path, display_name: str | None = None, member: str | None = None
) -> list[Problem]:
    """Check one police.uk street file's structure before it is read; [] when it is sound.

    Reads the whole file once (plain CSV, or gzip detected by its magic bytes) because a
    truncated gzip archive is only detectable at its end. Checks: the file name's month, that
    the file is not empty and has data rows, gzip integrity, UTF-8 text without NUL bytes, the
    exact header, and that every row is sound CSV: as many fields as the header, quotes closed,
    a last line that is complete (a cut-off download). ``display_name`` is how the file is named
    in problems (the ingest passes the path relative to the data root, the same value as the
    frame's ``source_file``); by default the path as given. ``member`` names the file inside
    the zip archive ``path`` (read in place).
    """
    path = Path(path)
    shown = display_name if display_name is not None else (member or path.as_posix())
    problems: list[Problem] = []

    def problem(
        rule: str, message: str, line: int | None = None, value: str | None = None,
        examples: list[dict] | None = None, count: int = 1,
    ) -> None:  # fmt: skip
        problems.append(
            Problem(
                suite=STREET_SUITE,
                rule=rule,
                level=ERROR,
                column=None,
                message=f"{shown}: {message}",
                examples=examples or [{"file": shown, "line": line, "value": value}],
                unexpected_count=count,
            )
        )

    file_name = (member or path.name).rsplit("/", 1)[-1]
    name_match = STREET_FILE_NAME.match(file_name)
    if name_match is None:
        problem(
            RULE_FILE_NAME,
            "file name is not <YYYY-MM>-<force>-street.csv[.gz], so its month is unknown",
            value=file_name,
        )
    elif not MONTH.match(name_match["month"]):
        problem(RULE_FILE_NAME, "month in the file name is not a valid month", value=file_name)

    def opener() -> BinaryIO:
        if member is None:
            return path.open("rb")
        archive = zipfile.ZipFile(path)
        return _ClosingMember(archive, archive.open(member))

    try:
        if member is None:
            size = path.stat().st_size
        else:
            with zipfile.ZipFile(path) as archive:
                size = archive.getinfo(member).file_size
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        problem(RULE_READABLE, f"cannot open the file ({exc.strerror or exc})")
        return problems
    if size == 0:
        problem(RULE_NOT_EMPTY, "file is empty (0 bytes)")
        return problems

    try:
        scan = _scan_text(opener, file_name)
    except (OSError, zipfile.BadZipFile) as exc:
        problem(RULE_READABLE, f"cannot read the file ({getattr(exc, 'strerror', None) or exc})")
        return problems
    if scan.is_gzip and not file_name.endswith(".gz"):
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
    expected = len(STREET_COLUMNS)
    if scan.incomplete_last is not None:
        line, text = scan.incomplete_last
        problem(
            RULE_COMPLETE,
            f"the last line ({line:,}) is cut off: {_fields_text(text)} and no line break at the "
            "end; the file looks truncated (download it again)",
            line=line, value=text,
        )  # fmt: skip
    if scan.unclosed:
        problem(
            RULE_QUOTES,
            f"{scan.unclosed_count:,} row(s) open a quote that is not closed on the same line "
            "(police.uk values never span lines)",
            examples=[{"file": shown, "line": n, "value": t} for n, t in scan.unclosed],
            count=scan.unclosed_count,
        )
    if scan.ragged:
        problem(
            RULE_FIELDS,
            f"{scan.ragged_count:,} row(s) do not have the header's {expected} fields "
            "(a missing or extra comma, or an unquoted comma inside a value)",
            examples=[{"file": shown, "line": n, "value": t} for n, t in scan.ragged],
            count=scan.ragged_count,
        )
    return problems


def ignored_files_note(names: Sequence[str]) -> list[Problem]:
    """A warning listing what the download holds besides street files (never an error).

    data.police.uk's zip and month folders also hold outcomes and stop-and-search files (and
    a zip may hold a README or a ``.DS_Store``); the report counts street files only, so these
    are noted in the data-quality appendix and not read.
    """
    if not names:
        return []
    kinds = {"outcomes": 0, "stop-and-search": 0, "other": 0}
    for name in names:
        base = name.rsplit("/", 1)[-1]
        kind = next((k for k in ("outcomes", "stop-and-search") if f"-{k}.csv" in base), "other")
        kinds[kind] += 1
    counted = ", ".join(f"{n:,} {k}" for k, n in kinds.items() if n)
    return [
        Problem(
            suite=STREET_SUITE,
            rule=RULE_IGNORED,
            level=WARNING,
            column=None,
            message=f"{len(names):,} file(s) in the download are not street files and were "
            f"not read ({counted}); the report counts street-level crime only",
            examples=[{"file": n, "line": None, "value": None} for n in names[:MAX_EXAMPLES]],
            unexpected_count=len(names),
        )
    ]


class _ClosingMember:
    """A zip member's stream that also closes its archive (so the scan needs one handle)."""

    def __init__(self, archive: zipfile.ZipFile, stream: BinaryIO) -> None:
        self._archive, self._stream = archive, stream

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def __enter__(self) -> _ClosingMember:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()
        self._archive.close()


def _fields(line: str) -> int | None:
    """Number of CSV fields on one line; None when a quote is left open."""
    if '"' not in line:
        return line.count(",") + 1
    if line.count('"') % 2:
        return None
    return len(next(csv.reader([line])))


def _fields_text(line: str) -> str:
    found = _fields(line)
    if found is None:
        return "a quote is left open"
    return f"{found} of {len(STREET_COLUMNS)} fields"


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
    ragged: list[tuple[int, str]] = field(default_factory=list)  # first examples
    ragged_count: int = 0
    unclosed: list[tuple[int, str]] = field(default_factory=list)
    unclosed_count: int = 0
    incomplete_last: tuple[int, str] | None = None  # a cut-off last line and its number

    def check_line(self, number: int, line: str, expected: int) -> None:
        """Record a row with the wrong number of fields or a quote left open."""
        if not line.strip():
            return  # blank lines are skipped by the reader
        found = _fields(line)
        if found is None:
            self.unclosed_count += 1
            if len(self.unclosed) < MAX_EXAMPLES:
                self.unclosed.append((number, line))
        elif found != expected:
            self.ragged_count += 1
            if len(self.ragged) < MAX_EXAMPLES:
                self.ragged.append((number, f"{found} fields: {line}"))


def _scan_text(opener, name: str) -> _Scan:
    """Decompress and decode the whole file in chunks, keeping only the header line.

    Counting newlines (not CSV rows) is enough for line numbers: police.uk fields never contain
    line breaks. The csv module is not used on the body because it is ~4x slower than this and the
    ingest step parses the rows anyway. Each row's fields are counted (with the csv module
    only for the few lines that hold quotes), so a ragged row or an open quote is named by
    its line instead of ending in the parser's error. ``opener`` opens the bytes (a file or a
    zip member); ``name`` is the file's name.
    """
    scan = _Scan()
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    header_parts: list[str] = []
    header_done = False
    expected = len(STREET_COLUMNS)
    carry = ""  # the unfinished last line of the text decoded so far
    line_number = 1  # the number of the line ``carry`` starts (line 1 is the header)
    with opener() as raw:
        magic = raw.read(2)
        scan.is_gzip = magic == GZIP_MAGIC
        if not scan.is_gzip and name.endswith(".gz"):
            scan.gzip_error = "not a gzip file (no gzip signature)"
            return scan
        if scan.is_gzip and not name.endswith(".gz"):
            return scan
        raw = _Prefixed(magic, raw)
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
                block = carry + text
                *complete, carry = block.split("\n")
                _check_lines(scan, complete, line_number, expected, '"' in block)
                line_number += len(complete)
            if final:
                break
    if carry.strip() and line_number > 1:  # no line break after the last line
        last = carry.rstrip("\r")
        if _fields(last) == expected:
            pass  # a complete row that merely lacks the final line break
        else:
            scan.incomplete_last = (line_number, last)
    scan.header = "".join(header_parts).rstrip("\r")
    return scan


def _check_lines(
    scan: _Scan, lines: list[str], first: int, expected: int, has_quotes: bool
) -> None:
    """Check the field counts of ``lines`` (numbered from ``first``; line 1, the header, is
    skipped). Counting commas per line runs in C; only lines with the wrong count or a quote
    are looked at one by one, so a sound file costs little more than reading it."""
    commas = list(map(_COMMA_COUNT, lines))
    quoted = [i for i, line in enumerate(lines) if '"' in line] if has_quotes else []
    if commas.count(expected - 1) == len(commas) and not quoted:
        return
    suspects = {i for i, n in enumerate(commas) if n != expected - 1} | set(quoted)
    for i in sorted(suspects):
        if first + i > 1:
            scan.check_line(first + i, lines[i].rstrip("\r"), expected)


_COMMA_COUNT = operator.methodcaller("count", ",")


class _Prefixed:
    """A stream with bytes already read from it put back in front (zip members cannot seek)."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix, self._stream = prefix, stream

    def read(self, size: int = -1) -> bytes:
        if not self._prefix:
            return self._stream.read(size)
        if size is None or size < 0:
            data, self._prefix = self._prefix + self._stream.read(), b""
            return data
        data, self._prefix = self._prefix[:size], self._prefix[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data


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
