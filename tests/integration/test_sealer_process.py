"""The periodic sealer runs in a child process: it seals what the writer commits, with nothing sealed in the
service's own process; a seal asked for in the service's process waits for the child's pass under way; and the
child ends with the service, whether the service stops or dies.

Waiting is on events, never on a clock: the sealer's notification on `sealer.SEALED_CHANNEL`, a lock wait
seen in `pg_locks`, and a pidfd, which becomes readable when a process ends."""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from mitapo.engine import ledger, sealer
from mitapo.engine.commands import AccountSpec
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from tests.integration.ledger_checks import journal_problems

pytestmark = pytest.mark.db

SOURCE = AccountSpec("issuance", "equity", ("PT",), may_go_negative=True)
WALLET = AccountSpec("wallet", "liability", ("PT",))
ENTRIES = 50
HANG_GUARD = 120.0  # seconds; only ever reached when the test fails


def ended(pid: int, timeout: float = HANG_GUARD) -> bool:
    """Whether process `pid` ends (or has ended) within `timeout`, told by the kernel, without polling."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(fd)


def test_the_child_seals_what_the_writer_commits(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sealed_here: list[int] = []
    seal_pending = sealer.seal_pending

    async def counted(conn: asyncpg.Connection, **options: bool) -> int:
        sealed_here.append(await seal_pending(conn, **options))
        return sealed_here[-1]

    monkeypatch.setattr(sealer, "seal_pending", counted)  # the spawned child imports its own, untouched

    async def main() -> None:
        settings = Settings(data_dir=tmp_path, seal_interval=0.05, checkpoint_interval=3600)
        runtime = Runtime(settings, database_url)
        listener = await asyncpg.connect(database_url)
        heads: asyncio.Queue[int] = asyncio.Queue()
        await listener.add_listener(sealer.SEALED_CHANNEL, lambda *args: heads.put_nowait(int(args[3])))
        await runtime.start(migrate_first=False, background=True)
        try:
            await ledger.open_accounts(runtime.db, SOURCE, WALLET)
            for _ in range(ENTRIES):
                await ledger.transfer(
                    runtime.db, source="issuance", destination="wallet", asset="PT", amount=1
                )
            while await asyncio.wait_for(heads.get(), HANG_GUARD) < ENTRIES:
                pass
            async with runtime.db.raw() as conn:
                assert await conn.fetchval("SELECT count(*) FROM seal_queue") == 0
                assert await conn.fetchval("SELECT max(seq) FROM seals") == ENTRIES
            assert await journal_problems(runtime.db) == []
        finally:
            await listener.close()
            await runtime.stop()

    asyncio.run(main())
    assert sum(sealed_here) == 0, "the service's own process sealed entries"


async def waiting_for_the_sealer_lock(conn: asyncpg.Connection) -> None:
    """Returns once some backend waits for the sealer's advisory lock (its pass is blocked, not skipped)."""
    while not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1)",
        sealer.SEALER_LOCK & 0xFFFFFFFF,
    ):
        pass


def test_seal_now_waits_for_a_pass_under_way(database_url: str, tmp_path: Path) -> None:
    """The sealer's process may be in a pass when the checkpointer, the CLI or a test asks to seal now: the
    call must wait for that pass and seal what is left, not return having sealed nothing."""

    async def main() -> None:
        runtime = Runtime(Settings(data_dir=tmp_path), database_url)
        await runtime.start(migrate_first=False, background=False)
        other_sealer, watcher = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
        try:
            await ledger.open_accounts(runtime.db, SOURCE, WALLET)
            await ledger.transfer(runtime.db, source="issuance", destination="wallet", asset="PT", amount=1)
            async with other_sealer.transaction():
                await other_sealer.execute("SELECT pg_advisory_xact_lock($1)", sealer.SEALER_LOCK)
                sealing = asyncio.create_task(runtime.seal_now())
                waiting = asyncio.create_task(waiting_for_the_sealer_lock(watcher))
                done, _ = await asyncio.wait({sealing, waiting}, return_when=asyncio.FIRST_COMPLETED)
                assert waiting in done, (
                    f"seal_now returned {sealing.result()} while another pass held the lock"
                )
            assert await asyncio.wait_for(sealing, HANG_GUARD) == 1
        finally:
            await other_sealer.close()
            await watcher.close()
            await runtime.stop()

    asyncio.run(main())


def test_the_child_ends_when_the_service_stops(database_url: str, tmp_path: Path) -> None:
    async def main() -> int:
        runtime = Runtime(Settings(data_dir=tmp_path), database_url)
        await runtime.start(migrate_first=False, background=True)
        assert runtime._sealer is not None and runtime._sealer.pid is not None
        pid = runtime._sealer.pid
        await runtime.stop()
        return pid

    pid = asyncio.run(main())
    assert ended(pid, timeout=0)


ORPHANING_PARENT = """
import os, sys
from pathlib import Path
from mitapo.engine.sealer_process import SealerProcess
child = SealerProcess(sys.argv[1], 0.05)
child.start()
Path(sys.argv[2]).write_text(str(child.pid))
os._exit(0)  # dies without stopping its child, as a killed service would
"""


def test_the_child_ends_when_the_service_dies(database_url: str, tmp_path: Path) -> None:
    pid_file = tmp_path / "sealer.pid"
    subprocess.run(  # no pipes: the orphan would hold them open
        [sys.executable, "-c", ORPHANING_PARENT, database_url, str(pid_file)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    assert ended(int(pid_file.read_text())), "the sealer outlived the process that started it"
