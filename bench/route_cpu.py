"""A payment's CPU through the app, without a server or a network: `python -m bench.route_cpu [--seconds S]
[--profile FILE]`.

One process, one fresh database seeded as `bench.payments` seeds it. 32 coroutines pay on the shops' static
codes in a closed loop, first by calling the ASGI app itself (`POST /v1/payments`, every header and body as
a client sends them: routing, the role guard and the secret's lookup, the abuse limits, the strict body,
the fingerprint, the payment, the answer, the log line and the metrics), then by calling
`payments.pay` as the app's route does (no HTTP), taking turns for `--rounds`. Each line prints this process's
CPU time per payment and the database backends'. The server (uvicorn, granian) and the client are left out:
`bench.floors` and `bench.payments` count them. With `--profile FILE` the app's phases run under pyinstrument
and its text report goes to FILE (a profiler adds its own cost: read the CPU figures from a run without).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from litestar import Litestar

from bench.ledger_throughput import CpuMeter, Options, drop_database, fresh_database, machine, start_runtime
from bench.payments import CLIENTS, SHOPS, seed
from mitapo.app import create_app
from mitapo.engine.commands import Idempotency
from mitapo.payments import paying as payments

Pay = Callable[[int, random.Random], Coroutine[Any, Any, None]]


def say(line: str) -> None:
    """To the terminal: `sys.stdout` takes the app's log lines meanwhile."""
    print(line, file=sys.__stdout__, flush=True)


async def asgi(
    app: Litestar, method: str, path: str, headers: dict[str, str], body: bytes
) -> tuple[int, bytes]:
    """One request through the app as a server hands it over: (status, body)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # http.disconnect never comes: the client waits for its answer
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)  # type: ignore[arg-type]
    return status, b"".join(chunks)


async def closed_loop(pay: Pay, seconds: float) -> tuple[int, float]:
    loop = asyncio.get_running_loop()
    started = loop.time()
    done = 0

    async def client(n: int) -> None:
        nonlocal done
        rng = random.Random(n)
        while loop.time() < started + seconds:
            await pay(n, rng)
            done += 1

    await asyncio.gather(*(client(n) for n in range(CLIENTS)))
    return done, loop.time() - started


async def paced_loop(pay: Pay, seconds: float, rate: float) -> tuple[int, float]:
    """Payments started at `rate` per second by one dispatcher (open loop): at a rate the machine keeps up
    with, both phases batch alike, and their CPU per payment compares better than in a closed loop, whose
    rate (and so its batches) follows the machine's other load."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    rngs = [random.Random(n) for n in range(CLIENTS)]
    async with asyncio.TaskGroup() as due:
        for i in range(int(seconds * rate)):
            await asyncio.sleep(max(0.0, started + i / rate - loop.time()))
            due.create_task(pay(i % CLIENTS, rngs[i % CLIENTS]))
    return int(seconds * rate), loop.time() - started


async def measured(name: str, url: str, pay: Pay, seconds: float, rate: float | None = None) -> None:
    def phase(length: float) -> Awaitable[tuple[int, float]]:
        return closed_loop(pay, length) if rate is None else paced_loop(pay, length, rate)

    await phase(min(2.0, seconds))
    meter, cpu = await CpuMeter.start(url), time.process_time()
    done, elapsed = await phase(seconds)
    cpu = time.process_time() - cpu
    total = await meter.stop(python=cpu)
    each = 1000 / max(1, done)
    database = "?" if total is None else f"{(total - cpu) * each:.3f}"
    say(f"{name:22} {done / elapsed:8,.0f}/s  cpu ms: this process {cpu * each:.3f} + database {database}")


async def shops_of(app: Litestar, admin: str) -> list[str]:
    """The static codes of SHOPS shops, opened through the app."""
    codes = []
    for n in range(SHOPS):
        body = json.dumps({"name": f"店 {n}", "fee_bps": 100}).encode()
        headers = {"Authorization": f"Bearer {admin}", "Content-Type": "application/json"}
        status, answer = await asgi(app, "POST", "/v1/merchants", headers, body)
        assert status == 201, answer
        codes.append(json.loads(answer)["qr_payload"])
    return codes


async def run(seconds: float, rounds: int, profile: str | None, rate: float | None = None) -> None:
    say(f"machine: {machine()}")
    server, url = await fresh_database(Options())
    try:
        admin, people = await seed(url)
        runtime = await start_runtime(url)
        try:
            app = create_app(runtime=runtime)
            secrets = [person["token"] for person in people]

            async def through_http(n: int, rng: random.Random) -> None:
                body = json.dumps({"qr_payload": rng.choice(shops), "amount": rng.randint(100, 3000)})
                headers = {
                    "Authorization": f"Bearer {secrets[n]}",
                    "Idempotency-Key": uuid.uuid4().hex,
                    "Content-Type": "application/json",
                    "Content-Length": str(len(body)),
                    "Host": "127.0.0.1:8000",
                }
                status, answer = await asgi(app, "POST", "/v1/payments", headers, body.encode())
                assert status == 201, answer

            async def without_http(n: int, rng: random.Random) -> None:
                key = Idempotency(scope=people[n]["id"], key=uuid.uuid4().hex, request_hash=b"bench")
                await payments.pay(
                    runtime.db,
                    people[n]["id"],
                    rng.choice(shops),
                    rng.randint(100, 3000),
                    "points_first",
                    idempotency=key,
                    spend_per_day=runtime.settings.daily_spend_limit,
                )

            async with app.lifespan():
                shops = await shops_of(app, admin)
                for n in range(rounds):
                    say(f"round {n + 1}, load average {machine()['load_average_at_start']}")
                    await measured("through the app", url, through_http, seconds, rate)
                    await measured("payments.pay, no HTTP", url, without_http, seconds, rate)
                if profile:
                    await profiled(profile, lambda: closed_loop(through_http, seconds))
        finally:
            await runtime.stop()
    finally:
        await drop_database(server, url)


async def profiled(path: str, phase: Callable[[], Awaitable[object]]) -> None:
    from pyinstrument import Profiler  # a dev tool (`pip install pyinstrument`), not a dependency

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    await phase()
    profiler.stop()
    report = profiler.output_text(unicode=True, show_all=False, timeline=False)
    await asyncio.to_thread(Path(path).write_text, report)
    say(f"pyinstrument's report: {path}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.route_cpu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per phase (default 10)")
    parser.add_argument("--rounds", type=int, default=2, help="turns of the two phases (default 2)")
    parser.add_argument(
        "--rate", type=float, help="paced at this many payments/s (open loop), not 32 at a time"
    )
    parser.add_argument("--profile", help="a pyinstrument report of the app's phase to this file")
    args = parser.parse_args(argv)
    stdout = sys.stdout
    sys.stdout = open("/dev/null", "w")  # noqa: SIM115  (the app's log lines, one per request, written and dropped)
    try:
        asyncio.run(run(args.seconds, args.rounds, args.profile, args.rate))
    finally:
        sys.stdout.close()
        sys.stdout = stdout
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
