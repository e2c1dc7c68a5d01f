"""verify(): catching every kind of change to a published report, and never changing it.

The fast tests alter copies of the small real report of tests/smallreport.py; the e2e tests
build the demonstration report (build writes its manifest), re-execute it with verify() and
run nbval over its executed notebooks.

Every verify() call goes through ``_verify``, which asserts that the report folder is exactly
as before: the auditor's tool must never change what it audits.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from pcc_report import execution, manifest
from pcc_report.execution import build_environment, notebook_bytes
from pcc_report.manifest import MANIFEST_NAME
from pcc_report.verify import VerifyResult, verify

REPO = Path(__file__).resolve().parents[1]
SANITIZE_CFG = REPO / "tests" / "nbval_sanitize.cfg"


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir",
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
    }


def _verify(report: Path, **kwargs) -> VerifyResult:  # noqa: ANN003
    """verify(), asserting the report folder is untouched (contents, listing, mtimes)."""
    before, cwd = _snapshot(report), os.getcwd()
    result = verify(report, progress=lambda message: None, **kwargs)
    assert _snapshot(report) == before, "verify changed the report folder"
    assert os.getcwd() == cwd, "verify left the process in another folder"
    return result


def _flip_byte(path: Path, old: bytes, new: bytes) -> None:
    """Replace the first occurrence of ``old`` with ``new`` (same length): one byte changed."""
    data = path.read_bytes()
    assert len(old) == len(new) and old in data
    changed = data.replace(old, new, 1)
    assert sum(a != b for a, b in zip(data, changed, strict=True)) == 1
    path.write_bytes(changed)


def _manifest(report: Path) -> dict:
    return json.loads((report / MANIFEST_NAME).read_text())


def test_verify_passes_on_an_untouched_report(small: Path) -> None:
    result = _verify(small)
    assert result.ok, result.format()
    assert result.problems == []
    assert result.sections == {"crimes-demoshire": "pass", "crimes-westshire": "pass"}
    assert "Verification PASSED" in result.format()


@pytest.mark.parametrize(
    ("relative", "old", "new"),
    [
        ("data/tables/demoshire-crimes.csv", b"1204", b"1205"),
        ("notebooks/crimes-demoshire.ipynb", b"**2,112**", b"**2,113**"),
        ("demoshire-2022-23-Q2.pdf", b"/Catalog", b"/Catalof"),
        ("figures/westshire-crimes.png", b"1502", b"1503"),
        ("html/index.html", b"Recorded", b"Recorder"),
    ],
)
def test_one_altered_byte_is_named(small: Path, relative: str, old: bytes, new: bytes) -> None:
    _flip_byte(small / relative, old, new)
    result = _verify(small, reexecute=False)
    assert not result.ok
    assert [p for p in result.problems if p.startswith("altered:")] == [
        p for p in result.problems if p.startswith(f"altered: {relative} (sha256 ")
    ]
    assert len(result.problems) == 1, result.problems


def test_an_altered_notebook_output_also_fails_re_execution(small: Path) -> None:
    _flip_byte(small / "notebooks/crimes-demoshire.ipynb", b"**2,112**", b"**2,113**")
    result = _verify(small)
    assert result.sections["crimes-demoshire"].startswith(
        "fail: 1 difference(s) in notebooks/crimes-demoshire.ipynb"
    )
    assert result.sections["crimes-westshire"] == "pass"
    [difference] = [p for p in result.problems if p.startswith("notebooks/crimes-demoshire")]
    assert "cell 3 output 0 text/markdown differs" in difference
    assert "2,113" in difference and "2,112" in difference


def _rewrite_manifest(report: Path, recorded: dict) -> None:
    """Write a fresh, self-consistent manifest over the report as it is now (a forger's move)."""
    (report / MANIFEST_NAME).unlink()
    manifest.write_manifest(
        report,
        run=recorded["run"],
        inputs=recorded["inputs"],
        suites=recorded["validation"]["suites"],
        validation_ok=True,
        notebooks=recorded["notebooks"],
        revision=recorded["revision"],
        nondeterministic=recorded["nondeterministic"],
        code=recorded["code"],
        env=recorded["environment"],
    )


def test_re_execution_catches_outputs_the_code_does_not_produce(small: Path) -> None:
    """A forger who edits a table and then rewrites the whole manifest is still caught."""
    _flip_byte(small / "data/tables/westshire-crimes.csv", b"640", b"641")
    recorded = _manifest(small)
    _rewrite_manifest(small, recorded)
    assert _verify(small, reexecute=False).ok  # the hashes alone are now consistent
    result = _verify(small)
    assert not result.ok
    assert result.sections["crimes-westshire"] == (
        "fail: data/tables/westshire-crimes.csv differs from the regenerated file"
    )
    assert result.sections["crimes-demoshire"] == "pass"


def test_an_altered_manifest_byte_is_reported(small: Path) -> None:
    entry = _manifest(small)["files"][0]
    digest = entry["sha256"]
    _flip_byte(
        small / MANIFEST_NAME,
        f'"{digest}"'.encode(),
        f'"{"0" if digest[0] != "0" else "1"}{digest[1:]}"'.encode(),
    )
    result = _verify(small, reexecute=False)
    assert result.problems[0] == (
        "altered: manifest.json (its digest does not match its content: an entry was edited)"
    )
    assert result.problems[1].startswith(f"altered: {entry['path']} (sha256 {digest[:12]}")
    assert len(result.problems) == 2


def test_an_edited_manifest_entry_fails_verify(small: Path) -> None:
    recorded = _manifest(small)
    recorded["inputs"][0]["rows"] = 299  # someone "corrects" a row count
    (small / MANIFEST_NAME).write_text(json.dumps(recorded, indent=2) + "\n")
    result = _verify(small, reexecute=False)
    assert not result.ok
    assert any(
        p.startswith("altered: manifest.json (its digest does not match") for p in result.problems
    ), result.problems


def test_a_manifest_that_is_not_json_is_reported(small: Path) -> None:
    _flip_byte(small / MANIFEST_NAME, b"{", b"[")
    result = _verify(small)
    assert not result.ok and result.problems[0].startswith("altered: manifest.json is not valid")


def test_a_deleted_output_is_missing(small: Path) -> None:
    (small / "data/tables/westshire-crimes.csv").unlink()
    result = _verify(small, reexecute=False)
    assert result.problems == [
        "missing: data/tables/westshire-crimes.csv is listed in the "
        "manifest but not in the report folder"
    ]


def test_a_deleted_notebook_fails_its_section(small: Path) -> None:
    (small / "notebooks/crimes-westshire.ipynb").unlink()
    result = _verify(small)
    assert (
        "missing: notebooks/crimes-westshire.ipynb is listed in the manifest but not in "
        "the report folder" in result.problems
    )
    assert result.sections["crimes-westshire"] == (
        "fail: notebooks/crimes-westshire.ipynb is missing"
    )


def test_an_added_file_is_reported(small: Path) -> None:
    (small / "data" / "tables" / "extra.csv").write_text("district,crimes\nX,1\n")
    result = _verify(small)
    assert (
        "added: data/tables/extra.csv is in the report folder but not in the manifest"
        in result.problems
    )
    assert "data/tables/extra.csv is in the report but no section regenerated it" in result.problems


def test_a_missing_manifest_fails_clearly(small: Path) -> None:
    (small / MANIFEST_NAME).unlink()
    result = _verify(small)
    assert not result.ok and result.problems[0].startswith("missing: manifest.json")


def test_inputs_altered_missing_or_moved(
    small: Path, pristine: tuple[Path, Path], tmp_path: Path
) -> None:
    moved = tmp_path / "moved-police-uk"
    shutil.copytree(pristine[1], moved)
    assert _verify(small, reexecute=False, data_root=moved).ok

    first = moved / "2022-08" / "2022-08-demoshire-street.csv.gz"
    data = bytearray(first.read_bytes())
    data[-9] ^= 0x01  # one bit of the gzip trailer
    first.write_bytes(bytes(data))
    (moved / "2022-09" / "2022-09-demoshire-street.csv.gz").unlink()
    result = _verify(small, reexecute=False, data_root=moved)
    assert not result.ok
    assert len(result.problems) == 2
    assert result.problems[0].startswith(f"input altered: {first} (sha256 ")
    assert result.problems[1] == (
        f"input missing: {moved / '2022-09' / '2022-09-demoshire-street.csv.gz'}"
    )

    recorded = _manifest(small)["inputs"][0]["data_root"]
    by_root = _verify(small, reexecute=False, data_root={recorded: moved})
    assert by_root.problems == result.problems


def test_a_changed_template_is_reported(
    small: Path, templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = tmp_path / "templates"
    shutil.copytree(templates, changed)
    nb = json.loads((changed / "tiny.ipynb").read_text())
    nb["cells"][2]["source"] = nb["cells"][2]["source"].replace(
        'print("districts:", len(values))', 'print("districts:", len(values) + 1)'
    )
    (changed / "tiny.ipynb").write_text(json.dumps(nb, indent=1) + "\n")
    monkeypatch.setattr(execution, "NOTEBOOKS_DIR", changed)
    result = _verify(small)
    assert not result.ok
    for name in ("crimes-demoshire", "crimes-westshire"):
        assert result.sections[name].startswith(
            "fail: template changed since the report was built (tiny.ipynb: sha256 "
        )
    assert any("cell 3 output 1 text differs" in p for p in result.problems), result.problems


def test_a_failing_re_execution_fails_its_section(small: Path) -> None:
    values = json.loads((small / "data" / "values.json").read_text())
    del values["westshire"]
    recorded = _manifest(small)
    (small / "data" / "values.json").write_text(json.dumps(values, indent=1) + "\n")
    _rewrite_manifest(small, recorded)
    result = _verify(small)
    assert result.sections["crimes-westshire"] == (
        "fail: re-execution failed: KeyError: 'westshire'"
    )
    assert result.sections["crimes-demoshire"] == "pass"
    assert (
        "data/tables/westshire-crimes.csv is in the report but no section regenerated it"
        in result.problems
    )


def test_a_forged_section_name_cannot_escape_the_work_folder(small: Path, tmp_path: Path) -> None:
    recorded = _manifest(small)
    recorded["notebooks"][0]["name"] = "../../escaped"
    recorded["digest"] = manifest.manifest_digest(recorded)
    (small / MANIFEST_NAME).write_text(json.dumps(recorded, indent=2) + "\n")
    result = _verify(small, keep_dir=tmp_path / "kept")
    assert result.sections["../../escaped"] == (
        "fail: the manifest names a section or template that is not a plain file name"
    )
    assert any("does not follow schema 1.0: notebooks/0/name" in p for p in result.problems)
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "kept" / "escaped").exists()


def test_keep_dir_inside_the_report_is_refused(small: Path) -> None:
    with pytest.raises(ValueError, match="inside the report folder"):
        _verify(small, keep_dir=small / "data" / "kept")


def test_keep_dir_keeps_the_re_executed_sections(small: Path, tmp_path: Path) -> None:
    result = _verify(small, keep_dir=tmp_path / "kept")
    assert result.ok, result.format()
    [work] = list((tmp_path / "kept").iterdir())
    fresh = work / "crimes-demoshire" / "book" / "crimes-demoshire.ipynb"
    assert fresh.read_bytes() == (small / "notebooks" / "crimes-demoshire.ipynb").read_bytes()


@pytest.mark.e2e
def test_demo_manifest_follows_the_schema(demo_report: dict) -> None:
    recorded = _manifest(demo_report["report"])
    jsonschema.validate(recorded, manifest.load_schema())
    listed = {f["path"] for f in recorded["files"]}
    assert {
        "html/index.html",
        "validation/validation.json",
        "data/street_monthly.parquet",
        "notebooks/front-sheet.ipynb",
        "demoshire-2022-23-Q2.pdf",
    } <= listed
    assert len(recorded["inputs"]) >= 36


@pytest.mark.e2e
def test_demo_report_re_executes_identically(demo_report: dict) -> None:
    """Every section re-executes to the published bytes, and verify writes nothing.

    How long it takes against the build is a benchmark figure (``make bench``), not a test.
    """
    report = demo_report["report"]
    lines: list[str] = []
    before = _snapshot(report)
    result = verify(report, progress=lines.append)
    assert _snapshot(report) == before
    assert result.ok, result.format()
    assert set(result.sections.values()) == {"pass"}
    assert set(result.sections) == {p.stem for p in (report / "notebooks").glob("*.ipynb")}


@pytest.mark.e2e
def test_demo_report_one_altered_output_byte_is_named(demo_report: dict, tmp_path: Path) -> None:
    report = tmp_path / "report"
    shutil.copytree(demo_report["report"], report)
    path = report / "notebooks" / "recorded-crime.ipynb"
    original = path.read_bytes()
    nb = json.loads(original)
    index, output = next(
        (i, o)
        for i, cell in enumerate(nb["cells"])
        for o in cell.get("outputs", [])
        if any(ch.isdigit() for ch in "".join(o.get("data", {}).get("text/markdown", "")))
    )
    stored = output["data"]["text/markdown"]
    lines = [stored] if isinstance(stored, str) else stored
    row = next(i for i, line in enumerate(lines) if any(ch.isdigit() for ch in line))
    at = next(i for i, ch in enumerate(lines[row]) if ch.isdigit())
    lines[row] = lines[row][:at] + ("7" if lines[row][at] != "7" else "3") + lines[row][at + 1 :]
    output["data"]["text/markdown"] = lines[0] if isinstance(stored, str) else lines
    path.write_bytes(notebook_bytes(nb))
    changed = path.read_bytes()
    assert len(changed) == len(original)
    assert sum(a != b for a, b in zip(original, changed, strict=True)) == 1
    result = _verify(report)
    assert not result.ok
    assert any(p.startswith("altered: notebooks/recorded-crime.ipynb") for p in result.problems)
    assert result.sections["recorded-crime"].startswith(
        "fail: 1 difference(s) in notebooks/recorded-crime.ipynb"
    )
    assert any(
        p.startswith(f"notebooks/recorded-crime.ipynb: cell {index} output")
        for p in result.problems
    ), result.problems
    others = {n: s for n, s in result.sections.items() if n != "recorded-crime"}
    assert set(others.values()) == {"pass"}


def _nbval(folder: Path, *targets: str) -> subprocess.CompletedProcess:
    """The documented nbval command, run in a copy's notebooks/ folder, in the build environment."""
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval",
        "--nbval-current-env", "--nbval-sanitize-with", str(SANITIZE_CFG), *targets,
    ]  # fmt: skip
    with build_environment():
        return subprocess.run(
            command, cwd=folder / "notebooks", capture_output=True, text=True, timeout=900
        )


@pytest.mark.e2e
def test_nbval_passes_on_the_executed_notebooks(demo_report: dict, tmp_path: Path) -> None:
    """nbval re-runs every notebook on a copy (it writes tables and figures as it runs)."""
    report = demo_report["report"]
    for part in ("data", "validation", "notebooks"):
        shutil.copytree(report / part, tmp_path / part)
    shutil.rmtree(tmp_path / "data" / "tables")
    done = _nbval(tmp_path, ".")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout

    # nbval really compares: one changed digit in a stored output fails that cell.
    path = tmp_path / "notebooks" / "recorded-crime.ipynb"
    nb = json.loads(path.read_text())
    output = next(
        o
        for cell in nb["cells"]
        for o in cell.get("outputs", [])
        if "crime" in "".join(o.get("data", {}).get("text/markdown", ""))
    )
    text = "".join(output["data"]["text/markdown"])
    at = next(i for i, ch in enumerate(text) if ch.isdigit())
    output["data"]["text/markdown"] = text[:at] + str((int(text[at]) + 1) % 10) + text[at + 1 :]
    path.write_bytes(notebook_bytes(nb))
    tampered = _nbval(tmp_path, "recorded-crime.ipynb")
    assert tampered.returncode == 1 and "1 failed" in tampered.stdout, tampered.stdout[-3000:]
