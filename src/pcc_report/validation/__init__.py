"""Validate input data before any figure is computed from it.

One concept: *validation*. Every input dataset has one Great Expectations (GX) expectation suite,
kept as reviewable JSON in ``expectations/<dataset>.json``. Each expectation's ``meta`` carries
``{"level": "error" | "warning", "rule": "<plain-English rule shown to analysts>"}``. Errors stop
the report; warnings are listed in the report's data-quality appendix.

Every input is checked in two layers, reported the same way:

1. file structure (:mod:`.files`): empty file, corrupt or truncated gzip, text that is not
   readable CSV, wrong header (naming the missing and unexpected columns), a month in a street
   file's name that cannot be parsed, return rows with the wrong number of fields;
2. rows, judged by GX (:mod:`.suites` runs a suite on a frame): the police.uk street rules and
   the required months (:mod:`.street`), each force return's rules (:mod:`.force_returns`).

What was found is a :class:`ValidationReport` of :class:`Problem` objects (:mod:`.results`);
:mod:`.render` writes it as the terminal text, ``validation.json`` and a self-contained
``validation.html`` (GX Data Docs are not used: they load assets from CDNs, and the report
must work offline).

Public API::

    Problem(suite, rule, level, column, message, examples, unexpected_count)   # one failed rule
    ValidationReport(suites, problems, incomplete_months, rows_checked)
        .ok  .errors()  .warnings()  .format_errors()  .to_dict()
        .write(folder)          # folder/validation.json + folder/validation.html
        ValidationReport.combine(reports)   # street + returns -> one report
    check_street_file(path, display_name=None, member=None) -> list[Problem]
    ignored_files_note(names) -> list[Problem]   # the download's non-street files (a warning)
    validate_street(frame, *, required_months, allow_missing=False, file_problems=(),
                    expectations_dir=EXPECTATIONS_DIR) -> ValidationReport
    validate_returns(folder, *, expectations_dir=EXPECTATIONS_DIR) -> ValidationReport
    validate_home_office(path, *, expectations_dir=EXPECTATIONS_DIR) -> ValidationReport
"""

from pcc_report.validation.files import check_street_file, ignored_files_note
from pcc_report.validation.force_returns import return_suite_name, validate_returns
from pcc_report.validation.home_office import validate_home_office
from pcc_report.validation.results import ERROR, WARNING, Problem, ValidationReport
from pcc_report.validation.street import validate_street

__all__ = [
    "ERROR",
    "WARNING",
    "Problem",
    "ValidationReport",
    "check_street_file",
    "ignored_files_note",
    "return_suite_name",
    "validate_home_office",
    "validate_returns",
    "validate_street",
]
