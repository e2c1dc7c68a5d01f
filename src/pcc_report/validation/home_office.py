"""Validating the Home Office recorded-crime file that the peer comparison reads.

The file (police recorded crime by force area, year ending September, with each area's
mid-year population) is an input like the returns: its own reviewed suite
(``expectations/home_office_recorded_crime.json``), the same file-structure layer first
(unreadable text is an error naming the file), then its rows judged by Great Expectations.
Problems name the file by its own name and the 1-based line (the header is line 1).
"""

from __future__ import annotations

from pathlib import Path

import pandas

from pcc_report.config import PROJECT_ROOT
from pcc_report.validation.results import ERROR, Problem, ValidationReport
from pcc_report.validation.suites import check_frame, load_suite

SUITE = "home_office_recorded_crime"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def read_text_frame(path: Path) -> pandas.DataFrame:
    """Every value as text (empty stays empty), as the suite judges it."""
    return pandas.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def validate_home_office(path: Path, *, expectations_dir: Path = EXPECTATIONS_DIR
                         ) -> ValidationReport:
    """Validate the file against its suite; an unreadable file is one error naming it."""
    path = Path(path)
    suite_json, provenance = load_suite(expectations_dir, SUITE)
    try:
        frame = read_text_frame(path)
    except (OSError, UnicodeDecodeError, pandas.errors.ParserError,
            pandas.errors.EmptyDataError) as exc:
        problem = Problem(SUITE, "The file is readable CSV text", ERROR, None,
                          f"{path.name}: cannot be read as CSV ({str(exc).splitlines()[0]})",
                          [{"file": path.name, "line": None, "value": None}], 1)
        return ValidationReport(suites=[], problems=[problem], incomplete_months=[],
                                rows_checked=0)
    frame["source_file"] = path.name
    frame["source_line"] = range(2, len(frame) + 2)
    summary, problems = check_frame(suite_json, provenance, frame)
    return ValidationReport(suites=[summary], problems=problems, incomplete_months=[],
                            rows_checked=len(frame))
