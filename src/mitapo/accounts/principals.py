"""Principals (who may call the service) and their hashed secrets."""

from __future__ import annotations

from collections.abc import Sequence
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


# The same for many secrets at once, each through the primary key or the unique index; and, in the same
# statement, the abuse limits' buckets of each request whose secret names a valid principal of one of its
# route's roles (`rate_take_many`, migration 0014; a key's `{principal}` is that principal's id). One round
# trip where the lookup and the take were two, one after the other, on every limited request.
_ADMIT = """
    WITH asked AS (
        SELECT * FROM unnest($1::bytea[], $2::text[]) WITH ORDINALITY AS a (secret_hash, roles, n)
    ), found AS (
        SELECT a.n, a.roles, f.* FROM asked a CROSS JOIN LATERAL (
            SELECT id, role, name, revoked_at IS NULL AS valid FROM principals
            WHERE secret_hash = a.secret_hash AND disabled_at IS NULL
            UNION ALL
            SELECT p.id, p.role, p.name, p.revoked_at IS NULL AND r.valid_until > now() FROM retired_secrets r
            JOIN principals p ON p.id = r.principal_id
            WHERE r.secret_hash = a.secret_hash AND p.disabled_at IS NULL
            LIMIT 1
        ) AS f
    ), takes AS (
        SELECT t.n, replace(t.key, '{principal}', f.id) AS key, t.step, t.burst
        FROM unnest($3::int[], $4::text[], $5::float8[], $6::float8[]) AS t (n, key, step, burst)
        JOIN found f ON f.n = t.n
        WHERE f.valid AND f.role = ANY(string_to_array(f.roles, ','))
    ), taken AS (
        SELECT array_agg(DISTINCT n ORDER BY n) AS ns,
               rate_take_many(array_agg(n ORDER BY n, key), array_agg(key ORDER BY n, key),
                              array_agg(step ORDER BY n, key), array_agg(burst ORDER BY n, key)) AS waits
        FROM takes
    )
    SELECT f.n, f.id, f.role, f.name, f.valid, w.wait
    FROM found f LEFT JOIN (SELECT unnest(ns) AS n, unnest(waits) AS wait FROM taken) AS w ON w.n = f.n
"""

Found = PrincipalView | RevokedSecret | None


@dataclass(frozen=True, slots=True)
class Asked:
    """A secret to look up, the roles its route admits, and the buckets to take from when the secret names a
    valid principal of one of them: (key, step, burst), `{principal}` in a key standing for its id."""

    secret_hash: bytes
    roles: tuple[str, ...] = ()
    takes: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Admission:
    """What the secret names; `wait` > 0 when a bucket was empty (nothing was taken then), else 0."""

    found: Found
    wait: float = 0.0


async def by_secret_hash(conn: asyncpg.Connection, secret_hash: bytes) -> Found:
    """On the lookup pool (`Database.lookup`), one round trip on every request that presents a secret."""
    return _found(await conn.fetchrow(_BY_SECRET, secret_hash))


async def admit_many(conn: asyncpg.Connection, asked: Sequence[Asked]) -> list[Admission]:
    """The requests that arrived together (`accounts.auth.Authenticator`), in one autocommitted statement on
    the lookup pool: each secret looked up as alone, and its takes decided in order, all or none per request,
    as `limits.buckets.take_many` decides them."""
    ns: list[int] = []
    keys: list[str] = []
    steps: list[float] = []
    bursts: list[float] = []
    for n, ask in enumerate(asked, start=1):
        for key, step, burst in ask.takes:
            ns.append(n)
            keys.append(key)
            steps.append(step)
            bursts.append(burst)
    rows = await conn.fetch(
        _ADMIT,
        [ask.secret_hash for ask in asked],
        [",".join(ask.roles) for ask in asked],
        ns,
        keys,
        steps,
        bursts,
    )
    answers = [Admission(None)] * len(asked)
    for row in rows:
        answers[row["n"] - 1] = Admission(_found(row), float(row["wait"] or 0.0))
    return answers


def _found(row: asyncpg.Record | None) -> Found:
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
