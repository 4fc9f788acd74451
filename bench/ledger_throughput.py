"""Entries per second through the service layer, against pgbench's TPC-B on the same server in the same run.

`python -m bench.ledger_throughput [--seconds S] [--quick]` creates a fresh database on the embedded
PostgreSQL (or on the server at `MITAPO_BENCH_DATABASE_URL`), migrates it, and drives
`services.ledger.transfer` from 1, 8 and 32 coroutines on one Runtime (the group-commit writer batches what
they submit), spread over 1,000 accounts and with every entry touching one hot account. At 32, spread, hot and
pgbench TPC-B-like (32 clients, on a database of its own on the same server) take turns in three rounds, so
that the ratios the goals are about compare figures taken under the same load. Then the same at 32 split over
two processes. Last, it loads histories of 10,000 and 1,000,000 postings on two accounts and times balance
reads and point-in-time reads on each. Beside every rate it prints the CPU time spent per entry (or per
TPC-B transaction): on a machine shared with others, that figure moves much less than the rates do.

Every transfer carries an Idempotency-Key, as every write through the API does, and the sealer and the
checkpointer run as they do in the service, so the figure is what the service can sustain, not a bare insert
rate. The database is dropped at the end (`--keep` keeps it).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import platform
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from bench.figures import server_cpu_seconds
from bench.pgbench import TpcbResult, backend_pids, cpu_seconds, run_tpcb, tpcb_database
from bench.pgbench import combined as combined_tpcb
from mitapo.engine import chart, journal, ledger, migrate
from mitapo.engine.commands import AccountSpec, Idempotency
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo.engine.urls import plain_url, with_database
from mitapo.runtime import Runtime
from mitapo.settings import Settings

FUNDING = AccountSpec("bench:funding", "equity", (chart.PT,), may_go_negative=True)
HOT = chart.plain_account("bench:hot", assets=(chart.PT,))
HISTORY_SOURCE = AccountSpec("bench:history:source", "equity", (chart.PT,), may_go_negative=True)
SPREAD_FUNDS = 10_000_000
HOT_FUNDS = 10_000_000_000
PG_SETTINGS = (
    "server_version",
    "fsync",
    "synchronous_commit",
    "shared_buffers",
    "wal_sync_method",
    "commit_delay",
)


@dataclass(frozen=True, slots=True)
class Options:
    seconds: int = 20
    pgbench_seconds: int = 30
    pgbench_scale: int = 32
    accounts: int = 1000
    histories: tuple[int, ...] = (10_000, 1_000_000)
    reads: int = 5000
    processes: int = 2
    keep: bool = False
    json_path: Path | None = None
    server_url: str | None = None
    revision: str = "heads"


QUICK: dict[str, Any] = {
    "seconds": 4,
    "pgbench_seconds": 6,
    "pgbench_scale": 8,
    "histories": (10_000, 100_000),
    "reads": 2000,
}


@dataclass(frozen=True, slots=True)
class Throughput:
    mode: str  # 'spread' | 'hot'
    concurrency: int
    processes: int
    entries: int
    refused: int
    seconds: float
    cpu_us_per_entry: float | None  # this process (or each process) and every backend of the database

    @property
    def rate(self) -> float:
        return self.entries / self.seconds


@dataclass(frozen=True, slots=True)
class Reads:
    postings: int
    balance_per_s: float
    balance_at_per_s: float


@dataclass(slots=True)
class Report:
    machine: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, str] = field(default_factory=dict)
    throughput: list[Throughput] = field(default_factory=list)
    pgbench: TpcbResult | None = None
    reads: list[Reads] = field(default_factory=list)
    history_load_seconds: dict[int, float] = field(default_factory=dict)

    def rate(self, mode: str, concurrency: int, processes: int = 1) -> float:
        for t in self.throughput:
            if (t.mode, t.concurrency, t.processes) == (mode, concurrency, processes):
                return t.rate
        return float("nan")


# --- the workload ------------------------------------------------------------------------------------------


def spread_account(i: int) -> str:
    return f"bench:acct:{i:05d}"


PairPicker = Callable[[random.Random], tuple[str, str]]


def spread_pairs(accounts: int) -> PairPicker:
    """Two distinct accounts among `accounts`, so that concurrent entries rarely share a balance."""

    def pick(rng: random.Random) -> tuple[str, str]:
        a, b = rng.sample(range(accounts), 2)
        return spread_account(a), spread_account(b)

    return pick


def hot_pairs(accounts: int) -> PairPicker:
    """The hot account and one other, in either direction: every entry locks the same balance."""

    def pick(rng: random.Random) -> tuple[str, str]:
        other = spread_account(rng.randrange(accounts))
        return (HOT.code, other) if rng.random() < 0.5 else (other, HOT.code)

    return pick


def picker(mode: str, accounts: int) -> PairPicker:
    return hot_pairs(accounts) if mode == "hot" else spread_pairs(accounts)


async def one_transfer(db: Database, source: str, destination: str) -> None:
    """One service call as the API would make it: with an idempotency key and the request's fingerprint."""
    key = uuid.uuid4().hex
    fingerprint = hashlib.sha256(f"{source}>{destination}:1".encode()).digest()
    await ledger.transfer(
        db,
        source=source,
        destination=destination,
        asset=chart.PT,
        amount=1,
        idempotency=Idempotency(scope="bench", key=key, request_hash=fingerprint),
    )


async def drive(
    db: Database, pick: PairPicker, concurrency: int, seconds: float, seed: int
) -> tuple[int, int, float]:
    """Run `concurrency` loops of transfers for `seconds`; return (written, refused, elapsed seconds)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + seconds
    written = refused = 0

    async def worker(n: int) -> None:
        nonlocal written, refused
        rng = random.Random(seed * 1000 + n)
        while loop.time() < deadline:
            try:
                await one_transfer(db, *pick(rng))
                written += 1
            except DomainError:
                refused += 1

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return written, refused, loop.time() - started


async def measure(
    db: Database, mode: str, concurrency: int, options: Options, seconds: float, seed: int = 1
) -> Throughput:
    meter, python = await CpuMeter.start(db.url), python_seconds()
    written, refused, elapsed = await drive(db, picker(mode, options.accounts), concurrency, seconds, seed)
    cpu = await meter.stop(python=python_seconds() - python)
    return Throughput(mode, concurrency, 1, written, refused, elapsed, _per_entry(cpu, written))


def combined(parts: Sequence[Throughput]) -> Throughput:
    """Rounds of one workload as one figure: entries over seconds, CPU weighted by entries."""
    entries = sum(p.entries for p in parts)
    cpu = [p.cpu_us_per_entry for p in parts]
    return replace(
        parts[0],
        entries=entries,
        refused=sum(p.refused for p in parts),
        seconds=sum(p.seconds for p in parts),
        cpu_us_per_entry=None
        if None in cpu or entries == 0
        else sum(c * p.entries for c, p in zip(cpu, parts, strict=True) if c is not None) / entries,
    )


@dataclass(slots=True)
class CpuMeter:
    """CPU seconds spent by the service's Python and by the database's backends, from /proc. A backend that
    connects during the measurement (a pool growing) is counted whole; one that leaves is rare."""

    url: str
    backends: dict[int, float | None]
    python: float

    @classmethod
    async def start(cls, url: str) -> CpuMeter:
        pids = await backend_pids(url, make_url(url).database or "")
        return cls(url, {pid: cpu_seconds([pid]) for pid in pids}, time.process_time())

    async def stop(self, *, python: float) -> float | None:
        """Seconds since `start`: `python` (as the Python processes measured it) plus the backends'."""
        pids = set(self.backends) | set(await backend_pids(self.url, make_url(self.url).database or ""))
        spent = [(cpu_seconds([pid]), self.backends.get(pid, 0.0)) for pid in pids]
        if any(now is None or before is None for now, before in spent):
            return None
        return python + sum(now - before for now, before in spent if now and before is not None)


def python_seconds() -> float:
    """CPU seconds so far of this process and its children: a Runtime's sealer runs in a child process
    (`engine.sealer_process`), and its Python is the service's CPU too."""
    return server_cpu_seconds(os.getpid())


def _per_entry(cpu_seconds: float | None, entries: int) -> float | None:
    return None if cpu_seconds is None or entries == 0 else cpu_seconds / entries * 1e6


# --- two processes -----------------------------------------------------------------------------------------


def _process_main(
    url: str, mode: str, concurrency: int, options: Options, seed: int, barrier: Any, out: Any
) -> None:
    """One of several processes, each with its own Runtime and writer, started together by `barrier`; it
    reports (written, refused, seconds, its CPU seconds), then keeps its connections until the parent has
    read their CPU time."""

    async def main() -> None:
        runtime = await start_runtime(url)
        try:
            await asyncio.to_thread(barrier.wait)
            began = python_seconds()
            written, refused, elapsed = await drive(
                runtime.db, picker(mode, options.accounts), concurrency, options.seconds, seed
            )
            out.put((written, refused, elapsed, python_seconds() - began))
            await asyncio.to_thread(barrier.wait)
        finally:
            await runtime.stop()

    with asyncio.Runner() as runner:
        runner.run(main())


async def in_processes(url: str, mode: str, concurrency: int, options: Options) -> Throughput:
    """`concurrency` coroutines split evenly over `options.processes` processes on the same database."""
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(options.processes + 1), context.Queue()
    each = concurrency // options.processes
    processes = [
        context.Process(target=_process_main, args=(url, mode, each, options, seed + 2, barrier, out))
        for seed in range(options.processes)
    ]
    for process in processes:
        process.start()
    await asyncio.to_thread(barrier.wait)  # every process has its runtime (and its backends) by now
    meter = await CpuMeter.start(url)
    results = [await asyncio.to_thread(out.get) for _ in processes]
    cpu = await meter.stop(python=sum(r[3] for r in results))
    await asyncio.to_thread(barrier.wait)  # now they may close their connections
    for process in processes:
        process.join()
    written = sum(r[0] for r in results)
    return Throughput(
        mode,
        concurrency,
        options.processes,
        written,
        sum(r[1] for r in results),
        max(r[2] for r in results),
        _per_entry(cpu, written),
    )


# --- set-up ------------------------------------------------------------------------------------------------


async def start_runtime(url: str) -> Runtime:
    """A Runtime as the service runs it (sealer and checkpointer on), with throw-away signing keys."""
    keys = Path(tempfile.mkdtemp(prefix="mitapo-bench-keys-"))
    runtime = Runtime(Settings(data_dir=keys), url)
    await runtime.start(migrate_first=False, background=True)
    return runtime


async def fund_accounts(db: Database, accounts: int) -> None:
    """Open the spread accounts and the hot one, and give each enough that no transfer is refused."""
    spread = [chart.plain_account(spread_account(i), assets=(chart.PT,)) for i in range(accounts)]
    await ledger.open_accounts(db, FUNDING, HOT, *spread)
    grants = [(HOT.code, HOT_FUNDS)] + [(a.code, SPREAD_FUNDS) for a in spread]
    await asyncio.gather(
        *(
            ledger.transfer(
                db, source=FUNDING.code, destination=code, asset=chart.PT, amount=amount, kind="funding"
            )
            for code, amount in grants
        )
    )


async def server_settings(url: str) -> dict[str, str]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        rows = await conn.fetch(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1::text[])", PG_SETTINGS
        )
    finally:
        await conn.close()
    return {r["name"]: _with_unit(r["setting"], r["unit"]) for r in rows}


def _with_unit(setting: str, unit: str | None) -> str:
    if unit == "8kB":
        return f"{int(setting) * 8 // 1024} MB"
    return f"{setting} {unit}" if unit else setting


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo")
    memory = next(
        (line.split()[1] for line in meminfo.read_text().splitlines() if line.startswith("MemTotal")), "?"
    )
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(int(memory) / 1024 / 1024, 1) if memory != "?" else "?",
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


# --- long histories and reads ------------------------------------------------------------------------------

_LOAD_ENTRIES = """
    INSERT INTO entries (id, kind, memo, created_at)
    SELECT md5($1 || i)::uuid, 'transfer', 'bench history', $2::timestamptz + i * interval '1 millisecond'
    FROM generate_series(1, $3::bigint) AS i
"""
_LOAD_POSTINGS = """
    INSERT INTO postings (entry_id, idx, account, asset, amount, balance_after, account_seq, created_at)
    SELECT md5($1 || i)::uuid, s.idx, s.account, 'PT', s.amount, s.after, s.seq,
           $2::timestamptz + i * interval '1 millisecond'
    FROM generate_series(1, $3::bigint) AS i,
         LATERAL (VALUES (0::smallint, $4::text, 1::bigint, $5::bigint + i, $6::bigint + i),
                         (1::smallint, $7::text, -1::bigint, -i, i)) AS s(idx, account, amount, after, seq)
"""
_LOAD_BALANCES = """
    UPDATE balances SET posted = posted + (CASE WHEN account = $1 THEN $3::bigint ELSE -$3::bigint END),
                        postings_count = postings_count + $3::bigint
    WHERE asset = 'PT' AND account IN ($1, $2)
"""


def history_account(postings: int) -> AccountSpec:
    return chart.plain_account(f"bench:history:{postings}", assets=(chart.PT,))


def history_start(postings: int) -> datetime:
    """Histories lie one after another in the past, one posting per millisecond."""
    return datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=30 * len(str(postings)))


async def load_history(db: Database, postings: int) -> float:
    """Give a fresh account `postings` entries against one source, in one transaction that the journal's
    triggers check like any other; return the seconds it took. These entries are left unsealed."""
    account = history_account(postings)
    await ledger.open_accounts(db, HISTORY_SOURCE, account)
    started = time.perf_counter()
    async with db.raw() as conn, conn.transaction():
        posted, count = await conn.fetchrow(
            "SELECT posted, postings_count FROM balances WHERE account = $1 AND asset = 'PT' FOR UPDATE",
            HISTORY_SOURCE.code,
        )
        tag, start = f"{account.code}:", history_start(postings)
        await conn.execute(_LOAD_ENTRIES, tag, start, postings)
        await conn.execute(
            _LOAD_POSTINGS, tag, start, postings, HISTORY_SOURCE.code, posted, count, account.code
        )
        await conn.execute(_LOAD_BALANCES, HISTORY_SOURCE.code, account.code, postings)
    return time.perf_counter() - started


READ_ROUNDS = 20


async def read_rates(db: Database, histories: Sequence[int], reads: int) -> list[Reads]:
    """Sequential reads on one connection, the histories taking turns in rounds (and in both orders) so that
    a change in the machine's load between them cancels out: the cost of one read, whatever the history."""
    spent = {postings: [0.0, 0.0] for postings in histories}
    async with db.read() as conn:
        for round_ in range(READ_ROUNDS):
            for postings in histories if round_ % 2 == 0 else reversed(histories):
                timings = await _timed_reads(conn, postings, reads // READ_ROUNDS, seed=round_)
                spent[postings] = [total + t for total, t in zip(spent[postings], timings, strict=True)]
    each = READ_ROUNDS * (reads // READ_ROUNDS)
    return [Reads(postings, each / balance, each / at) for postings, (balance, at) in spent.items()]


async def _timed_reads(conn: AsyncConnection, postings: int, reads: int, seed: int) -> tuple[float, float]:
    """Seconds for `reads` balance reads and `reads` point-in-time reads, each answer checked."""
    account, start = history_account(postings).code, history_start(postings)
    began = time.perf_counter()
    for _ in range(reads):
        assert await journal.balance(conn, account, chart.PT) == -postings
    balance_seconds = time.perf_counter() - began
    rng = random.Random(seed)
    moments = [rng.randint(1, postings) for _ in range(reads)]
    began = time.perf_counter()
    for i in moments:
        assert await journal.balance_at(conn, account, chart.PT, start + timedelta(milliseconds=i)) == -i
    return balance_seconds, time.perf_counter() - began


# --- the run -----------------------------------------------------------------------------------------------


async def fresh_database(options: Options) -> tuple[str, str]:
    """(server URL, URL of a new migrated database on it)."""
    server = options.server_url or os.environ.get("MITAPO_BENCH_DATABASE_URL") or _embedded_server()
    name = f"mitapo_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(plain_url(server))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = with_database(plain_url(server), name)
    await asyncio.to_thread(migrate.upgrade, url, options.revision)
    return server, url


def _embedded_server() -> str:
    from mitapo.engine.embedded import start_embedded

    return str(start_embedded(Settings.from_env().data_dir))


async def drop_database(server: str, url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    conn = await asyncpg.connect(plain_url(server))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def run(options: Options) -> Report:
    report = Report(machine=machine())
    server, url = await fresh_database(options)
    try:
        report.settings = await server_settings(url)
        await throughput_phases(server, url, options, report)
        await read_phases(url, options, report)
    finally:
        if options.keep:
            say(f"kept {url}")
        else:
            await drop_database(server, url)
    report.machine["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    return report


ROUNDS = 3


async def throughput_phases(server: str, url: str, options: Options, report: Report) -> None:
    runtime = await start_runtime(url)
    try:
        say(f"funding {options.accounts} accounts ...")
        await fund_accounts(runtime.db, options.accounts)
        await drive(runtime.db, spread_pairs(options.accounts), 32, min(2.0, options.seconds), 0)  # warm-up
        for concurrency in (1, 8):
            for mode in ("spread", "hot"):
                _record(report, await measure(runtime.db, mode, concurrency, options, options.seconds))
        await _goal_rounds(runtime.db, server, options, report)
    finally:
        await runtime.stop()
    if options.processes > 1:
        for mode in ("spread", "hot"):
            _record(report, await in_processes(url, mode, 32, options))


async def _goal_rounds(db: Database, server: str, options: Options, report: Report) -> None:
    """Spread and hot at 32, and pgbench, taking turns in rounds: the neighbours' load, which drifts over
    minutes on a shared machine, then weighs on the three figures the goals compare alike."""
    say(f"pgbench tables at scale {options.pgbench_scale} ...")
    parts: dict[str, list[Throughput]] = {"spread": [], "hot": []}
    runs: list[TpcbResult] = []
    async with tpcb_database(server, scale=options.pgbench_scale) as tables:
        for round_ in range(ROUNDS):
            for mode in parts:
                parts[mode].append(await measure(db, mode, 32, options, options.seconds / ROUNDS, round_))
            runs.append(await run_tpcb(tables, seconds=max(2, options.pgbench_seconds // ROUNDS)))
    for rounds in parts.values():
        _record(report, combined(rounds))
    report.pgbench = combined_tpcb(runs)
    tps, cpu = f"{report.pgbench.tps:9,.0f}", _cpu(report.pgbench.cpu_us_per_transaction)
    say(f"  pgbench TPC-B @32 {tps} tps        {cpu}")


def _record(report: Report, result: Throughput) -> None:
    report.throughput.append(result)
    where = f" in {result.processes} processes" if result.processes > 1 else ""
    rate, cpu = f"{result.rate:9,.0f}", _cpu(result.cpu_us_per_entry)
    say(f"  {result.mode:6} @{result.concurrency:<3}{where} {rate} entries/s  {cpu}")


async def read_phases(url: str, options: Options, report: Report) -> None:
    db = Database(url)
    await db.start()
    try:
        for postings in options.histories:
            say(f"loading a history of {postings:,} postings ...")
            report.history_load_seconds[postings] = await load_history(db, postings)
        async with db.raw() as conn:
            await conn.execute("VACUUM ANALYZE postings, balances")  # as autovacuum would, before reading
        report.reads.extend(await read_rates(db, options.histories, options.reads))
    finally:
        await db.close()


# --- output ------------------------------------------------------------------------------------------------


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _cpu(us: float | None) -> str:
    return "" if us is None else f"{us:,.0f} µs CPU each"


def ratios(report: Report) -> dict[str, float]:
    tps = report.pgbench.tps if report.pgbench else float("nan")
    spread32 = report.rate("spread", 32)
    out = {
        "spread@32 / pgbench tps (goal >= 2)": spread32 / tps,
        "hot@32 / spread@32 (goal >= 0.8)": report.rate("hot", 32) / spread32,
    }
    spread_cpu = next(
        (
            t.cpu_us_per_entry
            for t in report.throughput
            if (t.mode, t.concurrency, t.processes) == ("spread", 32, 1)
        ),
        None,
    )
    if report.pgbench and report.pgbench.cpu_us_per_transaction and spread_cpu:
        out["CPU per TPC-B transaction / CPU per spread@32 entry"] = (
            report.pgbench.cpu_us_per_transaction / spread_cpu
        )
    if len(report.reads) >= 2:
        small, large = report.reads[0], report.reads[-1]
        out[f"balance reads {large.postings:,} / {small.postings:,} postings"] = (
            large.balance_per_s / small.balance_per_s
        )
        out[f"balance_at reads {large.postings:,} / {small.postings:,} postings"] = (
            large.balance_at_per_s / small.balance_at_per_s
        )
    return out


def render(report: Report) -> str:
    lines = [f"machine: {report.machine}", f"postgresql: {report.settings}", ""]
    lines.append(f"{'workload':32} {'entries/s':>10} {'µs CPU each':>12}")
    for t in report.throughput:
        where = f" in {t.processes} processes" if t.processes > 1 else ""
        lines.append(
            f"{t.mode + ' @' + str(t.concurrency) + where:32} {t.rate:10,.0f} {_us(t.cpu_us_per_entry)}"
        )
    if report.pgbench:
        lines.append(
            f"{'pgbench TPC-B @32 (tps)':32} {report.pgbench.tps:10,.0f} "
            f"{_us(report.pgbench.cpu_us_per_transaction)}"
        )
    lines.append("")
    for r in report.reads:
        lines.append(
            f"{r.postings:>10,} postings: balance {r.balance_per_s:8,.0f}/s   "
            f"balance_at {r.balance_at_per_s:8,.0f}/s   "
            f"(loaded in {report.history_load_seconds[r.postings]:.1f} s)"
        )
    lines.append("")
    lines.extend(f"{name:48} {value:6.2f}" for name, value in ratios(report).items())
    return "\n".join(lines)


def _us(value: float | None) -> str:
    return f"{'-':>12}" if value is None else f"{value:12,.0f}"


def as_json(report: Report, options: Options) -> str:
    data = {
        "options": {
            k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items() if k != "server_url"
        },
        "machine": report.machine,
        "settings": report.settings,
        "throughput": [{**asdict(t), "rate": t.rate} for t in report.throughput],
        "pgbench": asdict(report.pgbench) if report.pgbench else None,
        "reads": [asdict(r) for r in report.reads],
        "history_load_seconds": report.history_load_seconds,
        "ratios": ratios(report),
    }
    return json.dumps(data, indent=2)


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger_throughput", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="about a minute: short phases, pgbench at scale 8"
    )
    parser.add_argument("--seconds", type=int, help="seconds per throughput phase (default 20; quick 4)")
    parser.add_argument("--pgbench-seconds", type=int, help="seconds of pgbench (default 30; quick 6)")
    parser.add_argument("--pgbench-scale", type=int, help="pgbench -s (default 32; quick 8)")
    parser.add_argument("--accounts", type=int, default=1000, help="accounts the spread workload uses")
    parser.add_argument(
        "--processes", type=int, default=2, help="processes for the multi-process run (1: skip)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the benchmark's database")
    parser.add_argument("--json", type=Path, dest="json_path", help="also write the figures as JSON here")
    parser.add_argument(
        "--database-url", dest="server_url", help="a server to use (default: the embedded one)"
    )
    parser.add_argument(
        "--revision", help="migrate the benchmark's database to this revision (default: heads)"
    )
    args = parser.parse_args(argv)
    options = replace(Options(), **QUICK) if args.quick else Options()
    given: dict[str, Any] = {k: v for k, v in vars(args).items() if k != "quick" and v is not None}
    return replace(options, **given)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    with asyncio.Runner() as runner:
        report = runner.run(run(options))
    print(render(report))
    if options.json_path is not None:
        options.json_path.parent.mkdir(parents=True, exist_ok=True)
        options.json_path.write_text(as_json(report, options))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
