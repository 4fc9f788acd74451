"""Signed checkpoints: the server's Ed25519 statement of the chain's head and balances at a seq.

A checkpoint lets an auditor who trusts only the public key check a whole export offline. The ``kid`` is
derived from the key itself, so a checkpoint names the key that must verify it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mitapo_ledger._checks import is_digest, is_seq
from mitapo_ledger.canonical import canonical_json
from mitapo_ledger.errors import InvalidCheckpoint, InvalidPublicKey
from mitapo_ledger.timestamps import format_timestamp, is_aware_and_representable

PURPOSE = "mitapo.checkpoint.v1"
"""Signed along with the fields, so a checkpoint signature can never be replayed as another message."""

KID_PATTERN = re.compile(r"[0-9a-f]{16}")
SIGNATURE_SIZE = 64


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """First 16 hex digits of SHA-256 of the raw 32-byte key."""
    return hashlib.sha256(_raw(public_key)).hexdigest()[:16]


def public_key_b64(public_key: Ed25519PublicKey) -> str:
    """The published form of a key: base64 of its raw 32 bytes."""
    return base64.b64encode(_raw(public_key)).decode("ascii")


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """Read a published key; raises ``InvalidPublicKey`` for anything but base64 of 32 bytes."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError, TypeError):
        raise InvalidPublicKey("public key is not valid base64") from None
    if len(raw) != 32:
        raise InvalidPublicKey(f"public key must be 32 raw bytes, got {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain head ``hash`` at ``seq`` and the digest of all balances after entry ``seq``.

    ``seq`` 0 with ``GENESIS_HASH`` is allowed: it states that the journal is still empty.
    """

    seq: int
    hash: bytes
    signed_at: datetime
    kid: str
    balances_digest: bytes

    def __post_init__(self) -> None:
        if not is_seq(self.seq, minimum=0):
            raise InvalidCheckpoint(f"checkpoint seq must be a non-negative int, got {self.seq!r}")
        if not is_digest(self.hash) or not is_digest(self.balances_digest):
            raise InvalidCheckpoint(f"checkpoint {self.seq}: hash and balances_digest must be 32 bytes")
        if not is_aware_and_representable(self.signed_at):
            raise InvalidCheckpoint(f"checkpoint {self.seq}: signed_at must be an aware datetime")
        if not isinstance(self.kid, str) or not KID_PATTERN.fullmatch(self.kid):
            raise InvalidCheckpoint(f"checkpoint {self.seq}: kid must be 16 lower-case hex digits")


def checkpoint_bytes(checkpoint: Checkpoint) -> bytes:
    """The exact bytes that are signed."""
    return canonical_json(
        {
            "balances_digest": checkpoint.balances_digest.hex(),
            "hash": checkpoint.hash.hex(),
            "kid": checkpoint.kid,
            "purpose": PURPOSE,
            "seq": checkpoint.seq,
            "signed_at": format_timestamp(checkpoint.signed_at),
        }
    )


@dataclass(frozen=True, slots=True)
class SignedCheckpoint:
    """A checkpoint with its 64-byte Ed25519 signature over ``checkpoint_bytes``."""

    checkpoint: Checkpoint
    signature: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.checkpoint, Checkpoint):
            raise InvalidCheckpoint(f"{self.checkpoint!r} is not a Checkpoint")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise InvalidCheckpoint(f"checkpoint {self.checkpoint.seq}: signature must be 64 bytes")


def sign_checkpoint(checkpoint: Checkpoint, private_key: Ed25519PrivateKey) -> SignedCheckpoint:
    """Sign with the key the checkpoint's ``kid`` names; any other key is refused before signing."""
    kid = key_id(private_key.public_key())
    if kid != checkpoint.kid:
        raise InvalidCheckpoint(f"checkpoint names key {checkpoint.kid}, signing key is {kid}")
    return SignedCheckpoint(checkpoint=checkpoint, signature=private_key.sign(checkpoint_bytes(checkpoint)))


def signature_valid(signed: SignedCheckpoint, public_key: Ed25519PublicKey) -> bool:
    """True when ``public_key`` made this signature over exactly these checkpoint fields."""
    try:
        public_key.verify(signed.signature, checkpoint_bytes(signed.checkpoint))
    except InvalidSignature:
        return False
    return True
