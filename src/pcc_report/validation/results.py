"""What validation found: one failed rule (:class:`Problem`) and one dataset's outcome.

Why a module of its own: the checks (file structure, street rules, returns rules) all report
the same way, and the renderers (:mod:`pcc_report.validation.render`) and the build read the
same result; keeping the result types apart from both means neither depends on the other.
The two presentation methods here (:meth:`ValidationReport.format_errors`,
:meth:`ValidationReport.write`) only hand the report to the renderers, so that callers keep
one object to work with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pcc_report.validation import render

ERROR = "error"
WARNING = "warning"
LEVELS = (ERROR, WARNING)

#: At most this many example values are reported per failed rule.
MAX_EXAMPLES = 5


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

    def format_errors(self) -> str:
        """Multi-line text for the terminal (see :func:`render.error_text`)."""
        return render.error_text(self)

    def write(self, folder: Path) -> None:
        """Write ``validation.json`` and ``validation.html`` (see :func:`render.write`)."""
        render.write(self, folder)
