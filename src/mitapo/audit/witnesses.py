"""Witnesses: independent parties (the audit committee 監査委員, a neighbouring city, a citizens' group) who
cosign a checkpoint only after checking that it extends the last one they cosigned.

An admin registers a witness's public key; from then on the witness posts cosignatures with no secret of
the service at all: the cosignature is its own authentication, a signature by a registered key over a
checkpoint the service signed. The service stores every cosignature and publishes them with the checkpoints
and in exports, so that `mitapo-ledger verify --witness KEY` can require them.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mitapo.accounts import staff_log
from mitapo.engine import sealer
from mitapo.engine.catalog import Code
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo_ledger import (
    Cosignature,
    LedgerError,
    canonical_json,
    cosignature_valid,
    key_id,
    parse_line,
    public_key_from_b64,
)

REGISTERED = "witness.registered"  # the staff action


@dataclass(frozen=True, slots=True)
class Witness:
    kid: str
    name: str
    public_key: str  # base64 of the raw 32 bytes, as the service's own keys are published


async def register(db: Database, name: str, public_key: str, *, actor: str | None = None) -> Witness:
    """Register a witness's key; registering the same key again answers the witness as first registered.
    With `actor`, the staff action log records a new registration (not a repeated one) in its transaction."""
    try:
        key = public_key_from_b64(public_key)
    except LedgerError as error:
        raise DomainError(Code.VALIDATION_ERROR, str(error)) from None
    async with db.raw() as conn, conn.transaction():
        added = await conn.execute(
            "INSERT INTO witnesses (kid, public_key, name) VALUES ($1, $2, $3) ON CONFLICT (kid) DO NOTHING",
            key_id(key),
            base64.b64decode(public_key),
            name,
        )
        if actor is not None and added == "INSERT 0 1":
            await staff_log.record(conn, actor, REGISTERED, key_id(key), name)
        row = await conn.fetchrow("SELECT kid, name, public_key FROM witnesses WHERE kid = $1", key_id(key))
    assert row is not None  # inserted above, or before; never deleted
    return _witness(row)


async def listed(db: Database) -> list[Witness]:
    async with db.raw() as conn:
        rows = await conn.fetch("SELECT kid, name, public_key FROM witnesses ORDER BY created_at, kid")
    return [_witness(row) for row in rows]


def _witness(row: asyncpg.Record) -> Witness:
    return Witness(row["kid"], row["name"], base64.b64encode(bytes(row["public_key"])).decode("ascii"))


def read_cosignature(fields: dict[str, object]) -> Cosignature:
    """A posted cosignature, spelled exactly as its export line (docs/ledger-format.md)."""
    try:
        record = parse_line(canonical_json({**fields, "type": "cosignature"}))
    except LedgerError as error:
        raise DomainError(Code.VALIDATION_ERROR, str(error)) from None
    if not isinstance(record, Cosignature):
        raise DomainError(Code.VALIDATION_ERROR, "not a cosignature")
    return record


async def accept(db: Database, cosignature: Cosignature) -> None:
    """Store a registered witness's valid cosignature of a checkpoint the service signed (once per witness
    and checkpoint: a repeat is accepted and changes nothing)."""
    async with db.raw() as conn:
        raw = await conn.fetchval("SELECT public_key FROM witnesses WHERE kid = $1", cosignature.witness)
        if raw is None:
            raise DomainError(Code.WITNESS_UNKNOWN, f"no witness {cosignature.witness} is registered")
        kept = await sealer.checkpoint_at(conn, cosignature.seq)
        if kept is None:
            raise DomainError(Code.NOT_FOUND, f"no checkpoint was signed at seq {cosignature.seq}")
        if kept.checkpoint.hash != cosignature.hash:
            raise DomainError(
                Code.CHECKPOINT_MISMATCH,
                f"the checkpoint at seq {cosignature.seq} states hash {kept.checkpoint.hash.hex()}",
            )
        if not cosignature_valid(
            cosignature, kept.checkpoint, Ed25519PublicKey.from_public_bytes(bytes(raw))
        ):
            raise DomainError(
                Code.COSIGNATURE_INVALID, "the signature does not verify with the witness's key"
            )
        await conn.execute(
            "INSERT INTO cosignatures (seq, witness, cosigned_at, signature) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (seq, witness) DO NOTHING",
            cosignature.seq,
            cosignature.witness,
            cosignature.cosigned_at,
            cosignature.signature,
        )


async def cosignatures_of(conn: asyncpg.Connection, seqs: Iterable[int]) -> dict[int, list[Cosignature]]:
    """The stored cosignatures of the checkpoints at `seqs`, by seq, each list by witness."""
    rows = await conn.fetch(
        "SELECT c.seq, k.hash, c.witness, c.cosigned_at, c.signature FROM cosignatures c "
        "JOIN checkpoints k USING (seq) WHERE c.seq = ANY($1::bigint[]) ORDER BY c.seq, c.witness",
        list(seqs),
    )
    found: dict[int, list[Cosignature]] = {}
    for r in rows:
        found.setdefault(r["seq"], []).append(
            Cosignature(r["seq"], bytes(r["hash"]), r["witness"], r["cosigned_at"], bytes(r["signature"]))
        )
    return found


async def newest_cosigned(conn: asyncpg.Connection, after_seq: int, until_seq: int) -> list[int]:
    """Each witness's newest cosigned checkpoint within (after_seq, until_seq): an export carries them."""
    rows = await conn.fetch(
        "SELECT DISTINCT max(seq) AS seq FROM cosignatures WHERE seq > $1 AND seq < $2 GROUP BY witness",
        after_seq,
        until_seq,
    )
    return sorted(r["seq"] for r in rows)
