"""Signed manifests: key creation, signing, and what verify says about the signature.

The fast tests sign copies of the small real report (tests/smallreport.py) with a fresh key
made in a temporary folder, then tamper with them the ways an editor of the files could.
"""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from pcc_report import cli, signing
from pcc_report.config import PROJECT_ROOT
from pcc_report.errors import SignatureMismatch
from pcc_report.manifest import MANIFEST_NAME, file_entries, manifest_digest, report_files
from pcc_report.signing import SigningError
from pcc_report.verify import verify


def _quiet(_: str) -> None:
    pass


@pytest.fixture
def key(tmp_path: Path) -> Path:
    path, _ = signing.init_key(tmp_path / "keys" / "office.pem", [PROJECT_ROOT])
    return path


def _signer(key: Path) -> signing.Signer:
    return signing.configured_signer([PROJECT_ROOT], {signing.KEY_ENV: str(key)})


def _sign(report: Path, signer: signing.Signer) -> None:
    """What the build's manifest stage does: ship the public key, list it, digest, sign."""
    manifest = json.loads((report / MANIFEST_NAME).read_text())
    manifest["signing"] = signer.ship_public_key(report)
    manifest["files"] = file_entries(report_files(report), report)
    manifest["digest"] = manifest_digest(manifest)
    (report / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")
    signer.sign_manifest(report)


def _expected_fingerprint(key: Path) -> str:
    """Computed here from the key file: sha256 of the raw public key, first 32 hex digits."""
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                            serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:32]


def test_keys_init_makes_a_private_key_only_its_owner_can_read(key: Path) -> None:
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    public = serialization.load_pem_public_key((key.parent / "office.pem.pub").read_bytes())
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    assert public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw) == \
        private.public_key().public_bytes(serialization.Encoding.Raw,
                                          serialization.PublicFormat.Raw)


def test_keys_init_never_replaces_a_key(key: Path) -> None:
    before = key.read_bytes()
    with pytest.raises(SigningError, match="already exists"):
        signing.init_key(key, [PROJECT_ROOT])
    assert key.read_bytes() == before


@pytest.mark.parametrize("where", ["project", "reports"])
def test_a_key_inside_the_project_or_the_reports_folder_is_refused(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    reports = tmp_path / "reports"
    path = (PROJECT_ROOT / "keys" / "k.pem") if where == "project" else reports / "k.pem"
    code = cli.main(["keys", "init", "--key", str(path), "--out", str(reports)])
    assert code == 2
    assert "is inside" in capsys.readouterr().err
    assert not path.exists()
    with pytest.raises(SigningError, match="is inside"):
        signing.configured_signer([PROJECT_ROOT, reports], {signing.KEY_ENV: str(path)})


def test_a_key_others_can_read_is_refused(key: Path) -> None:
    key.chmod(0o644)
    with pytest.raises(SigningError, match="chmod 600"):
        _signer(key)


def test_a_signed_report_verifies_as_signed_by_its_key(small: Path, key: Path) -> None:
    _sign(small, _signer(key))
    result = verify(small, reexecute=False, progress=_quiet, require_signature=True)
    assert result.ok, result.format()
    expected = _expected_fingerprint(key)
    assert result.signature.startswith("signed by ")
    assert result.signature.replace("signed by ", "").replace(" ", "") == expected
    assert f"Signature: {result.signature}" in result.format()
    assert verify(small, reexecute=False, progress=_quiet, fingerprint=expected).ok


def test_the_report_holds_the_public_key_never_the_private_one(small: Path, key: Path) -> None:
    _sign(small, _signer(key))
    private_pem = key.read_bytes()
    body = b"".join(private_pem.splitlines()[1:-1])  # the base64 of the key itself
    for path in small.rglob("*"):
        if path.is_file():
            assert body not in path.read_bytes().replace(b"\n", b""), path


def test_a_tampered_file_is_caught_with_a_valid_signature(small: Path, key: Path) -> None:
    _sign(small, _signer(key))
    table = small / "data/tables/demoshire-crimes.csv"
    table.write_bytes(table.read_bytes().replace(b"1204", b"1205"))
    result = verify(small, reexecute=False, progress=_quiet)
    assert result.signature.startswith("signed by ")
    assert not result.ok
    assert [p for p in result.problems if p.startswith("altered: data/tables/demoshire-crimes")]


def test_a_re_digested_manifest_is_caught_by_the_signature(
    small: Path, key: Path, capsys: pytest.CaptureFixture
) -> None:
    _sign(small, _signer(key))
    table = small / "data/tables/demoshire-crimes.csv"
    table.write_bytes(table.read_bytes().replace(b"1204", b"1205"))
    manifest = json.loads((small / MANIFEST_NAME).read_text())
    manifest["files"] = file_entries(report_files(small), small)  # the forger re-hashes all
    manifest["digest"] = manifest_digest(manifest)
    (small / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n")

    result = verify(small, reexecute=False, progress=_quiet)
    assert not result.ok
    assert result.signature_failed
    assert result.signature.startswith("signature does not match")
    assert not [p for p in result.problems if p.startswith("altered:")]  # hashes agree now
    assert cli.main(["verify", str(small), "--no-reexecute"]) == SignatureMismatch.exit_code
    assert "signature does not match" in capsys.readouterr().out


def test_a_report_re_signed_with_another_key_fails_the_expected_fingerprint(
    small: Path, key: Path, tmp_path: Path
) -> None:
    other, _ = signing.init_key(tmp_path / "other" / "k.pem", [PROJECT_ROOT])
    _sign(small, _signer(other))
    result = verify(small, reexecute=False, progress=_quiet,
                    fingerprint=_expected_fingerprint(key))
    assert not result.ok and result.signature_failed


def test_a_deleted_signature_is_not_taken_for_unsigned(small: Path, key: Path) -> None:
    _sign(small, _signer(key))
    (small / signing.SIGNATURE_NAME).unlink()
    result = verify(small, reexecute=False, progress=_quiet)
    assert result.signature_failed and "missing" in result.signature


def test_an_unsigned_report_is_reported_as_unsigned(
    small: Path, capsys: pytest.CaptureFixture
) -> None:
    result = verify(small, reexecute=False, progress=_quiet)
    assert result.ok
    assert result.signature.startswith("unsigned")
    assert any(n.startswith("warning: unsigned") for n in result.notes)
    strict = verify(small, reexecute=False, progress=_quiet, require_signature=True)
    assert not strict.ok and strict.signature_failed
    assert cli.main(["verify", str(small), "--no-reexecute"]) == 0
    assert cli.main(["verify", str(small), "--no-reexecute", "--require-signature"]) == \
        SignatureMismatch.exit_code
