"""The abuse limits' buckets in PostgreSQL (`rate_limits`, migration 0011), so that every worker process
counts against the same numbers. Each take is one autocommitted statement for all the requests that wait for
one (migration 0014): it runs on the lookup pool, on a request's hot path, and changes no session state."""

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


async def take_many(conn: asyncpg.Connection, requests: Sequence[Sequence[Bucket]]) -> list[float]:
    """For each request in order, take one from every one of its buckets, or from none: 0 when admitted, else
    the seconds until there is room. One statement for all of them (migration 0014)."""
    asking = [i for i, buckets in enumerate(requests) if buckets]  # a request without buckets is admitted
    numbers: list[int] = []
    ordered: list[Bucket] = []
    for number, i in enumerate(asking, start=1):
        mine = sorted(requests[i], key=lambda b: b.key)
        numbers += [number] * len(mine)
        ordered += mine
    if not asking:
        return [0.0] * len(requests)
    waits = await conn.fetchval(
        "SELECT rate_take_many($1::int[], $2::text[], $3::float8[], $4::float8[])",
        numbers,
        [b.key for b in ordered],
        [b.step for b in ordered],
        [b.burst for b in ordered],
    )
    answers = [0.0] * len(requests)
    for i, wait in zip(asking, waits, strict=True):
        answers[i] = float(wait)
    return answers


async def forget_idle(conn: asyncpg.Connection) -> None:
    """Drop buckets that have refilled completely: a missing row and a full bucket mean the same."""
    await conn.execute(
        "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE tat < clock_timestamp() "
        "FOR UPDATE SKIP LOCKED)"
    )
