"""Where a payment's CPU goes on its way through HTTP: `python -m bench.http_parts [--seconds S]`.

One fresh database, seeded as `bench.payments` seeds it; then the service (`bench.ablated_app`, one process)
is started again and again, each time with one more part of the request path taken away, and 32 clients pay
in a closed loop for S seconds. Each line prints the service process's CPU time per payment and the
database's backends'; the difference between two lines is what the part taken away cost. CPU time, because
on a shared machine it moves far less than the rate does. Last, an empty Litestar route: what a request costs
before any of the service runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Sequence

from bench.figures import server_cpu_seconds
from bench.http_client import Client
from bench.ledger_throughput import CpuMeter, Options, drop_database, fresh_database, machine
from bench.payments import CLIENTS, open_shops, pay_for, seed
from bench.server import start_asgi

STEPS = (
    ("as served", ""),
    ("without the log line", "log"),
    ("without the middleware", "middleware"),
    ("  and the strict decoding", "middleware,strict"),
    ("  and the fingerprint", "middleware,strict,idempotency"),
    ("  and the limits", "middleware,strict,idempotency,limits"),
    ("  and the secret's lookup", "middleware,strict,idempotency,limits,auth"),
    ("  and the payment", "middleware,strict,idempotency,limits,auth,ledger"),
)


async def step(
    url: str, without: str, secrets: list[str], shops: list[str] | None, seconds: float, server: str
) -> tuple[list[str], str]:
    env = {
        "MITAPO_DATABASE_URL": url,
        "MITAPO_DATA_DIR": tempfile.mkdtemp(prefix="mitapo-parts-"),
        "MITAPO_BENCH_WITHOUT": without,
    }
    process, base = start_asgi("bench.ablated_app:app", env, "/readyz", server=server)
    try:
        async with Client(base, connections=CLIENTS, timeout=30) as http:
            if shops is None:
                shops = await open_shops(http, os.environ["MITAPO_BENCH_ADMIN"])
            await pay_for(http, secrets, shops, "spread", min(2.0, seconds))  # warm-up
            meter, before = await CpuMeter.start(url), server_cpu_seconds(process.pid)
            phase = await pay_for(http, secrets, shops, "spread", seconds)
            service = server_cpu_seconds(process.pid) - before
            total = await meter.stop(python=service)
    finally:
        process.terminate()
        process.wait(timeout=30)
    each = 1000 / max(1, phase.payments)
    database = "?" if total is None else f"{(total - service) * each:.3f}"
    line = (
        f"{phase.rate:8,.0f}/s p99 {phase.percentile(99):6.1f} ms  failed {phase.failed:5}  "
        f"cpu ms service {service * each:.3f} + database {database}"
    )
    return shops, line


async def run(seconds: float, server: str, rounds: int) -> None:
    print(f"machine: {machine()}")
    db_server, url = await fresh_database(Options())
    try:
        admin, people = await seed(url)
        os.environ["MITAPO_BENCH_ADMIN"] = admin
        secrets = [r["token"] for r in people]
        shops: list[str] | None = None
        for n in range(rounds):
            for name, without in STEPS:
                shops, line = await step(url, without, secrets, shops, seconds, server)
                print(f"round {n + 1} {name:28} {line}", flush=True)
    finally:
        await drop_database(db_server, url)
    print(f"load average at the end: {os.getloadavg()}, {time.strftime('%H:%M:%S', time.gmtime())} UTC")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_parts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per step (default 8)")
    parser.add_argument("--rounds", type=int, default=1, help="times through the steps (default 1)")
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn")
    args = parser.parse_args(argv)
    asyncio.run(run(args.seconds, args.server, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
