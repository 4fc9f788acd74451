"""The abuse limits' buckets in PostgreSQL (`rate_limits`, migration 0011), so that every worker process
counts against the same numbers. Each take is one autocommitted statement: it runs on the lookup pool, on a
request's hot path, and changes no session state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True, slots=True)
class Bucket:
    """A key that may be taken `burst / step` times at once, and once more every `step` seconds."""

    key: str
    step: float
    burst: float


async def take(conn: asyncpg.Connection, buckets: Sequence[Bucket]) -> float:
    """Take one from every bucket, or from none: 0 when admitted, else the seconds until there is room."""
    ordered = sorted(buckets, key=lambda b: b.key)
    wait = await conn.fetchval(
        "SELECT rate_take($1::text[], $2::float8[], $3::float8[])",
        [b.key for b in ordered],
        [b.step for b in ordered],
        [b.burst for b in ordered],
    )
    return float(wait or 0.0)


async def forget_idle(conn: asyncpg.Connection) -> None:
    """Drop buckets that have refilled completely: a missing row and a full bucket mean the same."""
    await conn.execute(
        "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE tat < clock_timestamp() "
        "FOR UPDATE SKIP LOCKED)"
    )
