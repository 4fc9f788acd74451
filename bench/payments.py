"""Payments per second through HTTP, against pgbench's TPC-B on the same server in the same run.

`python -m bench.payments [--seconds S] [--quick] [--rate R] [--server uvicorn|granian] [--workers N]
[--writer inline|process]` creates
a fresh database on the embedded PostgreSQL (or on `MITAPO_BENCH_DATABASE_URL`), starts the service on it
(uvicorn, one process, as `mitapo serve`), opens 200 shops and a resident per client, and has 32 clients pay
with `POST /v1/payments` on the shops' static codes (points first, then money, each with its
Idempotency-Key): first spread over the 200 shops, then all at one hot shop (a supermarket at noon, every
payment locking the same receivable), then paced at R payments/s (300; open loop, latency from when each was
due). Then the same payments without HTTP, in-process, and pgbench TPC-B-like at
32 clients on a database of its own on the same server. It prints payments per second, latency percentiles,
the CPU time per payment of the service's process(es) and of the database's backends (from /proc: on a
machine shared with others the rates move with their load, the CPU per payment much less), and the ratios
`docs/benchmarks.md` records. For the spread phase it also prints how the service's busiest thread (the event
loop) spent it: on a CPU, waiting for one, or with nothing to run; and the share of the machine left idle.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

from bench.figures import busiest_thread, machine_clock, percentile, server_cpu_seconds, thread_clocks
from bench.http_client import Client
from bench.ledger_throughput import (
    CpuMeter,
    Options,
    drop_database,
    fresh_database,
    machine,
    say,
    server_settings,
    start_runtime,
)
from bench.pgbench import tpcb
from bench.server import start_server
from mitapo.accounts import auth, residents
from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import AccountSpec, Command, Idempotency, Leg
from mitapo.engine.database import Database
from mitapo.payments import paying as payments
from mitapo.runtime import Runtime

SHOPS = 200
CLIENTS = 32
MONEY = 10_000_000
POINTS = 1_000_000


@dataclass(frozen=True, slots=True)
class Phase:
    mode: str
    payments: int
    failed: int
    seconds: float
    latencies_ms: list[float]
    service_cpu_seconds: float = float("nan")
    database_cpu_seconds: float = float("nan")
    client_cpu_seconds: float = float("nan")  # this process's (the HTTP clients'), HTTP phases only
    batches: str = ""  # the writer's batches, when its process logs them
    loop_shares: tuple[float, float] | None = None  # the service's busiest thread: on a CPU, waiting for one
    machine_idle: float = float("nan")  # the share of the machine's CPU time left idle

    @property
    def rate(self) -> float:
        return self.payments / self.seconds

    def cpu_ms_each(self) -> tuple[float, float]:
        """CPU milliseconds per payment: the service's process(es), the database's backends."""
        each = 1000 / max(1, self.payments)
        return self.service_cpu_seconds * each, self.database_cpu_seconds * each

    def percentile(self, p: int) -> float:
        return percentile(self.latencies_ms, p)


async def with_cpu(
    url: str,
    service_seconds: Callable[[], float],
    phase: Awaitable[Phase],
    batch_log: Path | None = None,
    service_pid: int | None = None,
) -> Phase:
    """The phase, with the CPU time its service (`service_seconds`, a clock of the service's processes), the
    database's backends and, for a service in other processes, this process (the clients) spent meanwhile;
    the writer's batches if its process logs them to `batch_log`; how the service's busiest thread (its event
    loop) spent the phase, given `service_pid`; and the share of the machine's CPU left idle."""
    over_http = service_seconds is not time.process_time
    logged = batch_log.stat().st_size if batch_log is not None and batch_log.exists() else 0
    threads = thread_clocks(service_pid) if service_pid is not None else {}
    jiffies = machine_clock()
    meter, service, client = await CpuMeter.start(url), service_seconds(), time.process_time()
    done = await phase
    service, client = service_seconds() - service, time.process_time() - client
    total = await meter.stop(python=service)
    all_jiffies, idle_jiffies = (now - was for now, was in zip(machine_clock(), jiffies, strict=True))
    shares = (
        busiest_thread(threads, thread_clocks(service_pid), done.seconds) if service_pid is not None else None
    )
    return replace(
        done,
        service_cpu_seconds=service,
        database_cpu_seconds=float("nan") if total is None else total - service,
        client_cpu_seconds=client if over_http else float("nan"),
        batches=_batches(batch_log, logged),
        loop_shares=shares,
        machine_idle=idle_jiffies / max(all_jiffies, 1),
    )


def _batches(log: Path | None, offset: int) -> str:
    """The batches logged since `offset`: how many, their mean size and mean milliseconds."""
    if log is None or not log.exists():
        return ""
    with log.open() as f:
        f.seek(offset)
        rows = [line.split() for line in f.read().splitlines() if line]
    if not rows:
        return ""
    sizes, seconds = [int(r[0]) for r in rows], [float(r[1]) for r in rows]
    mean_ms = 1000 * sum(seconds) / len(rows)
    return f"{len(rows)} batches, {sum(sizes) / len(rows):.1f} commands, {mean_ms:.1f} ms"


async def seed(url: str) -> tuple[str, list[dict[str, str]]]:
    """An admin secret and one resident `{id, token}` per client, each resident with points and money."""
    db = Database(url)
    await db.start()
    try:
        _, admin = await auth.create_principal(db, "admin", "bench")
        created = [await residents.create(db, f"bench {n}") for n in range(CLIENTS)]
        expires_on = clock.tokyo_date(clock.now()) + timedelta(days=365)
        await ledger.fund_program(db, "bench", POINTS * CLIENTS)
        clearing = chart.channel_clearing("bench")
        await asyncio.gather(*(_fill(db, r["id"], clearing, expires_on) for r in created))
    finally:
        await db.close()
    return admin, created


async def _fill(db: Database, resident_id: str, clearing: AccountSpec, expires_on: date) -> None:
    lot, wallet = chart.resident_lot(resident_id, expires_on), chart.resident_money(resident_id)
    budget = chart.program_budget("bench").code
    legs = (
        Leg(budget, chart.PT, POINTS),
        Leg(lot.code, chart.PT, -POINTS),
        Leg(clearing.code, chart.JPY, MONEY),
        Leg(wallet.code, chart.JPY, -MONEY),
    )
    await ledger.post(db, Command(kind="grant", accounts=(lot, wallet, clearing), postings=legs))


async def open_shops(http: Client, admin: str) -> list[str]:
    headers = {"Authorization": f"Bearer {admin}"}
    shops = []
    for n in range(SHOPS):
        shop = await http.call(
            "POST", "/v1/merchants", json={"name": f"店 {n}", "fee_bps": 100}, headers=headers
        )
        shops.append(shop["qr_payload"])
    return shops


async def pay_for(http: Client, secrets: list[str], shops: list[str], mode: str, seconds: float) -> Phase:
    loop = asyncio.get_running_loop()
    started = loop.time()
    deadline = started + seconds
    latencies: list[float] = []
    failed = 0

    async def client(n: int) -> None:
        nonlocal failed
        rng = random.Random(n)
        headers = {"Authorization": f"Bearer {secrets[n]}"}
        while loop.time() < deadline:
            shop = shops[0] if mode == "hot" else rng.choice(shops)
            body = {"qr_payload": shop, "amount": rng.randint(100, 3000)}
            began = time.perf_counter()
            answer = await http.request(
                "POST", "/v1/payments", json=body, headers={**headers, "Idempotency-Key": uuid.uuid4().hex}
            )
            if answer.status == 201:
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                failed += 1

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return Phase(mode, len(latencies), failed, loop.time() - started, latencies)


async def pay_paced(http: Client, secrets: list[str], shops: list[str], rate: float, seconds: float) -> Phase:
    """Payments due at `rate` per second over the shops, each by one of the residents in turn (open loop:
    one dispatcher starts each when it is due, and its latency counts from then, so a late client cannot hide
    a slow server)."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    failed = 0
    rng = random.Random(0)

    async def pay(due: float, n: int) -> None:
        nonlocal failed
        body = {"qr_payload": rng.choice(shops), "amount": rng.randint(100, 3000)}
        headers = {"Authorization": f"Bearer {secrets[n]}", "Idempotency-Key": uuid.uuid4().hex}
        answer = await http.request("POST", "/v1/payments", json=body, headers=headers)
        if answer.status == 201:
            latencies.append((loop.time() - due) * 1000)
        else:
            failed += 1

    async with asyncio.TaskGroup() as payments_due:
        started = loop.time()
        for n in range(int(rate * seconds)):
            due = started + n / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            payments_due.create_task(pay(due, n % len(secrets)))
    return Phase(f"paced {rate:g}/s", len(latencies), failed, loop.time() - started, latencies)


async def pay_in_process(
    runtime: Runtime, resident_ids: list[str], shops: list[str], seconds: float
) -> Phase:
    """`services.payments.pay` from 32 coroutines, spread over the shops: what the ledger sustains when
    HTTP costs nothing, to tell the two apart."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    latencies: list[float] = []

    async def client(n: int) -> None:
        rng = random.Random(n)
        while loop.time() < started + seconds:
            key = Idempotency(scope=resident_ids[n], key=uuid.uuid4().hex, request_hash=b"bench")
            began = time.perf_counter()
            await payments.pay(
                runtime.db,
                resident_ids[n],
                rng.choice(shops),
                rng.randint(100, 3000),
                "points_first",
                idempotency=key,
            )
            latencies.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return Phase("service", len(latencies), 0, loop.time() - started, latencies)


async def run(
    seconds: float,
    pgbench_seconds: int,
    pgbench_scale: int,
    workers: int,
    server: str = "uvicorn",
    rate: float = 300.0,
    writer: str | None = None,
) -> None:
    before = machine()  # the load average as the run starts
    server, url = await fresh_database(Options())
    process = None
    try:
        settings = await server_settings(url)
        admin, people = await seed(url)
        secrets = [r["token"] for r in people]
        data_dir = Path(tempfile.mkdtemp(prefix="mitapo-bench-"))
        batch_log = data_dir / "batches" if writer == "process" else None
        extra = {"MITAPO_WRITER_BATCH_LOG": str(batch_log)} if batch_log is not None else {}
        process, base = start_server(
            url, data_dir, server=server, workers=workers, writer=writer, extra_env=extra
        )
        async with Client(base, connections=CLIENTS, timeout=30) as http:
            shops = await open_shops(http, admin)
            await pay_for(http, secrets, shops, "spread", min(2.0, seconds))  # warm-up
            pid = process.pid
            phases = [
                await with_cpu(
                    url,
                    lambda: server_cpu_seconds(pid),
                    pay_for(http, secrets, shops, mode, seconds),
                    batch_log,
                    pid,
                )
                for mode in ("spread", "hot")
            ]
            paced = await with_cpu(
                url,
                lambda: server_cpu_seconds(pid),
                pay_paced(http, secrets, shops, rate, seconds),
                batch_log,
            )
        process.terminate()
        process.wait(timeout=30)
        process = None
        say("the same payments without HTTP, on a Runtime in this process ...")
        runtime = await start_runtime(url)
        try:
            service = await with_cpu(
                url, time.process_time, pay_in_process(runtime, [r["id"] for r in people], shops, seconds)
            )
        finally:
            await runtime.stop()
        say(f"pgbench TPC-B-like, scale {pgbench_scale}, 32 clients, {pgbench_seconds} s ...")
        pgbench = await tpcb(server, scale=pgbench_scale, seconds=pgbench_seconds)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        await drop_database(server, url)
    served = f"mitapo serve --workers {workers} --writer {writer}" if writer else f"{server} x{workers}"
    print(f"machine: {before}\npostgresql: {settings}\nserved by: {served}\n")
    print(
        f"{'workload':24} {'payments/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7} {'cpu ms':>14}"
        f" {'client ms':>9}"
    )
    named = [*((f"{p.mode} @32", p) for p in phases), (paced.mode, paced), ("service, no HTTP @32", service)]
    for name, p in named:
        service_ms, database_ms = p.cpu_ms_each()
        client_ms = p.client_cpu_seconds / max(p.payments, 1) * 1000
        print(
            f"{name:24} {p.rate:10,.0f} {p.percentile(50):8.1f} {p.percentile(99):8.1f} {p.failed:7}"
            f" {service_ms:6.2f} + {database_ms:4.2f} {client_ms:9.2f}  {p.batches}"
        )
    pgbench_ms = (pgbench.cpu_us_per_transaction or float("nan")) / 1000
    print(f"{'pgbench TPC-B @32 (tps)':24} {pgbench.tps:10,.0f} {'':34} {pgbench_ms:6.2f}")
    print("(cpu ms: CPU time per payment of the service's process(es) + the database's backends;")
    print(" for pgbench, of its client and backends per transaction)\n")
    spread, hot = phases
    print(f"{'spread / no HTTP (goal >= 0.75)':40} {spread.rate / service.rate:6.2f}")
    print(f"{'spread / pgbench tps (goal >= 0.45)':40} {spread.rate / pgbench.tps:6.2f}")
    print(f"{'hot / spread (goal >= 0.8)':40} {hot.rate / spread.rate:6.2f}")
    print(f"{'p99 ms at 32 in flight (goal < 50)':40} {max(p.percentile(99) for p in phases):6.1f}")
    print(f"{'p99 ms, ' + paced.mode + ' (goal < 50)':40} {paced.percentile(99):6.1f}")
    service_ms, database_ms = spread.cpu_ms_each()
    whole = service_ms + database_ms + spread.client_cpu_seconds / max(spread.payments, 1) * 1000
    print(f"{'spread: machine CPU ms a payment':40} {whole:6.2f}  (service + database + clients)")
    print(
        f"{'spread: the 2 CPUs bound it at /s':40} {2000 / whole:6,.0f}"
        f"  (x{2000 / whole / pgbench.tps:.2f} pgbench)"
    )
    if spread.loop_shares is not None:
        on_cpu, runnable = spread.loop_shares
        print(
            f"{'spread: the service loop on a CPU':40} {on_cpu:6.0%}  waiting for a CPU {runnable:.0%},"
            f" for the database or a client {1 - on_cpu - runnable:.0%}"
        )
    print(f"{'spread: the machine idle':40} {spread.machine_idle:6.0%}")
    print(f"machine at the end: load average {os.getloadavg()}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.payments", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases, pgbench at scale 8")
    parser.add_argument("--seconds", type=float, help="seconds per phase (default 20; quick 5)")
    parser.add_argument(
        "--workers", type=int, default=1, help="service processes, as `mitapo serve --workers`"
    )
    parser.add_argument("--rate", type=float, default=300.0, help="payments/s of the paced phase (300)")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn", help="the ASGI server")
    parser.add_argument(
        "--writer",
        choices=("inline", "process"),
        help="serve with `mitapo serve --writer W` (the writer on each worker's loop, or in its own process)"
        " instead of the ASGI server directly",
    )
    args = parser.parse_args(argv)
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    quick = args.quick
    pgbench_seconds, scale = (5, 8) if quick else (30, 32)
    asyncio.run(run(seconds, pgbench_seconds, scale, args.workers, args.server, args.rate, args.writer))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
