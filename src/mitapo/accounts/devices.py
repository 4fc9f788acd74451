"""A resident's devices: the passkeys they registered, which they list and remove themselves, and the city's
revocation of all of them at once when a phone is lost. Revocation stops every passkey, session, open
enrollment code and the resident's token in one transaction, records who did it and why, and leaves the
wallet alone: a lost phone never costs a point. A new enrollment can be issued right after."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from mitapo.accounts import auth, device_reads, staff_log
from mitapo.engine import clock
from mitapo.engine.database import Database
from mitapo.engine.errors import NotFound


async def listed(db: Database, resident_id: str) -> list[dict[str, Any]]:
    async with db.lookup() as conn:
        found = await device_reads.devices(conn, resident_id)
    return [
        {
            "id": d.id,
            "name": d.name,
            "created_at": d.created_at.isoformat(),
            "last_used_at": None if d.last_used_at is None else d.last_used_at.isoformat(),
        }
        for d in found
    ]


async def remove(db: Database, resident_id: str, device_id: str) -> None:
    """Remove one of the resident's own passkeys and end its sessions; another's, or none: 404."""
    now = clock.now()
    async with db.raw() as conn, conn.transaction():
        if not await device_reads.remove_passkeys(conn, resident_id, "removed", now, device_id):
            raise NotFound("device")
        await device_reads.end_sessions(conn, resident_id, "removed", now, passkey_id=device_id)


async def revoke(db: Database, resident_id: str, reason: str, revoked_by: str) -> dict[str, Any]:
    """Stop everything the resident signs in with; answer how many credentials stopped, by kind."""
    now = clock.now()
    async with db.raw() as conn, conn.transaction():
        exists = await conn.fetchval("SELECT 1 FROM residents WHERE id = $1 FOR UPDATE", resident_id)
        if not exists:
            raise NotFound("resident")
        counts = {
            "passkeys": await device_reads.remove_passkeys(conn, resident_id, "revoked", now),
            "sessions": await device_reads.end_sessions(conn, resident_id, "revoked", now),
            "enrollments": await device_reads.void_open_enrollments(conn, resident_id, now),
            "tokens": await device_reads.revoke_token(
                conn, resident_id, auth.hash_secret(secrets.token_urlsafe(32)), now
            ),
        }
        revocation_id = f"rvk_{uuid.uuid4().hex[:16]}"
        await device_reads.record_revocation(
            conn, revocation_id, resident_id, reason, revoked_by, now, counts
        )
        await staff_log.record(conn, revoked_by, "resident.revoked", resident_id, reason)
    return {
        "id": revocation_id,
        "resident_id": resident_id,
        "revoked": sum(counts.values()),
        "revoked_at": now.isoformat(),
        **counts,
    }
