"""The service's Ed25519 signing keys: one current key signs; every key ever used stays to verify.

Private keys live as PEM files with owner-only permissions in the key directory (`MITAPO_SIGNING_KEY_PATH`, by
default `<data dir>/keys`), created on first start; `current` names the one that signs. They are never logged,
never exported and never stored in the database; only public keys are published.

Rotation while the service runs (`audit.signing.rotate`, `mitapo keys rotate`) writes the new key's file,
then replaces `current` atomically. Every process (each worker; the sealer's process never signs) holds a
`LiveKeys`, which looks at `current` (one `stat`) whenever the ring is asked for and reloads the directory
when it was replaced: a code signed by the new key in one worker verifies in another at once, and a
checkpoint signed after the rotation, in any worker, is signed by the new key (`sealer.write_checkpoint` asks
for the ring under the sealer's lock, which the rotation holds while it switches).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mitapo_ledger import key_id


@dataclass(frozen=True, slots=True)
class KeyRing:
    current_kid: str
    private_keys: dict[str, Ed25519PrivateKey]

    @property
    def current(self) -> Ed25519PrivateKey:
        return self.private_keys[self.current_kid]

    @property
    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        return {kid: key.public_key() for kid, key in self.private_keys.items()}

    def sign(self, data: bytes) -> bytes:
        return self.current.sign(data)

    def derived_secret(self, label: bytes) -> bytes:
        """A secret for one purpose (`label`), derived from the oldest key, so it outlives rotations and
        stays as private as the keys: pseudonyms keyed by it cannot be turned back without the key files."""
        oldest = self.private_keys[min(self.private_keys)]
        raw = oldest.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return hmac.new(raw, b"mitapo derived secret: " + label, hashlib.sha256).digest()


def load_keyring(directory: Path) -> KeyRing:
    """Load every key in `directory`, creating the first one when there is none."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    keys = {path.stem: _read(path) for path in sorted(directory.glob("*.pem"))}
    current_file = directory / "current"
    if not keys or not current_file.exists():
        return rotate(directory)
    current = current_file.read_text().strip()
    if current not in keys:
        raise RuntimeError(f"{current_file} names key {current!r}, which is not in {directory}")
    return KeyRing(current_kid=current, private_keys=keys)


def rotate(directory: Path) -> KeyRing:
    """Create a new key and make it current; the old ones stay for verifying what they signed."""
    make_current(directory, new_key(directory))
    return load_keyring(directory)


def new_key(directory: Path) -> str:
    """Write a new private key (owner-only) beside the others, not yet current; answer its kid."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    kid: str = key_id(key.public_key())
    _write_private(directory / f"{kid}.pem", key)
    return kid


def make_current(directory: Path, kid: str) -> None:
    """Name `kid` the signing key: `current` is replaced whole, never seen half-written."""
    if not (directory / f"{kid}.pem").exists():
        raise RuntimeError(f"no key {kid!r} in {directory}")
    _write_atomic(directory / "current", kid.encode())


class LiveKeys:
    """A process's view of the key directory that follows rotations made by any process: the ring is
    reloaded when `current` was replaced since it was loaded (its inode, size or time changed)."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._current = str(directory / "current")  # a plain string: os.stat on it is the cheapest look
        self._ring = load_keyring(directory)
        self._seen = self._stamp()

    def ring(self) -> KeyRing:
        stamp = self._stamp()
        if stamp != self._seen:
            self._ring, self._seen = load_keyring(self._directory), stamp
        return self._ring

    def _stamp(self) -> tuple[int, int, int]:
        found = os.stat(self._current)
        return found.st_ino, found.st_mtime_ns, found.st_size


def _read(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 private key")
    return key


def _write_private(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _write_atomic(path: Path, data: bytes) -> None:
    """Through a file of this process's own (two processes rotating at once never share one), then renamed
    over `path`: a new inode, which `LiveKeys` notices."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
