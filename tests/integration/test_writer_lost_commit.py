"""After a lost connection the writer asks `txid_status` whether its batch committed; after a crash the answer
may be about another transaction, which was given the same id again (an id whose WAL never reached the disk is
reused). The bank run caught a lost batch answered as written that way. Here the writer's resolution is shown
to take a "committed" only with its batch's own entry as proof, and to refuse to guess across a restart."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from mitapo.engine.failures import CommitUnknown
from mitapo.engine.writer import _Lane


async def someone_elses_committed_txid(url: str) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval("SELECT txid_current()"))  # autocommitted: committed at once
    finally:
        await conn.close()


def test_a_committed_status_needs_the_batchs_own_entry(database_url: str) -> None:
    async def main() -> None:
        lane = _Lane(database_url)
        await lane.connect()
        try:
            txid = await someone_elses_committed_txid(database_url)
            assert await lane._committed(txid, None) is True  # nothing to confirm with, and no restart
            assert await lane._committed(txid, uuid.uuid4()) is False  # committed, but not this batch
        finally:
            await lane.close()

    asyncio.run(main())


def test_across_a_restart_a_batch_without_entries_is_not_guessed(database_url: str) -> None:
    async def main() -> None:
        lane = _Lane(database_url)
        await lane.connect()
        try:
            txid = await someone_elses_committed_txid(database_url)
            lane._server_started = datetime(2000, 1, 1, tzinfo=UTC)  # as if the server restarted since
            await lane.close()  # the connection was lost: the lane reconnects and sees the new start
            with pytest.raises(CommitUnknown):
                await lane._committed(txid, None)
        finally:
            await lane.close()

    asyncio.run(main())
