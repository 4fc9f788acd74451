"""A service process that starts while PostgreSQL is down waits for it, rather than failing at once.

uvicorn's master stops the whole service when a worker fails to start; a worker that replaces a crashed one
while the database restarts must therefore wait for the database (`Runtime.start(wait_for_database=...)`, as
the app's lifespan starts it). The test waits on the waiting process's own log event, never on a clock."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from mitapo.engine import migrate
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from tests.faults.cluster import Cluster

pytestmark = pytest.mark.slow

HANG_GUARD = 120.0  # seconds; only ever reached when the test fails


def test_a_process_started_while_the_database_is_down_waits_for_it() -> None:
    directory = Path(tempfile.mkdtemp(prefix="mitapo-down-at-start-", dir="/tmp"))
    cluster = Cluster.create(directory)
    cluster.start()

    async def main() -> None:
        url = await cluster.create_database("mitapo")
        await asyncio.to_thread(migrate.upgrade, url)
        await asyncio.to_thread(cluster.stop)
        runtime = Runtime(Settings(data_dir=directory / "state"), url)
        with capture_logs() as logs:
            starting = asyncio.create_task(
                runtime.start(migrate_first=True, background=False, wait_for_database=HANG_GUARD)
            )
            while not any(event["event"] == "database.unreachable" for event in logs):
                assert not starting.done(), f"the start did not wait: {starting.exception()!r}"
                await asyncio.sleep(0)
        await asyncio.to_thread(cluster.start)
        await asyncio.wait_for(starting, HANG_GUARD)
        try:
            async with runtime.db.raw() as conn:
                assert await conn.fetchval("SELECT count(*) FROM signing_keys") == 1
        finally:
            await runtime.stop()

    try:
        asyncio.run(main())
    finally:
        cluster.stop()
