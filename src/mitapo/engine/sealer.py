"""Sealing: gapless `seq` and the hash chain, given to committed entries after they commit.

The write path holds no global lock across commits: the writer only queues each entry's id. A sealer (one at a
time across all processes, by an advisory lock) takes the queued entries in the order their balances were
locked, chains them with `mitapo_ledger.seal` after the current head, and inserts their seals. A signed
checkpoint of the head and of the balances' digest is written periodically.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mitapo.engine.keys import KeyRing
from mitapo_ledger import (
    GENESIS_HASH,
    Asset,
    Checkpoint,
    Entry,
    Posting,
    SealedEntry,
    SignedCheckpoint,
    balances_digest,
    checkpoint_bytes,
    seal,
)

SEALER_LOCK = 0x6D697461706F  # "mitapo": one sealer at a time across processes
SEALED_CHANNEL = "mitapo_sealed"  # notified with the new head's seq as a pass commits: no need to poll

_QUEUED = "SELECT entry_id FROM seal_queue ORDER BY created_at, entry_id LIMIT $1"
# Each entry and its postings through their primary keys: with the journal growing fast its statistics lag,
# and a join left to the planner read whole tables into hashes (migration 0013).
_ENTRIES = """
    SELECT e.id, e.kind, e.memo, e.created_at, p.account, p.asset, p.amount
    FROM unnest($1::uuid[]) WITH ORDINALITY AS q(id, n)
    CROSS JOIN LATERAL (SELECT * FROM entries WHERE id = q.id OFFSET 0) AS e
    CROSS JOIN LATERAL (SELECT * FROM postings WHERE entry_id = q.id OFFSET 0) AS p
    ORDER BY q.n, p.idx
"""


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: bytes


async def head(conn: asyncpg.Connection) -> Head:
    row = await conn.fetchrow("SELECT seq, hash FROM seals ORDER BY seq DESC LIMIT 1")
    return Head(0, GENESIS_HASH) if row is None else Head(row["seq"], bytes(row["hash"]))


def entries_from_rows(rows: list[asyncpg.Record]) -> list[Entry]:
    """Rows of entries joined with their postings, in order, as ledger entries."""
    grouped: dict[uuid.UUID, list[asyncpg.Record]] = {}
    for row in rows:
        grouped.setdefault(row["id"], []).append(row)
    return [
        Entry(
            id=str(entry_id),
            kind=parts[0]["kind"],
            created_at=parts[0]["created_at"],
            memo=parts[0]["memo"],
            postings=tuple(Posting(p["account"], Asset(p["asset"]), p["amount"]) for p in parts),
        )
        for entry_id, parts in grouped.items()
    ]


async def seal_pending(conn: asyncpg.Connection, *, limit: int = 5000, wait: bool = False) -> int:
    """Seal up to `limit` queued entries; return how many. Zero when another sealer holds the lock, unless
    `wait`: then after that sealer's pass, whatever it left."""
    async with conn.transaction():
        if wait:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", SEALER_LOCK)
        elif not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", SEALER_LOCK):
            return 0
        ids = [r["entry_id"] for r in await conn.fetch(_QUEUED, limit)]
        if not ids:
            return 0
        entries = entries_from_rows(await conn.fetch(_ENTRIES, ids))
        current = await head(conn)
        sealed = seal(entries, prev_hash=current.hash, next_seq=current.seq + 1)
        await _insert_seals(conn, sealed)
        await conn.execute("DELETE FROM seal_queue WHERE entry_id = ANY($1::uuid[])", ids)
        await conn.execute("SELECT pg_notify($1, $2)", SEALED_CHANNEL, str(sealed[-1].seq))
        return len(sealed)


async def _insert_seals(conn: asyncpg.Connection, sealed: list[SealedEntry]) -> None:
    await conn.execute(
        "INSERT INTO seals (seq, entry_id, prev_hash, hash) "
        "SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::bytea[], $4::bytea[])",
        [s.seq for s in sealed],
        [uuid.UUID(s.entry.id) for s in sealed],
        [s.prev_hash for s in sealed],
        [s.hash for s in sealed],
    )


# The balances as of the sealed head: the maintained balances less what the committed, not yet sealed entries
# (the seal queue) posted. One statement, so one snapshot: an entry that commits meanwhile is in both or in
# neither. A read of every balance, not of every posting ever sealed: the checkpoint's cost follows the
# number of accounts, not the journal's length. An auditor's recomputation from the sealed entries must give
# the same digest, so the checkpoint also vouches that the maintained balances are the journal's.
_SEALED_BALANCES = """
    SELECT b.account, b.asset, (b.posted - coalesce(u.total, 0))::bigint AS total
    FROM balances b
    LEFT JOIN (SELECT p.account, p.asset, sum(p.amount) AS total
               FROM seal_queue q JOIN postings p ON p.entry_id = q.entry_id
               GROUP BY p.account, p.asset) AS u USING (account, asset)
    WHERE b.posted - coalesce(u.total, 0) <> 0
"""


async def sealed_balances(conn: asyncpg.Connection) -> dict[tuple[str, Asset], int]:
    """The balances at the sealed head; only under the sealer's lock, which keeps the head where it is."""
    rows = await conn.fetch(_SEALED_BALANCES)
    return {(r["account"], Asset(r["asset"])): r["total"] for r in rows}


# The balances right after entry `seq`, in one snapshot: the maintained balances less what every entry
# sealed after `seq` or still queued posted. Reads the postings of the entries after `seq` only.
_BALANCES_AT = """
    SELECT b.account, b.asset, (b.posted - coalesce(u.total, 0))::bigint AS total
    FROM balances b
    LEFT JOIN (SELECT p.account, p.asset, sum(p.amount) AS total
               FROM postings p
               WHERE p.entry_id IN (SELECT entry_id FROM seal_queue
                                    UNION ALL SELECT entry_id FROM seals WHERE seq > $1)
               GROUP BY p.account, p.asset) AS u USING (account, asset)
    WHERE b.posted - coalesce(u.total, 0) <> 0
"""


async def balances_at(conn: asyncpg.Connection, seq: int) -> dict[tuple[str, Asset], int]:
    """Every non-zero balance right after entry `seq` (an export since a checkpoint starts from them)."""
    rows = await conn.fetch(_BALANCES_AT, seq)
    return {(r["account"], Asset(r["asset"])): r["total"] for r in rows}


async def write_checkpoint(
    conn: asyncpg.Connection,
    keys: Callable[[], KeyRing],
    *,
    now: datetime | None = None,
    empty: bool = False,
) -> int | None:
    """Sign the current head unless it is signed already; return the checkpoint's seq.

    An empty journal is signed (seq 0, the genesis hash) only when `empty`: an export of a new install needs
    it, the periodic checkpointer does not. Under the sealer's lock, so that two processes never sign at once
    and the head cannot move meanwhile. The ring is asked for under the lock too, and the key that signs is
    published in the same transaction: a key rotated in another process (which switches under this lock)
    signs every checkpoint after the rotation, and no checkpoint names a key a verifier cannot find."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", SEALER_LOCK)
        current = await head(conn)
        if current.seq == 0 and not empty:
            return None
        if await conn.fetchval("SELECT 1 FROM checkpoints WHERE seq = $1", current.seq):
            return current.seq
        ring = keys()
        public = ring.current.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        await publish_keys(conn, {ring.current_kid: public})
        kid, sign = ring.current_kid, ring.sign
        checkpoint = Checkpoint(
            seq=current.seq,
            hash=current.hash,
            signed_at=now or datetime.now(UTC),
            kid=kid,
            balances_digest=balances_digest(await sealed_balances(conn)),
        )
        await conn.execute(
            "INSERT INTO checkpoints (seq, hash, signed_at, kid, balances_digest, signature) "
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (seq) DO NOTHING",
            checkpoint.seq,
            checkpoint.hash,
            checkpoint.signed_at,
            checkpoint.kid,
            checkpoint.balances_digest,
            sign(checkpoint_bytes(checkpoint)),
        )
        return current.seq


async def publish_keys(conn: asyncpg.Connection, public_keys: dict[str, bytes]) -> None:
    await conn.execute(
        "INSERT INTO signing_keys (kid, public_key) SELECT * FROM unnest($1::text[], $2::bytea[]) "
        "ON CONFLICT (kid) DO NOTHING",
        list(public_keys),
        list(public_keys.values()),
    )


_SEALED = """
    SELECT s.seq, s.prev_hash, s.hash, e.id, e.kind, e.memo, e.created_at, p.account, p.asset, p.amount
    FROM seals s JOIN entries e ON e.id = s.entry_id JOIN postings p ON p.entry_id = e.id
    WHERE s.seq > $1 AND s.seq <= $2
    ORDER BY s.seq, p.idx
"""


async def sealed_chunk(conn: asyncpg.Connection, after_seq: int, until_seq: int) -> list[SealedEntry]:
    """Sealed entries with after_seq < seq <= until_seq, in seq order, as ledger values."""
    rows = await conn.fetch(_SEALED, after_seq, until_seq)
    links = {r["id"]: (r["seq"], bytes(r["prev_hash"]), bytes(r["hash"])) for r in rows}
    return [
        SealedEntry(
            entry=entry,
            seq=links[uuid.UUID(entry.id)][0],
            prev_hash=links[uuid.UUID(entry.id)][1],
            hash=links[uuid.UUID(entry.id)][2],
        )
        for entry in entries_from_rows(rows)
    ]


_CHECKPOINTS = "SELECT seq, hash, signed_at, kid, balances_digest, signature FROM checkpoints"


async def signed_checkpoints(
    conn: asyncpg.Connection, after_seq: int = -1, limit: int | None = None
) -> list[SignedCheckpoint]:
    """Stored checkpoints with seq > `after_seq`, in seq order, `limit` at most."""
    rows = await conn.fetch(f"{_CHECKPOINTS} WHERE seq > $1 ORDER BY seq LIMIT $2", after_seq, limit)
    return _checkpoints(rows)


async def checkpoint_at(conn: asyncpg.Connection, seq: int) -> SignedCheckpoint | None:
    """The stored checkpoint at `seq`, if one was signed there."""
    found = _checkpoints(await conn.fetch(f"{_CHECKPOINTS} WHERE seq = $1", seq))
    return found[0] if found else None


async def latest_checkpoint(conn: asyncpg.Connection) -> SignedCheckpoint | None:
    found = _checkpoints(await conn.fetch(f"{_CHECKPOINTS} ORDER BY seq DESC LIMIT 1"))
    return found[0] if found else None


def _checkpoints(rows: list[asyncpg.Record]) -> list[SignedCheckpoint]:
    return [
        SignedCheckpoint(
            checkpoint=Checkpoint(
                seq=r["seq"],
                hash=bytes(r["hash"]),
                signed_at=r["signed_at"],
                kid=r["kid"],
                balances_digest=bytes(r["balances_digest"]),
            ),
            signature=bytes(r["signature"]),
        )
        for r in rows
    ]


async def published_keys(conn: asyncpg.Connection) -> dict[str, bytes]:
    rows = await conn.fetch("SELECT kid, public_key FROM signing_keys ORDER BY created_at, kid")
    return {r["kid"]: bytes(r["public_key"]) for r in rows}
