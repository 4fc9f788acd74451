"""The periodic sealer, in a process of its own.

Sealing is Python work for every entry: its canonical bytes and a SHA-256 link of the chain. Run as a task of
the service's event loop, it took about a sixth of that loop, and every step of the group-commit writer and
every request waited behind it; the ledger benchmark wrote 18 % more entries a second with it elsewhere
(docs/benchmarks.md). So `Runtime` starts this child, which seals every `interval` on its own connection and
on the machine's other CPU. Sealers in several processes still take turns by the advisory lock of
`db.sealer`, and `Runtime.seal_now` still seals in the service's process when asked (the checkpointer, the
command line, tests).

The child is spawned, not forked: a fork would inherit the parent's sockets (the listening port, the
database connections). It leaves when asked, and by itself when its parent is gone. It reports the time of its
last good pass through shared memory, for `/readyz`.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from typing import Any

import asyncpg
import structlog

from mitapo import logs
from mitapo.engine import sealer

log = structlog.get_logger(__name__)

STOP_SECONDS = 5.0


class SealerProcess:
    def __init__(self, url: str, interval: float, *, log_json: bool | None = None) -> None:
        self._url = url
        self._interval = interval
        self._log_json = log_json
        self._context = multiprocessing.get_context("spawn")
        self._last_ok: Any = self._context.Value("d", time.monotonic(), lock=False)
        self._process: multiprocessing.process.BaseProcess | None = None

    def start(self) -> None:
        self._process = self._context.Process(
            target=_main,
            args=(self._url, self._interval, os.getpid(), self._last_ok, self._log_json),
            name="mitapo-sealer",
            daemon=True,
        )
        self._process.start()

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        self._process.join(STOP_SECONDS)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._process = None

    @property
    def last_ok(self) -> float:
        """`time.monotonic()` (the event loop's clock) at the end of the child's last pass without error."""
        return float(self._last_ok.value)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid


def _main(url: str, interval: float, parent: int, last_ok: Any, log_json: bool | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the parent stops us
    logs.configure(log_json)
    asyncio.run(_seal_while_parent_lives(url, interval, parent, last_ok))


async def _seal_while_parent_lives(url: str, interval: float, parent: int, last_ok: Any) -> None:
    """Every `interval`, first after one: the child boots while the service already serves, and a first pass
    at a moment of its own would seal in the middle of whatever the service is doing (a test counting the
    queue, say) where the loop's sealer used to seal at start."""
    conn: asyncpg.Connection | None = None
    while True:
        await asyncio.sleep(interval)
        if os.getppid() != parent:
            break
        try:
            if conn is None or conn.is_closed():
                conn = await asyncpg.connect(url)
            while await sealer.seal_pending(conn) > 0:
                pass
            last_ok.value = time.monotonic()
        except Exception:  # the database restarting, say: logged, and the next pass reconnects
            log.exception("sealer.pass_failed")
            if conn is not None:
                conn.terminate()
            conn = None
