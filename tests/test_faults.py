"""Bad files and a bad reports folder, unit by unit: malformed CSV, zip input, other forces,
an unwritable or full output folder, a dead build's staging folder."""

from __future__ import annotations

import errno
import os
import subprocess

import pytest
from historyfiles import FORCE, month_rows, write_history, zip_folder
from streetfiles import HEADER, read_files, row, write_street_file

from pcc_report import ingest, publish
from pcc_report.errors import OutputError
from pcc_report.validation import check_street_file, ignored_files_note, validate_street
from pcc_report.validation.files import RULE_COMPLETE, RULE_FIELDS, RULE_QUOTES

MONTH = "2022-09"


def _good_file(tmp_path) -> tuple[bytes, int]:
    path = write_street_file(tmp_path / "good.csv", month_rows(MONTH))
    return path.read_bytes(), len(month_rows(MONTH)) + 1  # bytes, lines


def _check(tmp_path, data: bytes):
    path = tmp_path / "data" / f"{MONTH}-{FORCE}-street.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return check_street_file(path, path.name)


def test_a_truncated_last_line_names_the_line(tmp_path) -> None:
    data, lines = _good_file(tmp_path)
    (problem,) = _check(tmp_path, data[:-40])  # cut inside the last row
    assert problem.rule == RULE_COMPLETE and problem.level == "error"
    assert problem.examples[0]["line"] == lines
    assert "cut off" in problem.message and "truncated" in problem.message


def test_an_unbalanced_quote_names_the_line(tmp_path) -> None:
    data, _ = _good_file(tmp_path)
    rows = data.split(b"\r\n")
    rows[3] = rows[3].replace(b"On or near", b'"On or near', 1)
    (problem,) = _check(tmp_path, b"\r\n".join(rows))
    assert problem.rule == RULE_QUOTES and problem.examples[0]["line"] == 4
    assert problem.unexpected_count == 1


def test_rows_with_the_wrong_number_of_fields_are_counted_with_lines(tmp_path) -> None:
    data, _ = _good_file(tmp_path)
    rows = data.split(b"\r\n")
    rows[2] += b",extra"
    rows[5] = rows[5].replace(b"On or near High Street,", b"", 1)
    (problem,) = _check(tmp_path, b"\r\n".join(rows))
    assert problem.rule == RULE_FIELDS and problem.unexpected_count == 2
    assert [e["line"] for e in problem.examples] == [3, 6]
    assert problem.examples[0]["value"].startswith("13 fields: ")


def test_quoted_commas_and_a_missing_final_line_break_are_fine(tmp_path) -> None:
    rows = [row(MONTH, lsoa_name="Preston 001A")]
    rows[0][6] = "On or near Park, Lane"  # a quoted comma: still 12 fields
    path = write_street_file(tmp_path / f"{MONTH}-{FORCE}-street.csv", rows)
    assert b'"On or near Park, Lane"' in path.read_bytes()
    path.write_bytes(path.read_bytes().rstrip(b"\r\n"))
    assert check_street_file(path, path.name) == []


def test_rows_of_another_force_are_an_error_naming_file_count_and_force(tmp_path) -> None:
    paths = [
        write_street_file(tmp_path / f"{m}-{FORCE}-street.csv", month_rows(m))
        for m in ("2022-07", "2022-08")
    ]
    other = [row("2022-09", force_name="Otherby Police") for _ in range(3)]
    paths.append(write_street_file(tmp_path / f"2022-09-{FORCE}-street.csv", other))
    frame = read_files(paths, tmp_path, FORCE)
    report = validate_street(frame, required_months=["2022-07", "2022-08", "2022-09"],
                             check_force=True)  # fmt: skip
    (problem,) = report.errors()
    assert problem.column == "Falls within" and problem.unexpected_count == 3
    assert f"2022-09-{FORCE}-street.csv: 3 row(s) of Otherby Police" in problem.message
    assert "Testshire Police" in problem.message
    assert problem.examples[0]["line"] == 2


def test_zip_members_are_found_checked_and_read_in_place(tmp_path) -> None:
    folder = tmp_path / "folder"
    write_history(folder, "2013-04", "2013-05")
    archive = zip_folder(folder, tmp_path / "download.zip",
                         {"README": b"hello", "2013-05/.DS_Store": b"\0\0"})  # fmt: skip
    from_zip = ingest.discover_street_files(archive, FORCE)
    from_folder = ingest.discover_street_files(folder, FORCE)
    assert [f.relative for f in from_zip] == [f.relative for f in from_folder]
    assert all(f.member == f.relative and f.path == archive for f in from_zip)
    assert [check_street_file(f.path, f.relative, f.member) for f in from_zip] == [[], []]
    assert ingest.read_street_files(from_zip).equals(ingest.read_street_files(from_folder))
    ignored = ingest.ignored_files(archive, FORCE)
    assert "README" in ignored and "2013-05/.DS_Store" in ignored
    assert f"2013-04/2013-04-{FORCE}-outcomes.csv" in ignored and len(ignored) == 6
    (note,) = ignored_files_note(ignored)
    assert note.level == "warning" and "2 outcomes, 2 stop-and-search, 2 other" in note.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download.zip", "folder"]


def test_a_bad_member_inside_the_zip_is_named(tmp_path) -> None:
    folder = tmp_path / "folder"
    write_street_file(folder / MONTH / f"{MONTH}-{FORCE}-street.csv", month_rows(MONTH),
                      header=[*HEADER[:-1], "Contex"])  # fmt: skip
    archive = zip_folder(folder, tmp_path / "d.zip")
    (file,) = ingest.discover_street_files(archive, FORCE)
    (problem,) = check_street_file(file.path, file.relative, file.member)
    assert problem.examples[0]["file"] == f"{MONTH}/{MONTH}-{FORCE}-street.csv"
    assert "'Contex'" in problem.message


def test_out_that_is_a_file_is_refused(tmp_path) -> None:
    (tmp_path / "reports").write_text("not a folder")
    with pytest.raises(OutputError, match="is a file, not a folder") as caught:
        publish.check_output_folder(tmp_path / "reports")
    assert caught.value.exit_code == 7
    with pytest.raises(OutputError, match="inside .*reports, which is a file"):
        publish.check_output_folder(tmp_path / "reports" / "sub")


def test_a_read_only_out_is_refused_even_for_root(tmp_path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs",
                                  str(folder)], capture_output=True)  # fmt: skip
        if mounted.returncode:
            pytest.skip(f"cannot mount a read-only tmpfs: {mounted.stderr.decode().strip()}")
    else:
        folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="(read-only file system|permission denied) while "
                           "checking that --out"):  # fmt: skip
            publish.check_output_folder(folder)
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def test_output_errors_name_the_cause() -> None:
    full = OSError(errno.ENOSPC, "No space left on device", "/out/x.pdf")
    assert str(publish.output_error(full, "writing the PDF")) == (
        "no space left on device while writing the PDF (/out/x.pdf): nothing was published")
    wrapped = RuntimeError("kernel died: OSError: [Errno 28] No space left on device")
    assert "no space left on device while running" in str(publish.output_error(wrapped, "running"))
    assert publish.output_error(FileNotFoundError(2, "gone"), "x") is None
    assert publish.output_error(ValueError("bad"), "x") is None


def test_dead_staging_is_removed_and_published_revisions_kept(tmp_path) -> None:
    out = tmp_path / "out"
    dead = out / ".staging" / f"{FORCE}-2022-23-Q2-0123456789ab"
    (dead / "_book").mkdir(parents=True)
    other = out / ".staging" / f"{FORCE}-2022-23-Q3-0123456789ab"
    other.mkdir()
    published = out / FORCE / "2022-23-Q2" / "r1"
    published.mkdir(parents=True)
    (published / "manifest.json").write_text("{}")
    with publish.lock(out, FORCE, "2022-23-Q2"):
        assert publish.clean_dead_staging(out, FORCE, "2022-23-Q2") == [dead]
    assert not dead.exists() and other.exists()
    assert (published / "manifest.json").read_text() == "{}"
