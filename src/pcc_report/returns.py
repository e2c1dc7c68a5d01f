"""The force returns: which there are, each one's columns and their kinds, and one reader.

Why: a force return (call handling, surveys, workforce, referrals, first time entrants, hate
crime reports by district) has no public source, so the project defines a CSV template for
each (``returns/templates``) and a Great Expectations suite
(``expectations/returns_<name>.json``). :data:`RETURN_COLUMNS` is the one home in code of
each return's columns and their kinds: validation checks a file's header against it and the
measures type the values by it (tests check that the templates and the suites' header rules
list the same columns). Both read a return file through :func:`read_return_rows`, so they
see the same rows on the same lines; the measures take the typed frame of a validated return
from :func:`read_return`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from pcc_report.periods import Month, Quarter

#: The force returns, in the order they are validated and reported: each is ``<name>.csv`` in
#: the returns folder (template ``returns/templates/<name>.csv``), validated by the suite
#: ``expectations/returns_<name>.json``.
RETURNS: tuple[str, ...] = (
    "calls",
    "victim_satisfaction",
    "public_confidence",
    "workforce",
    "domestic_abuse_referrals",
    "restorative_justice_referrals",
    "first_time_entrants",
    "hate_crime_reports",
    "funding",
    "scrutiny-plan",
)

# Each force return: file <source>.csv with these columns and kinds (the templates in
# returns/templates). "month" is YYYY-MM; "quarter" is a financial quarter, 2022-23-Q2;
# "district" is a district (community safety partnership) name, as police.uk's LSOA names give.
RETURN_COLUMNS: dict[str, dict[str, str]] = {
    "calls": {
        "month": "month",
        "line": "text",
        "offered": "int",
        "answered_within_target": "int",
        "mean_answer_seconds": "float",
    },
    "victim_satisfaction": {
        "month": "month",
        "crime_group": "text",
        "respondents": "int",
        "satisfied": "int",
    },
    "public_confidence": {"month": "month", "respondents": "int", "confident": "int"},
    "workforce": {
        "month": "month",
        "police_officers": "float",
        "pcsos": "float",
        "special_constables": "float",
        "cadets": "float",
    },
    "domestic_abuse_referrals": {"month": "month", "referrals": "int"},
    "restorative_justice_referrals": {"month": "month", "referrals": "int"},
    "first_time_entrants": {"quarter": "quarter", "first_time_entrants": "int"},
    "hate_crime_reports": {"month": "month", "district": "text", "reports": "int"},
    # Part 3 of the paper (pcc_report.part3): the Commissioner's funding of districts and
    # projects, and the forward scrutiny plan. "money" is pounds with at most 2 decimal places
    # (read as exact Decimals, so totals are exact); "financial_year" is 2022-23; "date" is an
    # ISO date, 2022-11-24.
    "funding": {
        "financial_year": "financial_year",
        "recipient": "text",
        "kind": "text",
        "allocation": "money",
        "spent": "money",
        "available": "money",
    },
    "scrutiny-plan": {
        "meeting_date": "date",
        "theme": "text",
        "lead": "text",
        "areas": "text",
        "rationale": "text",
    },
}

#: Returns that feed no measure: they are Part 3's tables (:mod:`pcc_report.part3`).
PART3_RETURNS = frozenset({"funding", "scrutiny-plan"})

#: Returns whose rows are financial quarters; each quarter's figure belongs to its last month.
QUARTERLY_SOURCES = frozenset({"first_time_entrants"})

#: The first bytes of a gzip archive (a return must be plain text).
GZIP_MAGIC = b"\x1f\x8b"


class ReturnsError(ValueError):
    """A force return file cannot be read (missing column, value of the wrong kind)."""


class ReturnFileError(ReturnsError):
    """A return file is not readable CSV text at all: empty, binary, not UTF-8, broken quoting.

    ``reason`` says what is wrong without the path (validation prefixes the name it shows),
    ``line`` is the 1-based line where it was found (``None`` for the whole file) and ``empty``
    tells an empty file from an unreadable one.
    """

    def __init__(self, path: Path, reason: str, *, line: int | None = None, empty: bool = False):
        super().__init__(f"{path}: {reason}")
        self.reason, self.line, self.empty = reason, line, empty


@dataclass(frozen=True)
class ReturnRows:
    """A return file as text: its header and its records, each with the line it starts on.

    Values are exactly the file's text (``pandas.read_csv(dtype=str, keep_default_na=False)``
    would give the same), blank lines are skipped as pandas does, and ``lines`` are the true
    1-based line numbers (the header is line 1), even after blank lines or quoted line breaks.
    """

    header: list[str]
    records: list[list[str]]
    lines: list[int]

    def ragged(self) -> list[tuple[int, list[str]]]:
        """``(line, record)`` of every record without as many fields as the header."""
        width = len(self.header)
        return [(n, r) for n, r in zip(self.lines, self.records, strict=True) if len(r) != width]


def load_returns(folder: Path | str | None) -> dict[str, pd.DataFrame]:
    """Read every force return present in ``folder``, keyed by source name.

    A missing folder or file means the return was not supplied: it is simply absent from the
    result, and its measures are "not available" (never zero). Columns are typed here (text
    as strings, counts as nullable Int64, FTE and seconds as float) so that later sums are
    exact; the Great Expectations suites run before this and catch value-level problems.
    """
    if folder is None or not Path(folder).is_dir():
        return {}
    found = {}
    for source in RETURN_COLUMNS:
        path = Path(folder) / f"{source}.csv"
        if path.is_file():
            found[source] = read_return(path, source)
    return found


def read_return_rows(path: Path) -> ReturnRows:
    """Read one return file as text rows; :class:`ReturnFileError` when it is not CSV text.

    The csv module (strict quoting) reads the file rather than pandas so that every row keeps
    its true line number: pandas skips blank lines and quoted fields may span lines, either of
    which would shift ``index + 2``. The header is not checked here (validation compares it
    with the template; :func:`read_return` only needs its columns present).
    """
    path = Path(path)

    def fail(reason: str, line: int | None = None, empty: bool = False) -> ReturnFileError:
        return ReturnFileError(path, reason, line=line, empty=empty)

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read the file ({exc.strerror or exc})") from exc
    if not data:
        raise fail("file is empty (0 bytes)", empty=True)
    if data.startswith(GZIP_MAGIC):
        raise fail("file is gzip-compressed; a return is plain CSV text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise fail(f"text is not UTF-8 ({exc.reason}); not a readable CSV file", line) from exc
    if "\x00" in text:
        line = text.split("\x00", 1)[0].count("\n") + 1
        raise fail("contains NUL bytes: binary data, not a readable CSV file", line)
    if not text.strip():
        raise fail("file has no header and no data", empty=True)

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
        raise fail(f"not readable CSV from line {start} ({exc})", start) from exc
    return ReturnRows(header, records, lines)


def read_return(path: Path, source: str) -> pd.DataFrame:
    """One return CSV with its template's columns, typed; extra columns are dropped."""
    columns = RETURN_COLUMNS[source]
    rows = read_return_rows(path)
    header = [c.strip() for c in rows.header]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ReturnsError(
            f"{path}: missing column(s) {', '.join(missing)}; the template is: {','.join(columns)}"
        )
    ragged = rows.ragged()
    if ragged:
        line, record = ragged[0]
        raise ReturnsError(
            f"{path}, line {line}: {len(record)} field(s), the header has {len(header)}"
        )
    raw = pd.DataFrame(rows.records, columns=header, dtype=str)
    if not rows.records:
        raw = pd.DataFrame({c: pd.Series([], dtype=str) for c in header})
    frame = pd.DataFrame(index=raw.index)
    for column, kind in columns.items():
        text = raw[column].str.strip()
        frame[column] = _typed(text, kind, path, column, rows.lines)
    return frame.reset_index(drop=True)


def _typed(text: pd.Series, kind: str, path: Path, column: str, lines: Sequence[int]) -> pd.Series:
    def fail(i: int, why: str) -> ReturnsError:
        return ReturnsError(f"{path}, line {lines[i]}, column {column}: {text[i]!r} {why}")

    if kind == "text":
        return text.astype("string")
    if kind in ("month", "quarter"):
        parse = Month.parse if kind == "month" else Quarter.parse
        for i, value in text.items():
            try:
                parse(value)
            except ValueError as exc:
                raise fail(i, f"is not a {kind} ({exc})") from exc
        return text.astype("string")
    if kind in ("money", "financial_year", "date"):
        parse = {"money": _pounds, "financial_year": _financial_year, "date": _iso_date}[kind]
        values = []
        for i, value in text.items():
            try:
                values.append(parse(value))
            except ValueError as exc:
                raise fail(i, f"is not {exc}") from exc
        return pd.Series(values, index=text.index, dtype=object if kind == "money" else "string")
    numbers = pd.to_numeric(text.replace("", None), errors="coerce")
    bad = numbers.isna() & (text != "")
    if kind == "int":
        bad |= numbers.notna() & (numbers != numbers.round())
    if bad.any():
        raise fail(int(bad.idxmax()), f"is not {'a whole number' if kind == 'int' else 'a number'}")
    return numbers.astype("Int64" if kind == "int" else "float64")


def _pounds(text: str) -> Decimal:
    """An amount in pounds, 0 or more, at most 2 decimal places (no £ sign, no commas)."""
    if not text.replace(".", "", 1).isdigit() or len(text.partition(".")[2]) > 2:
        raise ValueError("an amount in pounds (0 or more, up to 2 decimal places)")
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the test above admits digits only
        raise ValueError("an amount in pounds") from exc


def _financial_year(text: str) -> str:
    """``YYYY-YY`` naming two consecutive years (2022-23)."""
    start, _, end = text.partition("-")
    if not (len(start) == 4 and len(end) == 2 and (start + end).isdigit()
            and (int(start) + 1) % 100 == int(end)):  # fmt: skip
        raise ValueError("a financial year YYYY-YY of consecutive years (2022-23)")
    return text


def _iso_date(text: str) -> str:
    """A real calendar date written ``YYYY-MM-DD``."""
    try:
        parsed = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError("a date YYYY-MM-DD") from exc
    if parsed.isoformat() != text:  # fromisoformat also takes 20221124 and week dates
        raise ValueError("a date YYYY-MM-DD")
    return text
