"""Cosignatures: an independent witness's Ed25519 statement that it checked a checkpoint extends the last
one it cosigned (Certificate Transparency's witnesses, RFC 9162 §8.3 in spirit).

The witness signs every field of the server's checkpoint, so a cosignature vouches for the same head,
balances and server key. Whoever holds the server's key can then rewrite history only if every witness an
auditor asks for colludes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from mitapo_ledger._checks import is_digest, is_seq
from mitapo_ledger.canonical import canonical_json
from mitapo_ledger.checkpoints import KID_PATTERN, SIGNATURE_SIZE, Checkpoint, key_id
from mitapo_ledger.errors import InvalidCheckpoint
from mitapo_ledger.timestamps import format_timestamp, is_aware_and_representable

COSIGNATURE_PURPOSE = "mitapo.cosignature.v1"


@dataclass(frozen=True, slots=True)
class Cosignature:
    """Witness ``witness`` (a kid) cosigned the checkpoint at ``seq`` stating ``hash``, at ``cosigned_at``."""

    seq: int
    hash: bytes
    witness: str
    cosigned_at: datetime
    signature: bytes

    def __post_init__(self) -> None:
        if not is_seq(self.seq, minimum=0) or not is_digest(self.hash):
            raise InvalidCheckpoint("a cosignature needs a seq from 0 and a 32-byte hash")
        if not isinstance(self.witness, str) or not KID_PATTERN.fullmatch(self.witness):
            raise InvalidCheckpoint("a cosignature's witness must be a kid: 16 lower-case hex digits")
        if not is_aware_and_representable(self.cosigned_at):
            raise InvalidCheckpoint("cosigned_at must be an aware datetime")
        if not isinstance(self.signature, bytes) or len(self.signature) != SIGNATURE_SIZE:
            raise InvalidCheckpoint("a cosignature must be 64 bytes")


def cosignature_bytes(checkpoint: Checkpoint, witness: str, cosigned_at: datetime) -> bytes:
    """The exact bytes a witness signs: the checkpoint's fields, the witness's kid and the time."""
    return canonical_json(
        {
            "balances_digest": checkpoint.balances_digest.hex(),
            "cosigned_at": format_timestamp(cosigned_at),
            "hash": checkpoint.hash.hex(),
            "kid": checkpoint.kid,
            "purpose": COSIGNATURE_PURPOSE,
            "seq": checkpoint.seq,
            "signed_at": format_timestamp(checkpoint.signed_at),
            "witness": witness,
        }
    )


def cosign(checkpoint: Checkpoint, private_key: Ed25519PrivateKey, cosigned_at: datetime) -> Cosignature:
    witness = key_id(private_key.public_key())
    signature = private_key.sign(cosignature_bytes(checkpoint, witness, cosigned_at))
    return Cosignature(checkpoint.seq, checkpoint.hash, witness, cosigned_at, signature)


def cosignature_valid(cosignature: Cosignature, checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> bool:
    """True when ``public_key`` is the witness's and it signed exactly this checkpoint."""
    if (cosignature.seq, cosignature.hash) != (checkpoint.seq, checkpoint.hash):
        return False
    if key_id(public_key) != cosignature.witness:
        return False
    message = cosignature_bytes(checkpoint, cosignature.witness, cosignature.cosigned_at)
    try:
        public_key.verify(cosignature.signature, message)
    except InvalidSignature:
        return False
    return True
