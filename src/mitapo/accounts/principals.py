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


async def by_secret_hash(conn: asyncpg.Connection, secret_hash: bytes) -> PrincipalView | None:
    """On the lookup pool (`Database.lookup`): every request that misses the authenticator's cache asks."""
    row = await conn.fetchrow(
        "SELECT id, role, name FROM principals WHERE secret_hash = $1 AND disabled_at IS NULL", secret_hash
    )
    return None if row is None else PrincipalView(row["id"], row["role"], row["name"])


async def by_id(conn: AsyncConnection, principal_id: str) -> PrincipalView | None:
    row = (
        await conn.execute(
            select(principals.c.id, principals.c.role, principals.c.name).where(
                principals.c.id == principal_id
            )
        )
    ).first()
    return None if row is None else PrincipalView(row.id, row.role, row.name)
