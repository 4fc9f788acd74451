"""Server CPU per request: `python -m bench.http_cost [-n N]` starts the service (one uvicorn process, as
`mitapo serve`) on a fresh database and sends N sequential `GET /healthz`, `GET /v1/me` and
`POST /v1/payments`, three rounds each, reading the server's CPU time from /proc; it prints the best round.
CPU time, not latency, so that what the machine does besides (other processes) counts as little as it can."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.figures import server_cpu_seconds
from bench.http_client import Client
from bench.ledger_throughput import Options, drop_database, fresh_database
from bench.payments import open_shops, seed
from bench.server import start_server

WARM_UP = 50


async def microseconds_each(pid: int, n: int, request: Callable[[], Awaitable[None]]) -> float:
    for _ in range(WARM_UP):
        await request()
    before = server_cpu_seconds(pid)
    for _ in range(n):
        await request()
    return (server_cpu_seconds(pid) - before) / n * 1e6


async def run(n: int) -> None:
    server, url = await fresh_database(Options())
    process = None
    try:
        admin, people = await seed(url)
        process, base = start_server(url, Path(tempfile.mkdtemp(prefix="mitapo-cost-")))
        async with Client(base, timeout=30) as http:
            shops = await open_shops(http, admin)
            resident = {"Authorization": f"Bearer {people[0]['token']}"}

            async def healthz() -> None:
                await http.call("GET", "/healthz")

            async def me() -> None:
                await http.call("GET", "/v1/me", headers=resident)

            async def pay() -> None:
                body = {"qr_payload": shops[0], "amount": 1}
                headers = {**resident, "Idempotency-Key": uuid.uuid4().hex}
                await http.call("POST", "/v1/payments", json=body, headers=headers)

            for name, request in (("GET /healthz", healthz), ("GET /v1/me", me), ("POST /v1/payments", pay)):
                rounds = [await microseconds_each(process.pid, n, request) for _ in range(3)]
                print(f"{name:20} {min(rounds):8.0f} us server CPU per request", flush=True)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        await drop_database(server, url)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.http_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="requests per round (default 1000)")
    asyncio.run(run(parser.parse_args().n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
