"""Why a run stopped, and the exit code the command line gives for it.

Every refusal the analyst or auditor can meet is one of these, so the CLI maps them to
exit codes in one place: 1 build failed, 2 unusable inputs or arguments, 3 validation
failed, 4 report already published, 5 another build is running, 6 verification failed,
7 the reports folder cannot be written (not a folder, no permission, read-only, disk full),
8 ``verify``: the manifest's signature does not match (or is missing when it is required),
9 the narrative was refused (a placeholder, markup or front sheet error; ``--final`` with a
piece missing or still template text).
"""

from __future__ import annotations


class ReportError(Exception):
    """A run stopped; ``str()`` is the message for the analyst, ``exit_code`` for the shell."""

    exit_code = 1


class InputError(ReportError):
    """The inputs or arguments cannot be used (missing folder, bad period)."""

    exit_code = 2


class ValidationFailed(ReportError):
    """Error-level validation failures; the results are written for the analyst."""

    exit_code = 3


class ReportExists(ReportError):
    """A report is already published and was left untouched."""

    exit_code = 4


class ReportLocked(ReportError):
    """Another build of the same force and quarter is running."""

    exit_code = 5


class NothingToReissue(InputError):
    """``--reissue`` was given but no report exists to reissue."""


class VerificationFailed(ReportError):
    """``verify`` found a difference between a report and its manifest or inputs."""

    exit_code = 6


class SignatureMismatch(VerificationFailed):
    """The manifest's signature does not match, or is missing under --require-signature."""

    exit_code = 8


class OutputError(ReportError):
    """The reports folder (``--out``) cannot be written: nothing was published."""

    exit_code = 7


class NarrativeRefused(ReportError):
    """The analyst's narrative cannot be used (unknown placeholder, refused markup, a bad
    front sheet, or ``--final`` with a piece missing or still template text): nothing built."""

    exit_code = 9
