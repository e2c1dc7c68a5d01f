"""The force returns' rules: every return present in the folder, each against its own suite.

The returns (``returns/README.md``: calls, surveys, workforce, referrals, first time entrants)
are validated by :func:`validate_returns`, one suite ``returns_<name>.json`` per return, with
the same two layers as the street files for each file present: structure
(:func:`pcc_report.validation.files.check_return_file`), then its rows by GX. A return that is
absent is not a problem (its measures show "not available"); a CSV file that is not a known
return is a warning.

A return's frame gets its own derived columns before GX runs (see
:func:`_prepare_return_frame`); all the returns of three years take under 1 s.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from pcc_report.police_uk import EXPECTATIONS_DIR
from pcc_report.returns import RETURNS
from pcc_report.validation import part3_rules
from pcc_report.validation.files import check_return_file
from pcc_report.validation.results import WARNING, Problem, ValidationReport
from pcc_report.validation.suites import HEADER_RULE_TYPE, check_frame, load_suite

if TYPE_CHECKING:  # pandas is imported lazily
    import pandas

#: Suite name on problems about the returns folder itself (a file that is not a known return).
RETURNS_FOLDER = "returns"

RULE_KNOWN_RETURN = "File name is a known return"

_SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xls", ".xlsm", ".ods"})
# What the derived helper columns of the returns suites accept as a number: plain non-negative
# decimals only, so a value that already fails its text rule is not reported again by a numeric
# rule (-5, 1e3, " 5" and "inf" are not numbers here).
_PLAIN_NUMBER = re.compile(r"^[0-9]+(?:\.[0-9]+)?$")
_QUARTER = re.compile(r"^(?P<start>[0-9]{4})-(?P<end>[0-9]{2})-Q[1-4]$")


def return_suite_name(name: str) -> str:
    """``returns_<name>``: the suite (and its JSON file's stem) that validates return ``name``."""
    return f"returns_{name}"


def validate_returns(
    folder: Path,
    *,
    expectations_dir: Path = EXPECTATIONS_DIR,
    skip: Collection[str] = (),
    districts: Collection[str] = (),
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
    sha256, and no incomplete months (a return has no required months). The returns named in
    ``skip`` are not opened at all (the public edition never reads restricted-only returns).
    ``districts`` are the force's districts (:attr:`pcc_report.config.ForceConfig.districts`),
    the only names the funding return may give as a district.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"force returns folder not found: {folder}")
    problems = _unknown_return_files(folder)
    suites: list[dict] = []
    rows = 0
    for name in RETURNS:
        path = folder / f"{name}.csv"
        if name in skip or not path.is_file():
            continue
        suite = return_suite_name(name)
        suite_json, provenance = load_suite(expectations_dir, suite)
        if suite_json.get("name") != suite:
            raise ValueError(f"{provenance['file']}: suite name must be {suite!r}")
        file_problems, frame = check_return_file(path, f"{folder.name}/{path.name}", suite, name)
        problems.extend(file_problems)
        if frame is None:
            continue
        gx_frame = _prepare_return_frame(frame, suite_json, districts)
        summary, suite_problems = check_frame(suite_json, provenance, gx_frame)
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


def _prepare_return_frame(
    frame: pandas.DataFrame, suite_json: dict, districts: Collection[str] = ()
) -> pandas.DataFrame:
    """The frame GX sees: the return's text columns, its trace columns and derived columns.

    The suite's header rule lists the derived columns it needs, and only those are computed:
    ``_<column>_number`` (a plain non-negative decimal as a number, NaN otherwise, for numeric
    and cross-field rules that text cannot express), ``_quarter_year_gap`` (0 when a
    ``YYYY-YY-Qn`` quarter's years are consecutive) and ``_month_respondents`` (respondents of
    all rows of the row's month, for the small-sample warning of a return split by group);
    for the Part 3 returns ``_financial_year_gap``, ``_balance_gap``, ``_unknown_district`` and
    ``_meeting_date_days`` (see :mod:`pcc_report.validation.part3_rules`).
    """
    import numpy as np
    import pandas as pd

    wanted = [
        c
        for spec in suite_json["expectations"]
        if spec["type"] == HEADER_RULE_TYPE
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
        elif column in part3_rules.DERIVED:
            gx_frame[column] = part3_rules.DERIVED[column](gx_frame, districts)
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
