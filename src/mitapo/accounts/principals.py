"""Principals (who may call the service) and their hashed secrets."""

from __future__ import annotations

from dataclasses import dataclass

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
