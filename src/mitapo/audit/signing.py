"""Rotating the service's signing key while it serves (the console's button, `POST /v1/audit/keys/rotation`).

The new key must be known before it signs anything, and once the rotation has answered nothing may be signed
by the old one. So, under the sealer's lock (which every checkpoint takes before it asks for the ring): the
new private key's file is written, its public key published in `signing_keys` and the staff action recorded,
`current` is switched, and the transaction commits. A checkpoint in any worker then waits for the lock and
signs with the new key (`engine.keys.LiveKeys` sees `current` replaced); a code signed by the new key in one
worker verifies in every other. The sealer's own process only hashes, never signs: it needs no key. The old
keys stay, so every checkpoint and code they signed still verifies.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mitapo.accounts import staff_log
from mitapo.engine import keys, sealer
from mitapo.engine.database import Database

ROTATED = "signing_key.rotated"  # the staff action; its subject is the new kid


@dataclass(frozen=True, slots=True)
class RotatedKey:
    kid: str
    public_key: str  # raw 32 bytes in base64, as /v1/audit/public-keys lists it
    previous_kid: str


async def rotate(db: Database, directory: Path, *, actor: str) -> RotatedKey:
    """Make a new signing key current for every process of the service; the previous one stays to verify."""
    async with db.raw() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            rotated = await _switch(conn, directory, actor)
        except BaseException:
            await transaction.rollback()
            raise
        try:
            await transaction.commit()
        except BaseException:
            keys.make_current(directory, rotated.previous_kid)  # not recorded, so not current
            raise
    return rotated


async def _switch(conn: asyncpg.Connection, directory: Path, actor: str) -> RotatedKey:
    """Inside the caller's transaction: the new key written, published and logged, then made current, all
    under the sealer's lock, so that no checkpoint is being signed meanwhile."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", sealer.SEALER_LOCK)
    previous = keys.load_keyring(directory).current_kid
    kid = keys.new_key(directory)
    public = keys.load_keyring(directory).public_keys[kid].public_bytes(Encoding.Raw, PublicFormat.Raw)
    await sealer.publish_keys(conn, {kid: public})
    await staff_log.record(conn, actor, ROTATED, kid, f"previous key {previous}")
    keys.make_current(directory, kid)
    return RotatedKey(kid=kid, public_key=base64.b64encode(public).decode(), previous_kid=previous)
