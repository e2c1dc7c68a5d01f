"""The manifest: real hashes, every file listed, the schema, the digest, code and environment.

The report checked here is the small real report of tests/smallreport.py (built once per
module by the ``pristine`` fixture in conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from pcc_report import manifest

REPO = Path(__file__).resolve().parents[1]


def _manifest(report: Path) -> dict:
    return json.loads((report / manifest.MANIFEST_NAME).read_text())


def test_input_entries_are_the_real_sizes_and_sha256_of_many_files(tmp_path: Path) -> None:
    """Hashed in parallel threads, each entry is still its own file's size and hash."""
    paths = []
    for number in range(12):
        path = tmp_path / f"2020-{number:02d}" / f"2020-{number:02d}-lancashire-street.csv.gz"
        path.parent.mkdir()
        path.write_bytes(os.urandom(200_000 + number))
        paths.append(path)
    rows = {paths[3].relative_to(tmp_path).as_posix(): 7}
    entries = manifest.input_entries(paths, tmp_path, rows=rows)
    assert entries == [
        {
            "path": p.relative_to(tmp_path).as_posix(),
            "data_root": str(tmp_path),
            "size": p.stat().st_size,
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
            "rows": 7 if p == paths[3] else None,
        }
        for p in paths
    ]


def test_manifest_records_everything_and_follows_its_schema(small: Path, templates: Path) -> None:
    recorded = _manifest(small)
    jsonschema.Draft202012Validator.check_schema(manifest.load_schema())
    jsonschema.validate(recorded, manifest.load_schema())
    assert recorded["schema_version"] == manifest.SCHEMA_VERSION == "1.0"
    assert list(recorded)[-1] == "digest"
    assert recorded["digest"] == manifest.manifest_digest(recorded)
    listed = [f["path"] for f in recorded["files"]]
    on_disk = sorted(p.relative_to(small).as_posix() for p in small.rglob("*") if p.is_file())
    assert listed == [p for p in on_disk if p != "manifest.json"]
    for entry in recorded["files"]:
        assert entry["sha256"] == manifest.sha256_file(small / entry["path"])
    notebook = recorded["notebooks"][0]
    assert notebook["template_sha256"] == manifest.sha256_file(templates / "tiny.ipynb")
    assert notebook["executed_sha256"] == manifest.sha256_file(small / notebook["executed"])
    assert notebook["parameters"]["force"] == "demoshire"
    assert [i["path"] for i in recorded["inputs"]] == [
        "2022-08/2022-08-demoshire-street.csv.gz",
        "2022-09/2022-09-demoshire-street.csv.gz",
    ]
    assert recorded["revision"] == {"revision": "r1", "replaces": None, "reason": None}


def test_manifest_digest_detects_an_edited_entry(small: Path) -> None:
    recorded = _manifest(small)
    assert manifest.manifest_digest(recorded) == recorded["digest"]
    recorded["inputs"][0]["rows"] = 299  # someone "corrects" a row count
    assert manifest.manifest_digest(recorded) != recorded["digest"]


def test_the_digest_is_sha256_of_the_canonical_json_the_schema_describes(small: Path) -> None:
    recorded = _manifest(small)
    body = {k: v for k, v in recorded.items() if k != "digest"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert recorded["digest"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_code_version_of_a_clean_and_a_dirty_repository(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.py").write_text("x = 1\n")
    git("add", "a.py")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "first")
    clean = manifest.code_version(tmp_path)
    assert len(clean["commit"]) == 40 and clean["dirty"] is False
    assert clean["diff_sha256"] is None and clean["untracked"] == []

    (tmp_path / "a.py").write_text("x = 2\n")
    (tmp_path / "new.py").write_text("y = 1\n")
    dirty = manifest.code_version(tmp_path)
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
    outside = manifest.code_version(tmp_path)
    assert outside["commit"] == "unknown" and "not a git repository" in outside["reason"]
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on the PATH
    missing = manifest.code_version(tmp_path)
    assert missing == {
        "commit": "unknown",
        "branch": None,
        "dirty": None,
        "diff_sha256": None,
        "untracked": [],
        "reason": "git is not installed",
    }


def test_environment_lists_installed_distributions_and_the_lock_hash() -> None:
    env = manifest.environment(REPO / "requirements.lock")
    names = [d["name"] for d in env["distributions"]]
    assert names == sorted(names, key=lambda n: (n.lower().replace("_", "-"), n))
    versions = {d["name"]: d["version"] for d in env["distributions"]}
    import papermill

    assert versions["papermill"] == papermill.__version__
    assert "pcc-report" in versions or "pcc_report" in versions
    assert env["lock_file"]["sha256"] == manifest.sha256_file(REPO / "requirements.lock")
    assert env["python"] == sys.version.split()[0]
    assert manifest.environment(REPO / "nope.lock")["lock_file"]["sha256"] is None


def test_each_installed_distribution_is_named_as_its_full_metadata_names_it() -> None:
    from importlib import metadata

    dists = list(metadata.distributions())
    assert len(dists) > 50  # the project's environment
    for dist in dists:
        assert manifest._name_and_version(dist) == (dist.metadata.get("Name"), dist.version)


def test_metadata_without_both_header_lines_is_parsed_in_full() -> None:
    from importlib import metadata

    class Odd(metadata.Distribution):
        def read_text(self, filename: str) -> str | None:
            if filename == "METADATA":
                return "Metadata-Version: 2.1\nname: odd-package\nversion: 2.0\n\nText.\n"
            return None

        def locate_file(self, path):  # noqa: ANN001, ANN201 - the abstract method
            return path

    assert manifest._name_and_version(Odd()) == ("odd-package", "2.0")
