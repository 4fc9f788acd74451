"""Payments per second through HTTP, against pgbench's TPC-B on the same server in the same run.

`python -m bench.payments [--seconds S] [--quick]` creates a fresh database on the embedded PostgreSQL (or on
`MITAPO_BENCH_DATABASE_URL`), starts the service on it with uvicorn (one process, as `mitapo serve`), opens
200 shops and a resident per client, and has 32 clients pay with `POST /v1/payments` on the shops' static
codes (points first, then money, each with its Idempotency-Key): first spread over the 200 shops, then all at
one hot shop (a supermarket at noon, every payment locking the same receivable). Then pgbench TPC-B-like at
32 clients on a database of its own on the same server. It prints payments per second, latency percentiles
and the ratios `docs/benchmarks.md` records.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.figures import percentile
from bench.http_client import Client
from bench.ledger_throughput import (
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
from mitapo.db.commands import AccountSpec, Command, Idempotency, Leg
from mitapo.db.engine import Database
from mitapo.services import auth, chart, clock, ledger, payments, residents

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

    @property
    def rate(self) -> float:
        return self.payments / self.seconds

    def percentile(self, p: int) -> float:
        return percentile(self.latencies_ms, p)


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


async def pay_in_process(url: str, resident_ids: list[str], shops: list[str], seconds: float) -> Phase:
    """`services.payments.pay` from 32 coroutines, spread over the shops: what the ledger sustains when
    HTTP costs nothing, to tell the two apart."""
    runtime = await start_runtime(url)
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

    try:
        await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    finally:
        await runtime.stop()
    return Phase("service", len(latencies), 0, loop.time() - started, latencies)


async def run(seconds: float, pgbench_seconds: int, pgbench_scale: int, workers: int) -> None:
    before = machine()  # the load average as the run starts
    server, url = await fresh_database(Options())
    process = None
    try:
        settings = await server_settings(url)
        admin, people = await seed(url)
        secrets = [r["token"] for r in people]
        os.environ["WEB_CONCURRENCY"] = str(workers)  # uvicorn's worker processes
        process, base = start_server(url, Path(tempfile.mkdtemp(prefix="mitapo-bench-")))
        async with Client(base, connections=CLIENTS, timeout=30) as http:
            shops = await open_shops(http, admin)
            await pay_for(http, secrets, shops, "spread", min(2.0, seconds))  # warm-up
            phases = [await pay_for(http, secrets, shops, mode, seconds) for mode in ("spread", "hot")]
        process.terminate()
        process.wait(timeout=30)
        process = None
        say("the same payments without HTTP, on a Runtime in this process ...")
        service = await pay_in_process(url, [r["id"] for r in people], shops, seconds)
        say(f"pgbench TPC-B-like, scale {pgbench_scale}, 32 clients, {pgbench_seconds} s ...")
        pgbench = await tpcb(server, scale=pgbench_scale, seconds=pgbench_seconds)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        await drop_database(server, url)
    print(f"machine: {before}\npostgresql: {settings}\n")
    print(f"{'workload':24} {'payments/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'failed':>7}")
    for p in phases:
        print(
            f"{p.mode + ' @32':24} {p.rate:10,.0f} {p.percentile(50):8.1f} {p.percentile(99):8.1f}"
            f" {p.failed:7}"
        )
    print(
        f"{'service, no HTTP @32':24} {service.rate:10,.0f} {service.percentile(50):8.1f}"
        f" {service.percentile(99):8.1f} {service.failed:7}"
    )
    print(f"{'pgbench TPC-B @32 (tps)':24} {pgbench.tps:10,.0f}\n")
    spread, hot = phases
    print(f"{'spread / pgbench tps (goal >= 0.5)':40} {spread.rate / pgbench.tps:6.2f}")
    print(f"{'hot / spread (goal >= 0.8)':40} {hot.rate / spread.rate:6.2f}")
    print(f"{'p99 ms, worst phase (goal < 50)':40} {max(p.percentile(99) for p in phases):6.1f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.payments", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases, pgbench at scale 8")
    parser.add_argument("--seconds", type=float, help="seconds per phase (default 20; quick 5)")
    parser.add_argument(
        "--workers", type=int, default=1, help="service processes, as `mitapo serve --workers`"
    )
    args = parser.parse_args(argv)
    seconds = args.seconds or (5.0 if args.quick else 20.0)
    asyncio.run(run(seconds, 5 if args.quick else 30, 8 if args.quick else 32, args.workers))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
