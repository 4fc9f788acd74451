"""Us against peers: `python -m bench.peers [--seconds S] [--rounds N] [--hordak-processes 1,2]`.

A rate of our own means little without the rates of what a team would use instead, measured on the same
PostgreSQL in the same run. This benchmark drives, at 32 callers in a closed loop, spread over 1,000 accounts
and with one hot account in every transfer:

- *pgbench TPC-B* (32 clients, scale 32, on a database of its own): the server's own yardstick;
- *our service layer*: `services.ledger.transfer`, called as `bench.ledger_throughput` and `bench.floors`
  call it (an Idempotency-Key per call, one Runtime with its sealer and checkpointer; the CPU time counted
  is this process's, the sealer's process's and the backends');
- *django-hordak*, the double-entry library a Python team would pick instead, through its own API
  (`Account.transfer_to`, one database transaction with a Transaction and two Legs, checked by hordak's
  triggers), in a database of its own on the same server. Django runs as it is deployed: 32 threads with a
  persistent connection each (`CONN_MAX_AGE=None`), in one process or split over several (16 threads each in
  two), so that the GIL is not the only thing measured;
- *django-hordak with an overdraft check*: hordak keeps no balance and refuses no overdraft, which a points
  ledger must; through its API that is a transaction that locks the source account's row, sums its legs
  (`get_simple_balance`) and then calls `transfer_to` (`--no-guarded` skips it).

Each round runs pgbench, then each workload for `--seconds`; pgbench runs once more at the end, and the
ratios use every pgbench run. Beside each rate, the CPU time per transfer: the Python process(es) and every
backend of the workload's database, read from /proc, which the machine's other users move much less than the
rates.

django-hordak is not part of the default install: `pip install -e '.[bench]'` (the `bench` extra in
pyproject.toml) brings it, Django and psycopg. The service runs on the server at `--database-url` or
`MITAPO_BENCH_DATABASE_URL` (the embedded one otherwise); every database made here is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import multiprocessing
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench import hordak_peer
from bench.ledger_throughput import (
    CpuMeter,
    Options,
    Throughput,
    combined,
    drive,
    drop_database,
    fresh_database,
    fund_accounts,
    picker,
    spread_pairs,
    start_runtime,
)
from bench.pgbench import TpcbResult, cpu_seconds, run_tpcb, scratch_database, tpcb_database
from bench.pgbench import combined as combined_tpcb
from mitapo.runtime import Runtime

CALLERS = 32
ACCOUNTS = 1000
MODES = ("spread", "hot")
BENCH_EXTRA = ("django", "hordak", "psycopg")
INSTALL = (
    "pip install -e '.[bench]'  (the benchmark-only extra in pyproject.toml: django-hordak, Django, psycopg)"
)


def missing_peers(modules: Sequence[str] = BENCH_EXTRA) -> str | None:
    """What to tell the reader when the bench extra is not installed; None when it is."""
    absent = [m for m in modules if importlib.util.find_spec(m) is None]
    if not absent:
        return None
    return f"bench.peers needs {', '.join(absent)}, which the default install leaves out:\n    {INSTALL}"


# --- django-hordak, in processes of its own ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Peer:
    """How django-hordak is driven: its 32 threads split over `processes`; `guarded`, each transfer refuses
    an overdraft as ours does, the way hordak's API allows it (lock the source account, sum its legs)."""

    processes: int
    guarded: bool = False

    def describe(self, mode: str) -> str:
        guard = " + overdraft check" if self.guarded else ""
        return f"django-hordak {mode}{guard} ({self.processes} × {CALLERS // self.processes} threads)"


async def hordak(url: str, peer: Peer, mode: str, seconds: float, seed: int) -> Throughput:
    """`CALLERS` threads of django-hordak transfers, split evenly over `peer.processes` processes."""
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(peer.processes + 1), context.Queue()
    each = CALLERS // peer.processes
    workers = [
        context.Process(
            target=hordak_peer.callers,
            args=(url, mode, peer.guarded, each, seconds, seed * 10 + p, barrier, out),
        )
        for p in range(peer.processes)
    ]
    for worker in workers:
        worker.start()
    await asyncio.to_thread(barrier.wait)
    meter = await CpuMeter.start(url)
    await asyncio.to_thread(barrier.wait)
    results = [await asyncio.to_thread(out.get) for _ in workers]
    cpu = await meter.stop(python=sum(r[4] for r in results))
    await asyncio.to_thread(barrier.wait)
    for worker in workers:
        await asyncio.to_thread(worker.join)
    done, refused, failed = (sum(r[i] for r in results) for i in range(3))
    if failed:
        first = next(r[5] for r in results if r[5])
        say(f"  {peer.describe(mode)}: {failed} transfers failed, the first: {first}")
    per = None if cpu is None or not done else cpu / done * 1e6
    elapsed, python = max(r[3] for r in results), sum(r[4] for r in results)
    result = Throughput(mode, CALLERS, peer.processes, done, refused + failed, elapsed, per)
    django = f" ({python / done * 1e6:,.0f} µs of it in Django's processes)" if done else ""
    if peer.guarded and mode == "hot":
        django += f"; the hot account has {await _hot_legs(url):,} legs to sum"
    _said(peer.describe(mode), result, django)
    return result


async def _hot_legs(url: str) -> int:
    """The legs the guarded transfer sums for the hot account's balance, after the window."""
    conn = await asyncpg.connect(url)
    try:
        legs = await conn.fetchval(
            "SELECT count(*) FROM hordak_leg AS l JOIN hordak_account AS a ON a.id = l.account_id"
            " WHERE a.name = 'hot'"
        )
    finally:
        await conn.close()
    return int(legs)


async def _in_process(target: Any, *args: Any) -> None:
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=target, args=args)
    process.start()
    await asyncio.to_thread(process.join)
    if process.exitcode != 0:
        raise RuntimeError(f"{target.__name__} exited with {process.exitcode}")


# --- the run -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    seconds: float = 15.0
    rounds: int = 1
    pgbench_seconds: int = 15
    pgbench_scale: int = 32
    hordak_processes: tuple[int, ...] = (1, 2)
    guarded: bool = True
    server_url: str | None = None

    def peers(self) -> list[Peer]:
        """Plain hordak in each layout; guarded, in the one with the most processes (its best)."""
        plain = [Peer(processes) for processes in self.hordak_processes]
        return plain + ([Peer(max(self.hordak_processes), guarded=True)] if self.guarded else [])


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a workload's rate and CPU per transfer, and the mode it compares against."""

    name: str
    mode: str  # 'spread' | 'hot' | '' (pgbench)
    rate: float
    cpu_us: float | None


async def run(plan: Plan) -> tuple[TpcbResult, list[TpcbResult], list[Row]]:
    server, url = await fresh_database(Options(server_url=plan.server_url))
    ours: dict[str, list[Throughput]] = {mode: [] for mode in MODES}
    peers: dict[tuple[Peer, str], list[Throughput]] = {(peer, m): [] for peer in plan.peers() for m in MODES}
    runs: list[TpcbResult] = []
    try:
        async with scratch_database(server, "mitapo_hordak") as (_, hordak_url):
            say(f"django-hordak and our service: opening and funding {ACCOUNTS} accounts each ...")
            await asyncio.gather(_in_process(hordak_peer.setup, hordak_url, ACCOUNTS), _fund(url))
            async with tpcb_database(server, scale=plan.pgbench_scale) as tables:
                for round_ in range(plan.rounds):
                    runs.append(await _pgbench(tables, plan))
                    for mode, result in (await _ours(url, plan, round_)).items():
                        ours[mode].append(result)
                    await _peers(hordak_url, plan, round_, peers)
                runs.append(await _pgbench(tables, plan))
    finally:
        await drop_database(server, url)
    rows = [Row(f"services.ledger.transfer {mode}", mode, *_figures(combined(ours[mode]))) for mode in MODES]
    for (peer, mode), results in peers.items():
        rows.append(Row(peer.describe(mode), mode, *_figures(combined(results))))
    return combined_tpcb(runs), runs, rows


async def _peers(
    url: str, plan: Plan, round_: int, results: dict[tuple[Peer, str], list[Throughput]]
) -> None:
    for peer in plan.peers():
        for mode in in_turn(round_):
            results[peer, mode].append(await hordak(url, peer, mode, plan.seconds, round_))


async def _fund(url: str) -> None:
    runtime = await start_runtime(url)
    try:
        await fund_accounts(runtime.db, ACCOUNTS)
    finally:
        await runtime.stop()


def in_turn(round_: int) -> tuple[str, ...]:
    """Spread first in even rounds, hot first in odd ones: what the first window after a change of
    workload pays (another database's autovacuum, say) falls on both."""
    return MODES if round_ % 2 == 0 else MODES[::-1]


async def _ours(url: str, plan: Plan, round_: int) -> dict[str, Throughput]:
    """Spread and hot through our service layer, driven and measured as `bench.ledger_throughput.measure`
    does, on a Runtime that stops before the peers run: its sealer works on our entries while we are
    measured, not while they are."""
    runtime = await start_runtime(url)
    try:
        await drive(runtime.db, spread_pairs(ACCOUNTS), CALLERS, 2.0, 0)  # warm-up: the pool, the plans
        await _sealer_ready(runtime)
        results = {}
        for mode in in_turn(round_):
            await runtime.seal_now()  # what came before is not this window's to seal
            meter, python = await CpuMeter.start(runtime.db.url), _our_cpu(runtime)
            done, refused, elapsed = await drive(
                runtime.db, picker(mode, ACCOUNTS), CALLERS, plan.seconds, round_ + 1
            )
            await runtime.seal_now()  # ... and what this window wrote is, though after its clock stopped
            python = _our_cpu(runtime) - python
            cpu = await meter.stop(python=python)
            per = None if cpu is None or not done else cpu / done * 1e6
            results[mode] = Throughput(mode, CALLERS, 1, done, refused, elapsed, per)
            ours = f" ({python / done * 1e6:,.0f} µs of it in our processes)" if done else ""
            _said(f"services.ledger.transfer {mode}", results[mode], ours)
        return results
    finally:
        await runtime.stop()


async def _sealer_ready(runtime: Runtime) -> None:
    """Wait for a first pass of the sealer's process: its start (a Python that imports the service) is not
    a transfer's cost."""
    sealer = runtime._sealer
    if sealer is None:
        return
    booted = sealer.last_ok
    async with asyncio.timeout(60):
        while sealer.last_ok == booted:  # noqa: ASYNC110  (another process sets it: nothing to await)
            await asyncio.sleep(0.1)


def _our_cpu(runtime: Runtime) -> float:
    """CPU seconds of this process and of the Runtime's sealer, which seals in a process of its own."""
    sealer = runtime._sealer.pid if runtime._sealer is not None else None
    spent = cpu_seconds([sealer]) if sealer is not None else 0.0
    return time.process_time() + (spent or 0.0)


async def _pgbench(tables: Any, plan: Plan) -> TpcbResult:
    result = await run_tpcb(tables, seconds=plan.pgbench_seconds, clients=CALLERS)
    cpu = (
        "" if result.cpu_us_per_transaction is None else f", {result.cpu_us_per_transaction:,.0f} µs CPU each"
    )
    say(f"  pgbench TPC-B: {result.tps:,.0f} tps{cpu}")
    return result


def _figures(result: Throughput) -> tuple[float, float | None]:
    return result.rate, result.cpu_us_per_entry


def _said(name: str, result: Throughput, more: str = "") -> None:
    cpu = "" if result.cpu_us_per_entry is None else f", {result.cpu_us_per_entry:,.0f} µs CPU each"
    refused = f", {result.refused:,} refused or failed" if result.refused else ""
    say(f"  {name}: {result.rate:,.0f} transfers/s{cpu}{more}{refused}")


# --- output ------------------------------------------------------------------------------------------------


_STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"{time.monotonic() - _STARTED:4.0f} s {text}", flush=True)


def table(pgbench: TpcbResult, rows: Sequence[Row]) -> list[str]:
    """The rows against pgbench and against our service layer in the same mode (pgbench against our spread),
    with each one's CPU per transfer and the CPU ratio (a TPC-B transaction's CPU over this one's)."""
    us = {row.mode: row.rate for row in rows if row.name.startswith("services.")}
    lines = [f"{'closed loop of 32':56} {'per second':>10} {'÷ pgbench':>10} {'÷ us':>6}"]
    lines[0] += f" {'µs CPU each':>12} {'CPU ratio':>10}"
    for row in (Row("pgbench TPC-B", "spread", pgbench.tps, pgbench.cpu_us_per_transaction), *rows):
        versus = us.get(row.mode)
        lines.append(
            f"{row.name:56} {row.rate:10,.0f} {row.rate / pgbench.tps:10.2f} "
            f"{_ratio(row.rate, versus):>6} {_cpu(row.cpu_us, pgbench.cpu_us_per_transaction)}"
        )
    return lines


def _ratio(rate: float, versus: float | None) -> str:
    return "?" if not versus else f"{rate / versus:.2f}"


def _cpu(us_each: float | None, pgbench_us_each: float | None) -> str:
    if us_each is None:
        return f"{'?':>12} {'?':>10}"
    ratio = "?" if pgbench_us_each is None else f"{pgbench_us_each / us_each:.2f}"
    return f"{us_each:12,.0f} {ratio:>10}"


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def parse(argv: Sequence[str] | None = None) -> Plan:
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=15.0, help="seconds per workload and round (default 15)"
    )
    parser.add_argument("--rounds", type=int, default=1, help="rounds of every workload (default 1)")
    parser.add_argument(
        "--pgbench-seconds", type=int, help="seconds of each pgbench run (default: --seconds)"
    )
    parser.add_argument("--pgbench-scale", type=int, default=32, help="pgbench -s (default 32)")
    parser.add_argument(
        "--hordak-processes",
        type=lambda text: tuple(int(n) for n in text.split(",")),
        default=(1, 2),
        help="processes the 32 django-hordak threads are split over, comma-separated runs (default 1,2)",
    )
    parser.add_argument(
        "--no-guarded",
        dest="guarded",
        action="store_false",
        help="skip django-hordak with the overdraft check (a locked source account, its legs summed)",
    )
    parser.add_argument(
        "--database-url",
        dest="server_url",
        help="the server (default: MITAPO_BENCH_DATABASE_URL, else embedded)",
    )
    args = parser.parse_args(argv)
    for processes in args.hordak_processes:
        if processes < 1 or CALLERS % processes:
            parser.error(f"--hordak-processes: {processes} does not divide {CALLERS} callers")
    pgbench_seconds = args.pgbench_seconds or max(2, round(args.seconds))
    return Plan(
        seconds=args.seconds,
        rounds=args.rounds,
        pgbench_seconds=pgbench_seconds,
        pgbench_scale=args.pgbench_scale,
        hordak_processes=args.hordak_processes,
        guarded=args.guarded,
        server_url=args.server_url,
    )


def main(argv: Sequence[str] | None = None) -> int:
    plan = parse(argv)
    missing = missing_peers()
    if missing is not None:
        print(missing)
        return 2
    say(f"start: {load()}")
    pgbench, runs, rows = asyncio.run(run(plan))
    print(
        f"\npgbench TPC-B, 32 clients, scale {plan.pgbench_scale}: "
        + ", ".join(f"{r.tps:,.0f}" for r in runs)
        + " tps"
    )
    print("\n".join(table(pgbench, rows)))
    print("(÷ us: against our service layer in the same mode, pgbench against our spread; CPU ratio:")
    print(
        " a TPC-B transaction's CPU time over this one's, the ÷ pgbench the two would have keeping the CPUs"
    )
    print(" equally busy)")
    print(f"end: {load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
