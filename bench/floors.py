"""What this machine allows before any of the service's logic runs: `python -m bench.floors [--seconds S]`.

The ledger's goal asks for twice pgbench's TPC-B rate, and the payments' for half of it. This measures how far
each could go, with 32 callers in a closed loop as the goals' benchmarks use, against pgbench (32 clients) on
the same server in the same run:

- *bare*: the issue's group-commit prototype: one table of balances, one of entries and one of postings, one
  statement and one commit per batch, a few lines of Python per transfer.
- *journal*: the rows one transfer writes in our schema, with everything the database enforces: the writer's
  own statements (lock the balances, look up the idempotency keys, write), the same in-memory decision,
  committed by the same kind of loop, with as little Python around them as possible.
- *service*: `services.ledger.transfer`, as `bench.ledger_throughput` drives it, sealer and all.
- *http*: an empty Litestar route behind uvicorn as `mitapo serve` runs it, asked by the benchmarks' client:
  the cost of a request before the service does anything.

pgbench runs before and after the four, and the ratios use both. Beside each rate it prints the CPU time
spent per transfer or request (this process, the server's processes and every backend), and the CPU ratio:
a TPC-B transaction's CPU time over that, the ratio of rates the two would have if both kept the machine
equally busy. Making the service's Python overlap better cannot take a workload past its CPU ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import random
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from bench.http_client import Client
from bench.ledger_throughput import (
    CpuMeter,
    Options,
    drop_database,
    fresh_database,
    fund_accounts,
    one_transfer,
    python_seconds,
    spread_account,
    start_runtime,
)
from bench.pgbench import combined, run_tpcb, scratch_database, tpcb_database
from bench.server import start_uvicorn
from mitapo.engine import writer_sql

CALLERS = 32
ACCOUNTS = 1000


@dataclass(frozen=True, slots=True)
class Floor:
    name: str
    done: int
    seconds: float
    cpu_us_each: float | None

    @property
    def rate(self) -> float:
        return self.done / self.seconds


Call = Callable[[random.Random], Awaitable[None]]


async def closed_loop(call: Call, seconds: float) -> tuple[int, float]:
    """`CALLERS` loops, each calling again as soon as it is answered: (calls answered, elapsed seconds)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + seconds
    done = 0

    async def caller(n: int) -> None:
        nonlocal done
        rng = random.Random(n)
        while loop.time() < deadline:
            await call(rng)
            done += 1

    await asyncio.gather(*(caller(n) for n in range(CALLERS)))
    return done, loop.time() - started


async def measured(name: str, url: str, call: Call, seconds: float, other_cpu: Callable[[], float]) -> Floor:
    """A warm-up, then the closed loop, with the CPU of this process and its children (the sealer's process
    of a Runtime started here, a server), `other_cpu` (of processes that are not our children) and the
    backends."""
    await closed_loop(call, min(2.0, seconds))
    meter, python, other = await CpuMeter.start(url), python_seconds(), other_cpu()
    done, elapsed = await closed_loop(call, seconds)
    cpu = await meter.stop(python=python_seconds() - python + other_cpu() - other)
    return Floor(name, done, elapsed, None if cpu is None or not done else cpu / done * 1e6)


def nothing_else() -> float:
    return 0.0


Flush = Callable[[asyncpg.Connection, list[Any]], Awaitable[None]]


class GroupCommit:
    """The smallest group-commit writer: what queued while the last batch committed, in one transaction."""

    def __init__(self, conn: asyncpg.Connection, flush: Flush) -> None:
        self._conn, self._flush = conn, flush
        self._queue: asyncio.Queue[tuple[Any, asyncio.Future[None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> GroupCommit:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def submit(self, item: Any) -> None:
        future = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((item, future))
        await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            await asyncio.sleep(0)  # as the service's writer: let the callers just answered queue again
            while not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                async with self._conn.transaction():
                    await self._flush(self._conn, [item for item, _ in batch])
            except Exception as exc:  # a floor that fails must say so, not hang its callers
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for _, future in batch:
                future.set_result(None)


# --- bare ------------------------------------------------------------------------------------------------

_BARE_SCHEMA = """
    CREATE TABLE balances (id int PRIMARY KEY, value bigint NOT NULL CHECK (value >= 0));
    INSERT INTO balances SELECT i, 1000000000 FROM generate_series(0, 999) AS i;
    CREATE TABLE entries (id uuid PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE postings (entry_id uuid NOT NULL REFERENCES entries, idx smallint NOT NULL,
                           account int NOT NULL, amount bigint NOT NULL, PRIMARY KEY (entry_id, idx));
"""
_BARE_WRITE = """
    WITH moved AS (SELECT a, sum(x) AS x FROM unnest($1::int[], $2::bigint[]) AS u(a, x) GROUP BY a),
    updated AS (UPDATE balances AS b SET value = b.value + moved.x FROM moved WHERE b.id = moved.a),
    new_entries AS (INSERT INTO entries (id) SELECT * FROM unnest($3::uuid[]))
    INSERT INTO postings SELECT * FROM unnest($4::uuid[], $5::smallint[], $1::int[], $2::bigint[])
"""


async def _bare_flush(conn: asyncpg.Connection, transfers: list[tuple[int, int, uuid.UUID]]) -> None:
    accounts = [a for source, destination, _ in transfers for a in (source, destination)]
    amounts = [x for _ in transfers for x in (-1, 1)]
    ids = [entry for *_, entry in transfers]
    await conn.execute(
        _BARE_WRITE, accounts, amounts, ids, [e for e in ids for _ in (0, 1)], [0, 1] * len(transfers)
    )


async def bare(server: str, seconds: float) -> Floor:
    async with scratch_database(server, "mitapo_floor") as (_, url):
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(_BARE_SCHEMA)
            async with GroupCommit(conn, _bare_flush) as writes:

                async def call(rng: random.Random) -> None:
                    await writes.submit((*rng.sample(range(ACCOUNTS), 2), uuid.uuid4()))

                return await measured("bare group commit", url, call, seconds, nothing_else)
        finally:
            await conn.close()


# --- journal ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Transfer:
    source: str
    destination: str
    entry_id: uuid.UUID
    key: str
    fingerprint: bytes


async def _journal_flush(conn: asyncpg.Connection, transfers: list[_Transfer]) -> None:
    """One batch as the writer runs it: lock, look up keys, decide in memory, write; minimal Python."""
    pairs = sorted({(a, "PT") for t in transfers for a in (t.source, t.destination)})
    rows = await conn.fetch(writer_sql.LOCK_BALANCES, [a for a, _ in pairs], ["PT"] * len(pairs), [])
    balances = {r["account"]: [r["posted"], r["postings_count"]] for r in rows}
    now: datetime = rows[0]["now"]
    keys = [t.key for t in transfers]
    known = await conn.fetch(writer_sql.LOOK_UP, ["floor"] * len(keys), keys, [])
    assert len(known) == 1, "only the transaction id: every key is new"
    postings: list[tuple[uuid.UUID, int, str, int, int, int]] = []
    for t in transfers:
        for idx, (account, amount) in enumerate(((t.source, 1), (t.destination, -1))):
            state = balances[account]
            state[0] += amount
            state[1] += 1
            postings.append((t.entry_id, idx, account, amount, state[0], state[1]))
    n, accounts, ids = len(transfers), sorted(balances), [t.entry_id for t in transfers]
    results = [json.dumps({"entry_id": str(i)}) for i in ids]
    entry_columns = [ids, ["transfer"] * n, [""] * n, [now] * n, ["{}"] * n, [None] * n]
    posting_columns = [list(column) for column in zip(*postings, strict=True)]
    posting_columns[3:3] = [["PT"] * len(postings)]
    balance_columns = [accounts, ["PT"] * len(accounts), [balances[a][0] for a in accounts]]
    balance_columns += [[0] * len(accounts), [balances[a][1] for a in accounts]]
    nothing: list[list[Any]] = [[]] * 6  # no counters, no tokens
    key_columns = [["floor"] * n, keys, [t.fingerprint for t in transfers], results, ids]
    await conn.fetchrow(
        writer_sql.WRITE,
        *entry_columns,
        *posting_columns,
        [now] * len(postings),
        *balance_columns,
        *nothing,
        *key_columns,
    )


async def journal(url: str, seconds: float) -> Floor:
    conn = await asyncpg.connect(url, server_settings=writer_sql.LANE_SETTINGS)
    try:
        async with GroupCommit(conn, _journal_flush) as writes:

            async def call(rng: random.Random) -> None:
                a, b = rng.sample(range(ACCOUNTS), 2)
                key = uuid.uuid4().hex
                fingerprint = hashlib.sha256(f"{a}>{b}:1".encode()).digest()
                await writes.submit(
                    _Transfer(spread_account(a), spread_account(b), uuid.uuid4(), key, fingerprint)
                )

            return await measured("our journal's rows", url, call, seconds, nothing_else)
    finally:
        await conn.close()


# --- service and http ------------------------------------------------------------------------------------


async def service(url: str, seconds: float) -> Floor:
    runtime = await start_runtime(url)
    try:
        await runtime.seal_now()  # the journal floor's entries first: no sealer ran while they were written

        async def call(rng: random.Random) -> None:
            a, b = rng.sample(range(ACCOUNTS), 2)
            await one_transfer(runtime.db, spread_account(a), spread_account(b))

        return await measured("services.ledger.transfer", url, call, seconds, nothing_else)
    finally:
        await runtime.stop()


async def http(url: str, seconds: float) -> Floor:
    process, base = start_uvicorn("bench.empty_app:app", {}, "/ping")
    try:
        async with Client(base, connections=CALLERS) as client:

            async def call(_: random.Random) -> None:
                answer = await client.request("GET", "/ping")
                assert answer.status == 200

            # the server is our child: counted with this process
            return await measured("empty Litestar route", url, call, seconds, nothing_else)
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- the run ---------------------------------------------------------------------------------------------


async def run(seconds: float, pgbench_seconds: int) -> None:
    server, url = await fresh_database(Options())
    try:
        funding = await start_runtime(url)
        try:
            await fund_accounts(funding.db, ACCOUNTS)
        finally:
            await funding.stop()
        async with tpcb_database(server, scale=32) as tables:
            before = await run_tpcb(tables, seconds=pgbench_seconds)
            floors = [
                await bare(server, seconds),
                await journal(url, seconds),
                await service(url, seconds),
                await http(url, seconds),
            ]
            after = await run_tpcb(tables, seconds=pgbench_seconds)
    finally:
        await drop_database(server, url)
    pgbench = combined([before, after])
    print(f"\npgbench TPC-B, 32 clients, before and after: {before.tps:,.0f} and {after.tps:,.0f} tps")
    header = f"{'closed loop of 32':28} {'per second':>10} {'÷ pgbench':>10} {'µs CPU each':>12}"
    print(f"\n{header} {'CPU ratio':>10}")
    for floor in (*floors, Floor("pgbench TPC-B", round(pgbench.tps), 1.0, pgbench.cpu_us_per_transaction)):
        print(
            f"{floor.name:28} {floor.rate:10,.0f} {floor.rate / pgbench.tps:10.2f}",
            _cpu(floor.cpu_us_each, pgbench.cpu_us_per_transaction),
        )
    print("(CPU ratio: a TPC-B transaction's CPU time over this one's, the ÷ pgbench that CPU time allows")
    print(" when both keep the machine equally busy; no rate goes past it for long)")


def _cpu(us_each: float | None, pgbench_us_each: float | None) -> str:
    if us_each is None or pgbench_us_each is None:
        return f"{'?':>12} {'?':>10}"
    return f"{us_each:12,.0f} {pgbench_us_each / us_each:10.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floors", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds per floor (default 15)")
    args = parser.parse_args(argv)
    asyncio.run(run(args.seconds, pgbench_seconds=max(10, int(args.seconds * 1.5))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
