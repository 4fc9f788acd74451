"""Rotating and revoking a principal's secrets (migration 0019).

A principal has one current secret (`principals.secret_hash`) and any number of retired ones
(`retired_secrets`), each with the moment it stops. Rotation makes a new current secret and retires the
old one for a grace period (`Settings.rotation_grace_seconds`, a day by default: long enough to roll a new
key out to every till of a shop, short enough that a forgotten copy dies soon). Revocation stops every
secret of the principal at once (`principals.revoked_at`, and every retired secret's `valid_until` cut to
now); a secret rotated in afterwards (`mitapo token rotate`) is the only one that works again.

Nothing of this is cached by any worker: every request looks its secret up (`principals.by_secret_hash`),
so a revocation committed here is refused by every process on its next request.

Each change and its line in the staff action log (`staff_log`) commit in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from mitapo.accounts import auth, staff_log
from mitapo.engine.database import Database
from mitapo.engine.errors import Invalid, NotFound

REVOKED = "principal.revoked"
ROTATED = "principal.rotated"
ISSUED = "principal.secret_issued"


@dataclass(frozen=True, slots=True)
class Rotated:
    token: str
    previous_valid_until: datetime


async def revoke(db: Database, principal_id: str, *, actor: str, reason: str) -> int:
    """Stop every secret of the principal at once; answer how many stopped with this call (0 when it was
    revoked already: it stays revoked from the first time, and the log still records the second request).
    A resident is revoked with their devices and sessions (`POST /v1/residents/{id}/revocation`)."""
    async with db.raw() as conn, conn.transaction():
        found = await conn.fetchrow(
            "SELECT role, revoked_at FROM principals WHERE id = $1 FOR UPDATE", principal_id
        )
        if found is None:
            raise NotFound("principal")
        if found["role"] == "resident":
            raise Invalid("a resident's credentials are revoked at POST /v1/residents/{id}/revocation")
        stopped = await conn.fetchval(
            "WITH cut AS (UPDATE retired_secrets SET valid_until = now()"
            " WHERE principal_id = $1 AND valid_until > now() RETURNING 1) SELECT count(*) FROM cut",
            principal_id,
        )
        if found["revoked_at"] is None:
            await conn.execute("UPDATE principals SET revoked_at = now() WHERE id = $1", principal_id)
            stopped += 1
        await staff_log.record(conn, actor, REVOKED, principal_id, reason)
    return int(stopped)


async def rotate(
    db: Database,
    principal_id: str,
    grace: timedelta,
    *,
    actor: str,
    reason: str = "",
    staff_only: bool = False,
) -> Rotated:
    """A new current secret; the one it replaces keeps working until now + `grace` (not at all if the
    principal is revoked). Rotating a revoked principal (`mitapo token rotate`, or an admin's
    `POST /v1/principals/{id}/rotation`) is how it gets a secret again: its earlier secrets stay dead.
    `staff_only` refuses a resident's, as revocation does: a resident's phone signs in with passkeys, and its
    token is replaced by enrolling again, never handed over the counter."""
    async with db.raw() as conn, conn.transaction():
        found = await conn.fetchrow(
            "SELECT role, revoked_at FROM principals WHERE id = $1 FOR UPDATE", principal_id
        )
        if found is None:
            raise NotFound("principal")
        if staff_only and found["role"] == "resident":
            raise Invalid("a resident is enrolled again (POST /v1/residents/{id}/enrollments), not rotated")
        secret = auth.new_secret(found["role"])
        until = await _replace(conn, principal_id, secret, grace if found["revoked_at"] is None else None)
        action = ROTATED if found["revoked_at"] is None else ISSUED
        await staff_log.record(conn, actor, action, principal_id, reason)
    return Rotated(token=secret, previous_valid_until=until)


async def _replace(
    conn: asyncpg.Connection, principal_id: str, secret: str, grace: timedelta | None
) -> datetime:
    """Retire the current secret until now + grace (now, without grace), make `secret` current, lift a
    revocation; answer when the retired secret stops."""
    until: datetime = await conn.fetchval(
        "INSERT INTO retired_secrets (secret_hash, principal_id, valid_until)"
        " SELECT secret_hash, id, now() + $2::interval FROM principals WHERE id = $1 RETURNING valid_until",
        principal_id,
        grace or timedelta(0),
    )
    await conn.execute(
        "UPDATE principals SET secret_hash = $2, revoked_at = NULL WHERE id = $1",
        principal_id,
        auth.hash_secret(secret),
    )
    return until
