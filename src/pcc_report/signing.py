"""The office's signing key: Ed25519 signatures over a published report's manifest.

The manifest's digest (:mod:`pcc_report.manifest`) shows that an entry was edited, but anyone
who edits a file can recompute every hash and the digest. A signature cannot be recomputed
without the office's private key, so a manifest edited and re-digested is caught. The public
key and its fingerprint are shipped in the report, and the fingerprint is printed on the
paper's front sheet, which the panel minutes: an auditor compares the fingerprint ``verify``
reports with the one on the paper (or passes it as ``--fingerprint``), so a report re-signed
with another key is caught too.

The private key never enters a project checkout or a reports folder (:func:`check_key_path`
refuses both), and never a report: only ``signing-key.pub`` is written into one. Its path
comes from the environment variable :data:`KEY_ENV`; without it reports are built unsigned
and ``verify`` says "unsigned". Keys are made and used with ``cryptography`` (Ed25519, PKCS#8
PEM, file mode 0600).
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from pcc_report.errors import InputError
from pcc_report.manifest import SIGNATURE_NAME

#: The environment variable naming the private key file used to sign reports.
KEY_ENV = "PCC_REPORT_SIGNING_KEY"
#: Where ``keys init`` puts the key when no path is given (outside any project or reports).
DEFAULT_KEY = Path("~/.config/pcc-report/signing-key.pem")
#: Beside ``manifest.json`` (SIGNATURE_NAME): the base64 signature over its exact bytes.
#: In the report folder (listed and hashed in the manifest): the public key, PEM.
PUBLIC_KEY_NAME = "signing-key.pub"
ALGORITHM = "ed25519"


class SigningError(InputError):
    """The signing key cannot be made or used (exit 2: unusable inputs or arguments)."""


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """The key's fingerprint: the first 128 bits of sha256 over its 32 raw bytes, in groups.

    Written in eight groups of four hex digits so that it can be read aloud and compared by
    eye on the printed front sheet.
    """
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def same_fingerprint(a: str, b: str) -> bool:
    """Fingerprints compared without spaces, colons or case (as an auditor may type them)."""
    def norm(text: str) -> str:
        return "".join(c for c in text.lower() if c in "0123456789abcdef")
    return norm(a) == norm(b)


def check_key_path(path: Path, forbidden: list[Path]) -> Path:
    """``path`` made absolute, or :class:`SigningError` if it is inside a forbidden folder.

    The key must never be inside the project checkout (it could be committed) or a reports
    folder (it could be published with a report).
    """
    resolved = Path(os.path.abspath(Path(path).expanduser()))
    real = resolved.resolve()
    for folder in forbidden:
        for inside in {Path(os.path.abspath(folder)), Path(folder).resolve()}:
            if resolved.is_relative_to(inside) or real.is_relative_to(inside):
                raise SigningError(
                    f"signing key {resolved} is inside {inside}; keep the private key outside "
                    "the project and the reports folder (e.g. ~/.config/pcc-report/)"
                )
    return resolved


def init_key(path: Path, forbidden: list[Path]) -> tuple[Path, str]:
    """Create a new Ed25519 key pair at ``path`` (0600) and ``path.pub``; (path, fingerprint).

    Never replaces an existing key: a lost key only stops new signatures, a replaced one
    would make every report signed with it unverifiable against the printed fingerprint.
    """
    path = check_key_path(path, forbidden)
    if path.exists():
        raise SigningError(f"{path} already exists; it was not replaced")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.chmod(path, 0o600)
    public = path.with_name(path.name + ".pub")
    public.write_bytes(_public_pem(key.public_key()))
    return path, fingerprint(key.public_key())


def _public_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


@dataclass(frozen=True)
class Signer:
    """The private key of a build, loaded once before any work."""

    key: Ed25519PrivateKey
    path: Path

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key.public_key())

    def ship_public_key(self, report_dir: Path) -> dict:
        """Write the public key into the report; the manifest's ``signing`` entry."""
        (Path(report_dir) / PUBLIC_KEY_NAME).write_bytes(_public_pem(self.key.public_key()))
        return {"algorithm": ALGORITHM, "fingerprint": self.fingerprint,
                "public_key": PUBLIC_KEY_NAME, "signature": SIGNATURE_NAME}

    def sign_manifest(self, report_dir: Path) -> Path:
        """Sign ``manifest.json``'s bytes; the signature goes beside it (not listed in it)."""
        from pcc_report.manifest import MANIFEST_NAME

        data = (Path(report_dir) / MANIFEST_NAME).read_bytes()
        target = Path(report_dir) / SIGNATURE_NAME
        target.write_text(base64.b64encode(self.key.sign(data)).decode("ascii") + "\n",
                          encoding="ascii")
        return target


def configured_signer(forbidden: list[Path], environ: dict | None = None) -> Signer | None:
    """The signer named by :data:`KEY_ENV`, or None (reports are then built unsigned)."""
    value = (os.environ if environ is None else environ).get(KEY_ENV)
    if not value:
        return None
    path = check_key_path(Path(value), forbidden)
    if not path.is_file():
        raise SigningError(f"{KEY_ENV} names {path}, which is not a file; create a key with "
                           "'pcc-report keys init'")
    if path.stat().st_mode & 0o077:
        raise SigningError(f"signing key {path} can be read by others; run chmod 600 {path}")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"signing key {path} is not a readable PEM private key: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningError(f"signing key {path} is not an Ed25519 key")
    return Signer(key, path)


@dataclass(frozen=True)
class SignatureCheck:
    """``status`` is "signed", "unsigned" or "invalid"; ``message`` says it in a sentence."""

    status: str
    message: str
    fingerprint: str | None = None


def check_signature(report_dir: Path, manifest_bytes: bytes, manifest: dict) -> SignatureCheck:
    """Check the signature beside the manifest with the public key shipped in the report.

    The fingerprint recorded in the (signed) manifest must be that of the shipped key, so a
    public key swapped after signing is caught as well as an edited manifest.
    """
    report_dir = Path(report_dir)
    signature_path = report_dir / SIGNATURE_NAME
    entry = manifest.get("signing")
    if not signature_path.is_file():
        if entry:
            return SignatureCheck("invalid", f"signature does not match: the manifest says it "
                                  f"is signed by {entry.get('fingerprint')} but "
                                  f"{SIGNATURE_NAME} is missing")
        return SignatureCheck("unsigned", "unsigned: the manifest carries no signature, so an "
                              "edited and re-digested manifest could not be told apart")
    public_path = report_dir / PUBLIC_KEY_NAME
    try:
        public = serialization.load_pem_public_key(public_path.read_bytes())
        signature = base64.b64decode(signature_path.read_text(encoding="ascii").strip(),
                                     validate=True)
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        return SignatureCheck("invalid", f"signature does not match: cannot read "
                              f"{PUBLIC_KEY_NAME} or {SIGNATURE_NAME} ({exc})")
    if not isinstance(public, Ed25519PublicKey):
        return SignatureCheck("invalid", f"signature does not match: {PUBLIC_KEY_NAME} is not "
                              "an Ed25519 key")
    shipped = fingerprint(public)
    try:
        public.verify(signature, manifest_bytes)
    except InvalidSignature:
        return SignatureCheck("invalid", f"signature does not match: manifest.json was "
                              f"changed after it was signed (key {shipped})", shipped)
    if not entry or not same_fingerprint(entry.get("fingerprint", ""), shipped):
        return SignatureCheck("invalid", "signature does not match: the manifest's signing "
                              f"entry does not name the shipped key {shipped}", shipped)
    return SignatureCheck("signed", f"signed by {shipped}", shipped)

