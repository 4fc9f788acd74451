"""A checkpoint's balances digest is of the balances at its head: entries committed after the head (queued,
not yet sealed) are not in it, and an auditor recomputing it from the sealed entries gets the same bytes.

The digest is taken from the maintained balances less the seal queue's postings (so that its cost follows the
number of accounts, not the journal's length); these tests fail if the queue is not subtracted, or if the
maintained balances ever disagreed with the journal."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mitapo.engine import chart, ledger, sealer
from mitapo.runtime import Runtime
from mitapo_ledger import balances_digest, realize
from tests.integration.ledger_checks import running


async def pay_around(runtime: Runtime, times: int) -> None:
    """`times` transfers each way between a and b, at once."""
    moves = [("a", "b", 7), ("b", "a", 3)] * times
    await asyncio.gather(
        *(ledger.transfer(runtime.db, source=s, destination=d, asset="PT", amount=n) for s, d, n in moves)
    )


async def signed_and_recomputed(runtime: Runtime) -> tuple[bytes, bytes, int]:
    """(the digest the checkpoint signed, the digest of the sealed entries, entries still queued)."""
    async with runtime.db.raw() as conn:
        seq = await sealer.write_checkpoint(conn, lambda: runtime.keys)
        assert seq is not None
        signed = await conn.fetchval("SELECT balances_digest FROM checkpoints WHERE seq = $1", seq)
        sealed = await sealer.sealed_chunk(conn, 0, seq)
        queued = await conn.fetchval("SELECT count(*) FROM seal_queue")
    return bytes(signed), balances_digest(realize(s.entry for s in sealed)), int(queued)


def test_entries_committed_after_the_head_are_not_in_its_digest(database_url: str, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(database_url, tmp_path) as runtime:
            await ledger.open_accounts(runtime.db, chart.plain_account("a"), chart.plain_account("b"))
            await ledger.fund_program(runtime.db, "p1", 10_000)
            await ledger.transfer(
                runtime.db, source="program:p1:budget", destination="a", asset="PT", amount=5_000
            )
            await pay_around(runtime, 20)
            await runtime.seal_now()
            await pay_around(runtime, 15)  # committed, queued, not sealed: after the head
            signed, recomputed, queued = await signed_and_recomputed(runtime)
            assert queued == 30
            assert signed == recomputed
            await runtime.seal_now()
            signed, recomputed, queued = await signed_and_recomputed(runtime)
            assert queued == 0
            assert signed == recomputed

    asyncio.run(main())
