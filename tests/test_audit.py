"""The audit trail: manifest, scrubbed notebooks, and verify() catching every kind of change.

The fast tests build a small but real report folder: a one-cell-of-work template executed by
papermill through build.execute_section (a real kernel), real hashes, a manifest written by
write_manifest. The e2e tests build the demonstration report (build writes its manifest), re-execute
it with verify() and run nbval over its executed notebooks.

Every verify() call goes through ``_verify``, which asserts that the report folder is exactly
as before: the auditor's tool must never change what it audits.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from pcc_report import audit, build

REPO = Path(__file__).resolve().parents[1]
SANITIZE_CFG = REPO / "tests" / "nbval_sanitize.cfg"
QUARTER = "2022-23-Q2"


# --------------------------------------------------------------------------------------------
# A small real report


def _cell(kind: str, source: str, index: int, tags: tuple[str, ...] = ()) -> dict:
    cell = {
        "cell_type": kind,
        "id": f"cell-{index:02d}",
        "metadata": {"tags": list(tags)},
        "source": source,
    }
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


TEMPLATE_BODY = """\
import json
from pathlib import Path
from IPython.display import Markdown, display

data = Path(data_dir)
values = json.loads((data / "values.json").read_text())[force]
(data / "tables").mkdir(exist_ok=True)
rows = ["district,crimes"] + [f"{k},{v}" for k, v in sorted(values.items())]
(data / "tables" / f"{force}-crimes.csv").write_text("\\n".join(rows) + "\\n")
Path("figures").mkdir(exist_ok=True)
Path("figures", f"{force}-crimes.png").write_bytes(
    b"\\x89PNG\\r\\n\\x1a\\n" + json.dumps(values, sort_keys=True).encode())
display(Markdown(f"Recorded crime in {quarter}: **{sum(values.values()):,}**"))
print("districts:", len(values))
"""

TEMPLATE = {
    "cells": [
        _cell("markdown", "# {title}", 0),
        _cell(
            "code",
            'force = "demoshire"\nquarter = "2022-23-Q2"\nperiod_end = "2022-09"\n'
            'data_dir = "../data"\n',
            1,
            ("parameters",),
        ),
        _cell("code", TEMPLATE_BODY, 2),
    ],
    "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}

VALUES = {
    "demoshire": {"Northtown": 1204, "Southvale": 877, "No location": 31},
    "westshire": {"Eastport": 640, "Westmoor": 1502},
}


def _sections() -> list[build.Section]:
    return [
        build.Section(
            f"crimes-{force}",
            "tiny.ipynb",
            f"Crimes & <i>{force}</i>",
            {"force": force, "quarter": QUARTER, "period_end": "2022-09", "data_dir": "../data"},
            "main",
        )
        for force in VALUES
    ]


def _write_inputs(folder: Path) -> list[Path]:
    """Two gzipped police.uk-like street files (real gzip, real bytes)."""
    paths = []
    for month in ("2022-08", "2022-09"):
        path = folder / month / f"{month}-demoshire-street.csv.gz"
        path.parent.mkdir(parents=True)
        body = "Crime ID,Month,Crime type\n" + "".join(
            f"{uuid.UUID(int=i + int(month[-1])).hex},{month},Burglary\n" for i in range(300)
        )
        path.write_bytes(gzip.compress(body.encode(), mtime=0))
        paths.append(path)
    return paths


def _build_small_report(report: Path, police_uk: Path) -> None:
    """Lay out a report folder the way build.run_report does, executing real notebooks."""
    (report / "data").mkdir(parents=True)
    (report / "data" / "values.json").write_text(json.dumps(VALUES, indent=1) + "\n")
    (report / "validation").mkdir()
    (report / "validation" / "validation.json").write_text('{"ok": true, "suites": []}\n')
    book, templates = report / "_book", report / ".templates"
    book.mkdir()
    templates.mkdir()
    seconds = {}
    for section in _sections():
        seconds[section.name] = build.execute_section(section, book, templates)
    (report / "notebooks").mkdir()
    for section in _sections():
        shutil.move(book / f"{section.name}.ipynb", report / "notebooks")
    shutil.move(book / "figures", report / "figures")
    shutil.rmtree(book)
    shutil.rmtree(templates)
    (report / "html").mkdir()
    (report / "html" / "index.html").write_text("<h1>Demoshire</h1><p>Recorded crime</p>\n")
    (report / "demoshire-2022-23-Q2.pdf").write_bytes(
        b"%PDF-1.5\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    now = datetime(2022, 11, 1, 9, 30, tzinfo=UTC)
    audit.write_manifest(
        report,
        run=audit.run_record("0123456789ab", now, now, argv=["pcc-report", "run"]),
        inputs=audit.input_entries(sorted(police_uk.rglob("*.gz")), police_uk),
        suites=[
            {
                "name": "police_uk_street",
                "file": "police_uk_street.json",
                "sha256": "0" * 64,
                "success": True,
            }
        ],
        validation_ok=True,
        notebooks=audit.notebook_entries(_sections(), seconds, build.NOTEBOOKS_DIR, report),
        revision={"revision": "r1", "replaces": None, "reason": None},
        nondeterministic=audit.NONDETERMINISTIC,
    )


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    (folder / "tiny.ipynb").write_text(json.dumps(TEMPLATE, indent=1) + "\n")
    return folder


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, templates: Path) -> tuple[Path, Path]:
    """The small report built once: (report folder, police.uk data root)."""
    root = tmp_path_factory.mktemp("small")
    police_uk = root / "police-uk"
    _write_inputs(police_uk)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "NOTEBOOKS_DIR", templates)
        for key, value in build.BUILD_ENV.items():
            patch.setenv(key, value)
        _build_small_report(root / "report", police_uk)
    return root / "report", police_uk


@pytest.fixture
def small(
    pristine: tuple[Path, Path], tmp_path: Path, templates: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A copy of the small report for one test to alter; verify reads the tiny template."""
    monkeypatch.setattr(build, "NOTEBOOKS_DIR", templates)
    report = tmp_path / "report"
    shutil.copytree(pristine[0], report)
    return report


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {
        p.relative_to(folder).as_posix(): (
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir",
            p.stat().st_mtime_ns,
        )
        for p in sorted(folder.rglob("*"))
    }


def _verify(report: Path, **kwargs) -> audit.VerifyResult:  # noqa: ANN003
    """verify(), asserting the report folder is untouched (contents, listing, mtimes)."""
    before, cwd = _snapshot(report), os.getcwd()
    result = audit.verify(report, progress=lambda message: None, **kwargs)
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
    return json.loads((report / audit.MANIFEST_NAME).read_text())


# --------------------------------------------------------------------------------------------
# Recording


def test_file_entry_is_the_real_size_and_sha256(tmp_path: Path) -> None:
    data = os.urandom(3_000_000)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "big.parquet").write_bytes(data)
    assert audit.file_entry(tmp_path / "sub" / "big.parquet", tmp_path) == {
        "path": "sub/big.parquet",
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def test_hashing_40_mb_of_inputs_is_fast(tmp_path: Path) -> None:
    paths = []
    for number in range(36):
        path = tmp_path / f"2020-{number:02d}-lancashire-street.csv.gz"
        path.write_bytes(os.urandom(1_150_000))
        paths.append(path)
    start = time.perf_counter()
    entries = audit.input_entries(paths, tmp_path)
    assert time.perf_counter() - start < 2.0
    assert entries[5] == {
        "path": paths[5].name,
        "data_root": str(tmp_path),
        "size": 1_150_000,
        "sha256": audit.sha256_file(paths[5]),
        "rows": None,
    }


def test_manifest_records_everything_and_follows_its_schema(small: Path, templates: Path) -> None:
    manifest = _manifest(small)
    jsonschema.Draft202012Validator.check_schema(audit.load_schema())
    jsonschema.validate(manifest, audit.load_schema())
    assert manifest["schema_version"] == audit.SCHEMA_VERSION == "1.0"
    assert list(manifest)[-1] == "digest"
    assert manifest["digest"] == audit.manifest_digest(manifest)
    listed = [f["path"] for f in manifest["files"]]
    on_disk = sorted(p.relative_to(small).as_posix() for p in small.rglob("*") if p.is_file())
    assert listed == [p for p in on_disk if p != "manifest.json"]
    for entry in manifest["files"]:
        assert entry["sha256"] == audit.sha256_file(small / entry["path"])
    notebook = manifest["notebooks"][0]
    assert notebook["template_sha256"] == audit.sha256_file(templates / "tiny.ipynb")
    assert notebook["executed_sha256"] == audit.sha256_file(small / notebook["executed"])
    assert notebook["parameters"]["force"] == "demoshire"
    assert [i["path"] for i in manifest["inputs"]] == [
        "2022-08/2022-08-demoshire-street.csv.gz",
        "2022-09/2022-09-demoshire-street.csv.gz",
    ]
    assert manifest["revision"] == {"revision": "r1", "replaces": None, "reason": None}


def test_manifest_digest_detects_an_edited_entry(small: Path) -> None:
    manifest = _manifest(small)
    manifest["inputs"][0]["rows"] = 299  # someone "corrects" a row count
    assert audit.manifest_digest(manifest) != manifest["digest"]
    (small / audit.MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    result = _verify(small, reexecute=False)
    assert not result.ok
    assert any(
        p.startswith("altered: manifest.json (its digest does not match") for p in result.problems
    ), result.problems


def test_code_version_of_a_clean_and_a_dirty_repository(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    git("add", "a.py")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "first")
    clean = audit.code_version(tmp_path)
    assert len(clean["commit"]) == 40 and clean["dirty"] is False
    assert clean["diff_sha256"] is None and clean["untracked"] == []

    (tmp_path / "a.py").write_text("x = 2\n")
    (tmp_path / "new.py").write_text("y = 1\n")
    dirty = audit.code_version(tmp_path)
    diff = subprocess.run(
        ["git", "-C", str(tmp_path), "diff", "HEAD", "--binary"], capture_output=True, check=True
    ).stdout
    assert dirty["commit"] == clean["commit"] and dirty["dirty"] is True
    assert dirty["diff_sha256"] == hashlib.sha256(diff).hexdigest()
    assert dirty["untracked"] == [
        {"path": "new.py", "sha256": hashlib.sha256(b"y = 1\n").hexdigest()}
    ]


def test_code_version_without_a_repository_or_without_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = audit.code_version(tmp_path)
    assert outside["commit"] == "unknown" and "not a git repository" in outside["reason"]
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on the PATH
    missing = audit.code_version(tmp_path)
    assert missing == {
        "commit": "unknown",
        "branch": None,
        "dirty": None,
        "diff_sha256": None,
        "untracked": [],
        "reason": "git is not installed",
    }


def test_environment_lists_installed_distributions_and_the_lock_hash() -> None:
    env = audit.environment(REPO / "requirements.lock")
    names = [d["name"] for d in env["distributions"]]
    assert names == sorted(names, key=lambda n: (n.lower().replace("_", "-"), n))
    versions = {d["name"]: d["version"] for d in env["distributions"]}
    import papermill

    assert versions["papermill"] == papermill.__version__
    assert "pcc-report" in versions or "pcc_report" in versions
    assert env["lock_file"]["sha256"] == audit.sha256_file(REPO / "requirements.lock")
    assert env["python"] == sys.version.split()[0]
    assert audit.environment(REPO / "nope.lock")["lock_file"]["sha256"] is None


# --------------------------------------------------------------------------------------------
# Scrubbing


def test_two_executions_scrub_to_byte_identical_notebooks(
    pristine: tuple[Path, Path], templates: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-run one section in a fresh folder: after scrubbing, the bytes equal the published."""
    monkeypatch.setattr(build, "NOTEBOOKS_DIR", templates)
    report, _ = pristine
    section = _sections()[0]
    shutil.copytree(report / "data", tmp_path / "data")
    (tmp_path / "book").mkdir()
    (tmp_path / "t").mkdir()
    build.execute_section(section, tmp_path / "book", tmp_path / "t", scrub_output=False)
    fresh = tmp_path / "book" / f"{section.name}.ipynb"
    raw = json.loads(fresh.read_text())
    assert "start_time" in raw["metadata"]["papermill"]  # papermill did write times
    audit.scrub_notebook(fresh)
    assert fresh.read_bytes() == (report / "notebooks" / f"{section.name}.ipynb").read_bytes()

    scrubbed = json.loads(fresh.read_text())
    papermill = scrubbed["metadata"]["papermill"]
    assert papermill["parameters"] == section.parameters
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        assert key not in papermill
    for cell in scrubbed["cells"]:
        assert "execution" not in cell["metadata"]
        assert not {"start_time", "end_time", "duration"} & set(
            cell["metadata"].get("papermill", {})
        )
    assert [c["id"] for c in scrubbed["cells"]] == [
        "cell-00",
        "cell-01",
        audit.INJECTED_CELL_ID,
        "cell-02",
    ]
    assert "".join(scrubbed["cells"][0]["source"]) == "# Crimes \\& \\<i\\>demoshire\\</i\\>"

    before = fresh.read_bytes()
    audit.scrub_notebook(fresh)  # idempotent
    assert fresh.read_bytes() == before


# --------------------------------------------------------------------------------------------
# Verification


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


def _rewrite_manifest(report: Path, manifest: dict) -> None:
    """Write a fresh, self-consistent manifest over the report as it is now (a forger's move)."""
    (report / audit.MANIFEST_NAME).unlink()
    audit.write_manifest(
        report,
        run=manifest["run"],
        inputs=manifest["inputs"],
        suites=manifest["validation"]["suites"],
        validation_ok=True,
        notebooks=manifest["notebooks"],
        revision=manifest["revision"],
        nondeterministic=manifest["nondeterministic"],
        code=manifest["code"],
        env=manifest["environment"],
    )


def test_re_execution_catches_outputs_the_code_does_not_produce(small: Path) -> None:
    """A forger who edits a table and then rewrites the whole manifest is still caught."""
    _flip_byte(small / "data/tables/westshire-crimes.csv", b"640", b"641")
    manifest = _manifest(small)
    _rewrite_manifest(small, manifest)
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
        small / audit.MANIFEST_NAME,
        f'"{digest}"'.encode(),
        f'"{"0" if digest[0] != "0" else "1"}{digest[1:]}"'.encode(),
    )
    result = _verify(small, reexecute=False)
    assert result.problems[0] == (
        "altered: manifest.json (its digest does not match its content: an entry was edited)"
    )
    assert result.problems[1].startswith(f"altered: {entry['path']} (sha256 {digest[:12]}")
    assert len(result.problems) == 2


def test_a_manifest_that_is_not_json_is_reported(small: Path) -> None:
    _flip_byte(small / audit.MANIFEST_NAME, b"{", b"[")
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
    (small / audit.MANIFEST_NAME).unlink()
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
    monkeypatch.setattr(build, "NOTEBOOKS_DIR", changed)
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
    manifest = _manifest(small)
    (small / "data" / "values.json").write_text(json.dumps(values, indent=1) + "\n")
    _rewrite_manifest(small, manifest)
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
    manifest = _manifest(small)
    manifest["notebooks"][0]["name"] = "../../escaped"
    manifest["digest"] = audit.manifest_digest(manifest)
    (small / audit.MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
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


# --------------------------------------------------------------------------------------------
# End to end: the demonstration report


@pytest.mark.e2e
def test_demo_manifest_follows_the_schema(demo_report: dict) -> None:
    manifest = _manifest(demo_report["report"])
    jsonschema.validate(manifest, audit.load_schema())
    listed = {f["path"] for f in manifest["files"]}
    assert {
        "html/index.html",
        "validation/validation.json",
        "data/street_monthly.parquet",
        "notebooks/front-sheet.ipynb",
        "demoshire-2022-23-Q2.pdf",
    } <= listed
    assert len(manifest["inputs"]) >= 36


@pytest.mark.e2e
def test_demo_report_re_executes_identically_within_the_time_budget(demo_report: dict) -> None:
    report = demo_report["report"]
    lines: list[str] = []
    before = _snapshot(report)
    result = audit.verify(report, progress=lines.append)
    assert _snapshot(report) == before
    assert result.ok, result.format()
    assert set(result.sections.values()) == {"pass"}
    sys.stderr.write(
        f"\n[audit e2e] build {demo_report['build_seconds']:.1f} s, verify {result.seconds:.1f} s\n"
    )
    # Re-execution is the sections' work only (no book build), so it must stay well below
    # the build; a loose bound keeps a loaded CI machine from flaking.
    assert result.seconds < 1.2 * demo_report["build_seconds"] + 10


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
    path.write_bytes(audit.notebook_bytes(nb))
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
    """The documented nbval command, run in a copy's notebooks/ folder."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(SANITIZE_CFG),
            *targets,
        ],
        cwd=folder / "notebooks",
        capture_output=True,
        text=True,
        env={**os.environ, **build.BUILD_ENV},
        timeout=900,
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
    path.write_bytes(audit.notebook_bytes(nb))
    tampered = _nbval(tmp_path, "recorded-crime.ipynb")
    assert tampered.returncode == 1 and "1 failed" in tampered.stdout, tampered.stdout[-3000:]
