"""The force returns: which there are, each one's columns and their kinds, and one reader.

Why: a force return (call handling, surveys, workforce, referrals, first time entrants) has
no public source, so the project defines a CSV template for each (``returns/templates``) and
a Great Expectations suite (``expectations/returns_<name>.json``). Validation and the
measures both need to know a return's columns; they take them from here, and the measures
read a validated return only through :func:`read_return`.
"""

from __future__ import annotations

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
)

# Each force return: file <source>.csv with these columns and kinds (the templates in
# returns/templates). "month" is YYYY-MM; "quarter" is a financial quarter, 2022-23-Q2.
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
}

#: Returns whose rows are financial quarters; each quarter's figure belongs to its last month.
QUARTERLY_SOURCES = frozenset({"first_time_entrants"})


class ReturnsError(ValueError):
    """A force return file cannot be read (missing column, value of the wrong kind)."""


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


def read_return(path: Path, source: str) -> pd.DataFrame:
    """One return CSV with its template's columns, typed; extra columns are dropped."""
    columns = RETURN_COLUMNS[source]
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    raw.columns = [c.strip() for c in raw.columns]
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise ReturnsError(
            f"{path}: missing column(s) {', '.join(missing)}; the template is: {','.join(columns)}"
        )
    frame = pd.DataFrame(index=raw.index)
    for column, kind in columns.items():
        text = raw[column].str.strip()
        frame[column] = _typed(text, kind, path, column)
    return frame.reset_index(drop=True)


def _typed(text: pd.Series, kind: str, path: Path, column: str) -> pd.Series:
    def fail(i: int, why: str) -> ReturnsError:
        # line 1 is the header, so row i of the frame is on line i + 2
        return ReturnsError(f"{path}, line {i + 2}, column {column}: {text[i]!r} {why}")

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
    numbers = pd.to_numeric(text.replace("", None), errors="coerce")
    bad = numbers.isna() & (text != "")
    if kind == "int":
        bad |= numbers.notna() & (numbers != numbers.round())
    if bad.any():
        raise fail(int(bad.idxmax()), f"is not {'a whole number' if kind == 'int' else 'a number'}")
    return numbers.astype("Int64" if kind == "int" else "float64")
