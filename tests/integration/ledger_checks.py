"""What must hold of the database-backed journal at any moment, checked from the tables themselves.

Shared by the concurrency, tamper and stateful tests, so that each states the same invariants the same way:
the maintained balances equal the replay of their postings, every posting's `balance_after` continues its
account's chain, nothing that may not go negative is negative, the pending amounts equal the pending holds,
every asset sums to zero; and, once sealed and signed, the chain verifies both in the service and offline.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from mitapo.audit import reports
from mitapo.engine.database import Database
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from mitapo_ledger import verify_export

_UNBALANCED_ASSETS = """
    SELECT asset, sum(posted) AS total FROM balances GROUP BY asset HAVING sum(posted) <> 0
"""
_NOT_REPLAYED = """
    SELECT b.account, b.asset, b.posted, b.postings_count, coalesce(p.total, 0) AS total,
           coalesce(p.n, 0) AS n
    FROM balances b
    LEFT JOIN (SELECT account, asset, sum(amount) AS total, count(*) AS n FROM postings
               GROUP BY account, asset) AS p USING (account, asset)
    WHERE b.posted <> coalesce(p.total, 0) OR b.postings_count <> coalesce(p.n, 0)
"""
_BROKEN_CHAINS = """
    SELECT account, asset, account_seq, balance_after, running FROM (
        SELECT account, asset, account_seq, balance_after,
               sum(amount) OVER w AS running, row_number() OVER w AS position
        FROM postings WINDOW w AS (PARTITION BY account, asset ORDER BY account_seq)
    ) AS t
    WHERE running <> balance_after OR position <> account_seq
"""
_NEGATIVE = """
    SELECT account, asset, normal_sign * posted - pending AS available FROM balances
    WHERE NOT may_go_negative AND normal_sign * posted - pending < 0
"""
_PENDING_OFF = """
    SELECT b.account, b.asset, b.pending, coalesce(h.total, 0) AS held
    FROM balances b
    LEFT JOIN (SELECT account, asset, sum(amount) AS total FROM holds WHERE status = 'pending'
               GROUP BY account, asset) AS h USING (account, asset)
    WHERE b.pending <> coalesce(h.total, 0)
"""
CHECKS = {
    "asset does not sum to zero": _UNBALANCED_ASSETS,
    "balance is not the replay of its postings": _NOT_REPLAYED,
    "balance_after chain broken": _BROKEN_CHAINS,
    "forbidden negative": _NEGATIVE,
    "pending is not the sum of pending holds": _PENDING_OFF,
}


@asynccontextmanager
async def running(url: str, data_dir: Path) -> AsyncIterator[Runtime]:
    """The service without HTTP and without background jobs: tests seal and sign when they choose."""
    runtime = Runtime(Settings(data_dir=data_dir), url)
    await runtime.start(migrate_first=False, background=False)
    try:
        yield runtime
    finally:
        await runtime.stop()


async def journal_problems(db: Database) -> list[str]:
    """Every violated invariant, one line per offending row; empty when the journal is sound."""
    async with db.raw() as conn:
        return [f"{name}: {dict(row)}" for name, sql in CHECKS.items() for row in await conn.fetch(sql)]


async def seal_sign_and_verify(runtime: Runtime) -> list[str]:
    """Seal and sign everything written, verify it in the service and offline; return the export's lines."""
    await runtime.checkpoint_now()
    verification = await reports.verify(runtime.db)
    assert verification.ok, verification.problems
    lines = [line async for line in reports.export_lines(runtime.db)]
    report = verify_export(lines, runtime.keys.public_keys)
    assert report.ok, report.problems
    async with runtime.db.raw() as conn:
        assert report.entries_checked == await conn.fetchval("SELECT count(*) FROM entries")
    return lines


async def table_count(conn: asyncpg.Connection, table: str) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
