"""What the metrics read from the journal itself: entries sealed per kind, and how far sealing lags."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True, slots=True)
class SealedSince:
    head_seq: int
    kinds: dict[str, int]


@dataclass(frozen=True, slots=True)
class SealBacklog:
    entries: int
    oldest_seconds: float


async def sealed_since(conn: asyncpg.Connection, after_seq: int) -> SealedSince:
    """Entries per kind sealed after `after_seq`: the first call counts all, later ones what is new."""
    rows = await conn.fetch(
        "SELECT e.kind, count(*) AS n, max(s.seq) AS head FROM seals s JOIN entries e ON e.id = s.entry_id "
        "WHERE s.seq > $1 GROUP BY e.kind",
        after_seq,
    )
    head = max((r["head"] for r in rows), default=after_seq)
    return SealedSince(head_seq=head, kinds={r["kind"]: r["n"] for r in rows})


async def seal_backlog(conn: asyncpg.Connection) -> SealBacklog:
    row = await conn.fetchrow(
        "SELECT count(*) AS n, "
        "coalesce(extract(epoch FROM clock_timestamp() - min(created_at)), 0)::float8 AS oldest "
        "FROM seal_queue"
    )
    assert row is not None
    return SealBacklog(entries=row["n"], oldest_seconds=max(0.0, row["oldest"]))
