"""The ASGI server side by side: `python -m bench.servers [--seconds S] [--rounds R]`.

uvicorn (uvloop, httptools) and granian (uvloop, HTTP/1), one and two worker processes, take turns on the
same machine in one run: first an empty Litestar route (`bench.empty_app`, what a request costs in the server
and the framework alone), then the service's `POST /v1/payments` on a fresh database seeded as
`bench.payments` seeds it. 32 clients in a closed loop; each line prints requests per second, p99, and the
server processes' CPU time per request (and the database's, for payments).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections.abc import Sequence

from bench.figures import percentile, server_cpu_seconds
from bench.http_client import Client
from bench.ledger_throughput import CpuMeter, Options, drop_database, fresh_database, machine
from bench.payments import CLIENTS, open_shops, pay_for, seed
from bench.server import start_asgi

SETUPS = (("uvicorn", 1), ("granian", 1), ("uvicorn", 2), ("granian", 2))


async def empty_route(server: str, workers: int, seconds: float) -> str:
    process, base = start_asgi("bench.empty_app:app", {}, "/ping", server=server, workers=workers)
    try:
        async with Client(base, connections=CLIENTS) as http:
            loop = asyncio.get_running_loop()

            async def closed(until: float, latencies: list[float]) -> None:
                while loop.time() < until:
                    began = time.perf_counter()
                    answer = await http.request("GET", "/ping")
                    assert answer.status == 200
                    latencies.append((time.perf_counter() - began) * 1000)

            await asyncio.gather(*(closed(loop.time() + 2, []) for _ in range(CLIENTS)))
            latencies: list[float] = []
            cpu, started = server_cpu_seconds(process.pid), loop.time()
            await asyncio.gather(*(closed(started + seconds, latencies) for _ in range(CLIENTS)))
            cpu, elapsed = server_cpu_seconds(process.pid) - cpu, loop.time() - started
    finally:
        process.terminate()
        process.wait(timeout=30)
    n = len(latencies)
    return (
        f"{n / elapsed:8,.0f}/s p99 {percentile(latencies, 99):6.1f} ms  server cpu ms {cpu / n * 1000:.3f}"
    )


async def payments(
    url: str, admin: str, secrets: list[str], server: str, workers: int, seconds: float
) -> str:
    env = {"MITAPO_DATABASE_URL": url, "MITAPO_DATA_DIR": tempfile.mkdtemp(prefix="mitapo-servers-")}
    process, base = start_asgi("mitapo.asgi:app", env, "/readyz", server=server, workers=workers)
    try:
        async with Client(base, connections=CLIENTS, timeout=30) as http:
            shops = await open_shops(http, admin)
            await pay_for(http, secrets, shops, "spread", 2.0)
            meter, cpu = await CpuMeter.start(url), server_cpu_seconds(process.pid)
            phase = await pay_for(http, secrets, shops, "spread", seconds)
            cpu = server_cpu_seconds(process.pid) - cpu
            total = await meter.stop(python=cpu)
    finally:
        process.terminate()
        process.wait(timeout=30)
    each = 1000 / max(1, phase.payments)
    database = "?" if total is None else f"{(total - cpu) * each:.3f}"
    return (
        f"{phase.rate:8,.0f}/s p99 {phase.percentile(99):6.1f} ms  failed {phase.failed}  "
        f"server cpu ms {cpu * each:.3f} + database {database}"
    )


async def run(seconds: float, rounds: int) -> None:
    print(f"machine: {machine()}", flush=True)
    db_server, url = await fresh_database(Options())
    try:
        admin, people = await seed(url)
        secrets = [person["token"] for person in people]
        for n in range(rounds):
            for server, workers in SETUPS:
                line = await empty_route(server, workers, seconds)
                print(f"round {n + 1} empty route {server:8} x{workers} {line}", flush=True)
            for server, workers in SETUPS:
                line = await payments(url, admin, secrets, server, workers, seconds)
                print(f"round {n + 1} payments    {server:8} x{workers} {line}", flush=True)
            print(f"  load average {os.getloadavg()}, {time.strftime('%H:%M:%S', time.gmtime())} UTC")
    finally:
        await drop_database(db_server, url)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.servers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per setup (default 10)")
    parser.add_argument("--rounds", type=int, default=1, help="times through the setups (default 1)")
    args = parser.parse_args(argv)
    asyncio.run(run(args.seconds, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
