"""Principals (who may call the service) and their hashed secrets."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts.tables import principals


@dataclass(frozen=True, slots=True)
class PrincipalView:
    id: str
    role: str
    name: str


@dataclass(frozen=True, slots=True)
class PrincipalListed:
    """A principal as the staff console lists it: never its secret, only whether it was revoked."""

    id: str
    name: str
    created_at: datetime
    revoked: bool


@dataclass(frozen=True, slots=True)
class RevokedSecret:
    """A secret the service knows but no longer takes: revoked, or rotated out and past its grace."""

    principal_id: str


# The current secret, or a retired one (migration 0019); either is refused once the principal is revoked.
_BY_SECRET = """
    SELECT id, role, name, revoked_at IS NULL AS valid FROM principals
    WHERE secret_hash = $1 AND disabled_at IS NULL
    UNION ALL
    SELECT p.id, p.role, p.name, p.revoked_at IS NULL AND r.valid_until > now() FROM retired_secrets r
    JOIN principals p ON p.id = r.principal_id WHERE r.secret_hash = $1 AND p.disabled_at IS NULL
    LIMIT 1
"""


async def by_secret_hash(
    conn: asyncpg.Connection, secret_hash: bytes
) -> PrincipalView | RevokedSecret | None:
    """On the lookup pool (`Database.lookup`), one round trip on every request that presents a secret."""
    row = await conn.fetchrow(_BY_SECRET, secret_hash)
    if row is None:
        return None
    if not row["valid"]:
        return RevokedSecret(row["id"])
    return PrincipalView(row["id"], row["role"], row["name"])


async def by_id(conn: AsyncConnection, principal_id: str) -> PrincipalView | None:
    row = (
        await conn.execute(
            select(principals.c.id, principals.c.role, principals.c.name).where(
                principals.c.id == principal_id
            )
        )
    ).first()
    return None if row is None else PrincipalView(row.id, row.role, row.name)


async def of_role(conn: AsyncConnection, role: str, limit: int) -> list[PrincipalListed]:
    """The principals of one role, newest first (the city's organizers, for the console's list)."""
    query = (
        select(principals.c.id, principals.c.name, principals.c.created_at, principals.c.revoked_at)
        .where(principals.c.role == role, principals.c.disabled_at.is_(None))
        .order_by(principals.c.created_at.desc(), principals.c.id)
        .limit(limit)
    )
    rows = (await conn.execute(query)).all()
    return [PrincipalListed(r.id, r.name, r.created_at, r.revoked_at is not None) for r in rows]
