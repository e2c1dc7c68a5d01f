"""Published reports are immutable: revisions, one build at a time, atomic publication.

Papers go to a Police and Crime Panel and are quoted afterwards, so a published report must
never change under the reader. Each issue of a force's quarter lives in its own folder:

    <out>/<force>/<quarter>/r1/     the first issue
    <out>/<force>/<quarter>/r2/     a reissue, built with ``--reissue "reason"``, beside r1

A reissue never touches the earlier folders; its manifest names the revision it replaces and
why. :func:`lock` keeps two builds of the same force and quarter from racing for the same
revision, :func:`reserve` picks the revision, and :func:`publish` moves the finished staging
folder into place with one rename, refusing to replace anything.

Refusals are the :mod:`pcc_report.errors` exceptions, each with its exit code. The reports
folder itself can fail a build: :func:`check_output_folder` refuses one that is a file or
cannot be written before any work, :func:`output_error` turns an operating-system error met
while building (a full disk) into one line naming the cause, and :func:`clean_dead_staging`
removes what a killed build left in the staging folder, under the lock, before the next build.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pcc_report.errors import (
    NothingToReissue,
    OutputError,
    ReportError,
    ReportExists,
    ReportLocked,
)

REVISION_RE = re.compile(r"^r([1-9][0-9]*)$")
LOCKS_DIR = ".locks"
STAGING_DIR = ".staging"


@dataclass(frozen=True)
class Reservation:
    """Where this build will publish, and which revision it replaces (None for r1)."""

    target: Path
    revision: str
    replaces: str | None
    reason: str | None = None

    def manifest_entry(self) -> dict:
        """The manifest's ``revision`` section."""
        return {"revision": self.revision, "replaces": self.replaces, "reason": self.reason}


def quarter_dir(out: Path, force: str, quarter: str) -> Path:
    return Path(out) / force / str(quarter)


def revisions(out: Path, force: str, quarter: str) -> list[str]:
    """Published revisions of a force's quarter, oldest first (``["r1", "r2"]``)."""
    folder = quarter_dir(out, force, quarter)
    if not folder.is_dir():
        return []
    found = [
        (int(m.group(1)), p.name)
        for p in folder.iterdir()
        if p.is_dir() and (m := REVISION_RE.match(p.name))
    ]
    return [name for _, name in sorted(found)]


def reserve(out: Path, force: str, quarter: str, *, reissue_reason: str | None) -> Reservation:
    """Choose the folder this build publishes to, or refuse.

    Nothing published yet: ``r1`` (a reissue reason is then refused: there is nothing to
    reissue, and a first issue claiming to replace something would mislead). A report
    published and no reason: :class:`ReportExists`. With a reason: the next revision,
    replacing the latest. Call it while holding :func:`lock`, so that two builds cannot
    reserve the same revision.
    """
    folder = quarter_dir(out, force, quarter)
    reason = " ".join(reissue_reason.split()) if reissue_reason is not None else None
    if reissue_reason is not None and not reason:
        raise NothingToReissue(
            '--reissue needs a reason, e.g. --reissue "corrected district '
            "names\"; it is recorded in the new report's manifest"
        )
    existing = revisions(out, force, quarter)
    if folder.is_dir() and not existing:
        others = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        if others:
            raise ReportExists(
                f"{folder} holds a report in the old layout (no r1/ folder: {', '.join(others[:4])}"
                f"{', ...' if len(others) > 4 else ''}); move its contents into {folder / 'r1'} "
                "before building or reissuing this quarter"
            )
    if not existing:
        if reason is not None:
            raise NothingToReissue(
                f"nothing to reissue: no report of {force} {quarter} is published under "
                f"{folder}; build the first issue without --reissue"
            )
        return Reservation(folder / "r1", "r1", None, None)
    latest = existing[-1]
    if reason is None:
        raise ReportExists(
            f"a report of {force} {quarter} is already published at {folder / latest} and will "
            f"not be overwritten; to publish a corrected report beside it, run again with "
            f'--reissue "<reason>" (it becomes r{int(latest[1:]) + 1})'
        )
    revision = f"r{int(latest[1:]) + 1}"
    return Reservation(folder / revision, revision, latest, reason)


def lock_path(out: Path, force: str, quarter: str) -> Path:
    return Path(out) / LOCKS_DIR / f"{force}-{quarter}.lock"


def _holder(fd: int) -> str:
    """'pid N, started at T' from a held lock file, or why it is not known."""
    try:
        raw = os.pread(fd, 4096, 0)
        info = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (OSError, ValueError):
        info = {}
    if not info:
        return "holder not recorded yet"
    host = (
        f" on {info['host']}" if info.get("host") and info["host"] != socket.gethostname() else ""
    )
    return f"pid {info.get('pid', '?')}{host}, started at {info.get('started', '?')}"


@contextlib.contextmanager
def lock(out: Path, force: str, quarter: str) -> Iterator[Path]:
    """Hold the exclusive build lock of one force and quarter for the ``with`` block.

    ``fcntl.flock`` on ``<out>/.locks/<force>-<quarter>.lock``, non-blocking: a second build
    fails at once with :class:`ReportLocked` naming the running one instead of waiting or
    racing it. The kernel drops the lock when the holder exits, even if it is killed, so a
    lock file left behind never blocks a later build. flock does not work reliably on some
    network file systems (NFS); keep the reports folder on a local disk.
    """
    path = lock_path(out, force, quarter)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_RDWR without O_TRUNC: opening must not wipe the running build's details.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise ReportLocked(
                f"another build of {force} {quarter} is running ({_holder(fd)}); wait for it "
                f"to finish (lock: {path})"
            ) from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info) + "\n").encode("utf-8"), 0)
        try:
            yield path
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def publish(staging: Path, target: Path) -> Path:
    """Move the finished ``staging`` folder to ``target`` in one rename; never replace.

    ``os.rename`` silently replaces an *empty* directory, so the target is first claimed
    with ``mkdir`` (which fails if anything is there) and then replaced by the rename. The
    staging folder must be on the same file system (build stages under ``<out>/.staging``).
    """
    staging, target = Path(staging), Path(target)
    if not staging.is_dir():
        raise ReportError(f"nothing to publish: {staging} is not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        target.mkdir()
    except FileExistsError:
        raise ReportExists(
            f"a report is already published at {target}; it was left untouched and this "
            f"build was not published (staging folder: {staging})"
        ) from None
    try:
        os.rename(staging, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            target.rmdir()
        if exc.errno == errno.EXDEV:
            raise ReportError(
                f"cannot publish {staging} to {target} in one step: they are on different "
                "file systems; stage inside the reports folder"
            ) from exc
        raise ReportError(f"publishing {staging} to {target} failed: {exc}") from exc
    return target


# --------------------------------------------------------------------------------------------
# The reports folder itself


def check_output_folder(out: Path) -> None:
    """Refuse a reports folder that is a file or cannot be written, before any work.

    Writes and removes a probe file rather than trusting permission bits: a build run as root
    passes every ``os.access`` check yet still cannot write to a read-only file system.
    """
    out = Path(out)
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        which = "is a file" if existing == out else f"is inside {existing}, which is a file"
        raise OutputError(f"--out {out} {which}, not a folder; give a folder for the reports")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".write-test-{uuid.uuid4().hex[:8]}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise output_error(exc, f"checking that --out {out} can be written") from None


#: Below this many free bytes the reports folder's disk counts as full.
FULL_DISK_BYTES = 1 << 20


def output_error(exc: BaseException, doing: str, out: Path | None = None) -> OutputError | None:
    """One line naming the cause of an operating-system failure while ``doing`` something.

    Returns None when ``exc`` is not about the file system (the caller re-raises it as is).
    A child process (a notebook kernel, the PDF build) reports a full disk only in its text,
    so the text of the error and its causes is searched as well as ``errno``, and, when the
    reports folder ``out`` is given, whether its disk is (nearly) full now: a tool that
    failed writing says so somewhere in pages of its output, not always in the last lines.
    Other errors (a missing file is a bug, not the disk) are left as they are.
    """
    causes = {errno.ENOSPC: "no space left on device", errno.EDQUOT: "disk quota exceeded",
              errno.EROFS: "read-only file system", errno.EACCES: "permission denied",
              errno.EPERM: "operation not permitted"}  # fmt: skip
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for error in chain:
        if isinstance(error, OSError) and error.errno in causes:
            where = f" ({error.filename})" if error.filename else ""
            return OutputError(f"{causes[error.errno]} while {doing}{where}: nothing was published")
    text = " ".join(str(e) for e in chain)
    full = "No space left on device" in text
    if not full and out is not None and not isinstance(exc, ReportExists | ReportLocked):
        with contextlib.suppress(OSError):
            full = shutil.disk_usage(out).free < FULL_DISK_BYTES
    if full:
        return OutputError(f"no space left on device while {doing}: nothing was published")
    return None


def clean_dead_staging(out: Path, force: str, quarter: str) -> list[Path]:
    """Remove staging folders of earlier builds of this force and quarter; the ones removed.

    Call it holding :func:`lock`: a build holds the lock for as long as it stages, so any
    staging folder of this force and quarter found then belongs to a build that was killed
    (SIGKILL, power loss) before it could clean up. Published revisions are never touched.
    """
    staging = Path(out) / STAGING_DIR
    if not staging.is_dir():
        return []
    removed = []
    for folder in sorted(staging.glob(f"{force}-{quarter}-*")):
        if folder.is_dir() and re.fullmatch(rf"{re.escape(force)}-{re.escape(quarter)}-[0-9a-f]+",
                                            folder.name):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
