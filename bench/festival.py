"""A festival: 2,000 residents check in to one event within a minute, every claim drawing on one budget.

`python -m bench.festival [--residents N] [--clients C] [--rate R] [--quick]` creates a fresh database on
the embedded PostgreSQL (or `MITAPO_BENCH_DATABASE_URL`), starts the service with uvicorn as `mitapo serve`
runs it (one process), makes N residents, a program with a budget, an organizer and two events through the
API, and has the residents check in with `POST /v1/checkins` on the code the organizer's screen shows
(fetched again every 10 s, as a screen does):

1. **burst**: C phones at a time (closed loop) until every resident has checked in to the first event: the
   most claims per second the service gives, and their latency at that load;
2. **paced**: claims arrive at R per second (open loop, latency counted from the moment each claim was due,
   so a late client cannot hide a slow server) until every resident has checked in to the second event.

Every claim is a `grant` drawing on the same program budget, one budget row locked by every batch. Then
pgbench TPC-B-like on a database of its own on the same server, for the ratio `docs/benchmarks.md` records.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import subprocess
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.figures import percentile, server_cpu_seconds
from bench.http_client import Client, TransportError
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
from mitapo.accounts import auth, residents
from mitapo.engine import clock, codes
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.points import checkins, programs

POINTS = 50
STEP_SECONDS = 30
CODE_REFRESH_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Phase:
    name: str
    claims: int
    refused: int
    seconds: float
    latencies_ms: list[float]
    server_cpu_seconds: float = 0.0

    @property
    def server_cpu_ms_per_claim(self) -> float:
        return self.server_cpu_seconds * 1000 / max(1, self.claims + self.refused)

    @property
    def rate(self) -> float:
        return self.claims / self.seconds

    def percentile(self, p: int) -> float:
        return percentile(self.latencies_ms, p)


@dataclass
class Festival:
    http: Client
    admin: str
    organizer: str
    program: str
    residents: list[str]

    def auth(self, secret: str, *, key: bool = False) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {secret}"}
        return {**headers, "Idempotency-Key": uuid.uuid4().hex} if key else headers

    async def call(self, method: str, path: str, secret: str, body: Any = None, *, key: bool = False) -> Any:
        return await self.http.call(method, path, json=body, headers=self.auth(secret, key=key))

    async def event(self, title: str) -> str:
        start = datetime.now(UTC) - timedelta(minutes=5)
        body = {
            "program_id": self.program,
            "title": title,
            "points": POINTS,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
            "capacity": len(self.residents),
        }
        created = await self.call("POST", "/v1/events", self.organizer, body)
        return str(created["id"])


async def make_residents(url: str, count: int) -> tuple[str, list[dict[str, str]]]:
    """An admin secret and `count` residents' `{id, token}`, made in-process: the setup is not measured."""
    db = Database(url)
    await db.start()
    try:
        _, admin = await auth.create_principal(db, "admin", "festival bench")
        people: list[dict[str, str]] = []
        for start in range(0, count, 200):
            made = await asyncio.gather(
                *(residents.create(db, f"来場者 {n}") for n in range(start, min(count, start + 200)))
            )
            people.extend({"id": str(r["id"]), "token": str(r["token"])} for r in made)
    finally:
        await db.close()
    return admin, people


async def open_festival(http: Client, admin: str, secrets: list[str]) -> Festival:
    festival = Festival(http, admin, "", "", secrets)
    program = await festival.call(
        "POST", "/v1/programs", admin, {"name": "三鷹 夏まつり", "points_valid_days": 180}
    )
    festival.program = program["id"]
    budget = {"points": POINTS * len(secrets) * 3}
    await festival.call("POST", f"/v1/programs/{festival.program}/funding", admin, budget, key=True)
    organizer = await festival.call("POST", "/v1/organizers", admin, {"name": "まつり実行委員会"})
    festival.organizer = organizer["token"]
    grant = {"organizer_id": organizer["id"]}
    await festival.call("POST", f"/v1/programs/{festival.program}/organizers", admin, grant)
    return festival


class Screen:
    """The organizer's screen: the event's current code, fetched again every few seconds."""

    def __init__(self, festival: Festival, event_id: str) -> None:
        self.festival, self.event_id, self.payload = festival, event_id, ""
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Screen:
        await self._refresh()
        self._task = asyncio.create_task(self._keep_fresh())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _refresh(self) -> None:
        code = await self.festival.call(
            "GET", f"/v1/events/{self.event_id}/checkin-code", self.festival.organizer
        )
        self.payload = code["payload"]

    async def _keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(CODE_REFRESH_SECONDS)
            await self._refresh()


async def claim(festival: Festival, screen: Screen, secret: str) -> bool:
    """True when the points were granted; a refusal or a dropped connection counts against the service."""
    try:
        answer = await festival.http.request(
            "POST", "/v1/checkins", json={"payload": screen.payload}, headers=festival.auth(secret, key=True)
        )
    except TransportError:
        return False
    return answer.status == 201


async def burst(festival: Festival, event_id: str, clients: int) -> Phase:
    """`clients` phones at a time, each taking the next resident in the queue until the queue is empty."""
    queue = list(reversed(festival.residents))
    latencies: list[float] = []
    refused = 0

    async with Screen(festival, event_id) as screen:

        async def phone() -> None:
            nonlocal refused
            while queue:
                secret = queue.pop()
                began = time.perf_counter()
                if await claim(festival, screen, secret):
                    latencies.append((time.perf_counter() - began) * 1000)
                else:
                    refused += 1

        started = time.perf_counter()
        await asyncio.gather(*(phone() for _ in range(clients)))
        seconds = time.perf_counter() - started
    return Phase(f"burst, {clients} phones at a time", len(latencies), refused, seconds, latencies)


async def paced(festival: Festival, event_id: str, rate: float) -> Phase:
    """Claims due at `rate` per second; each one's latency counts from when it was due.

    One dispatcher starts each claim when it is due, rather than 2,000 tasks started at once that sleep until
    their moment: starting them all took the client long enough to make the first claims late."""
    latencies: list[float] = []
    refused = 0
    loop = asyncio.get_running_loop()

    async def arrive(due: float, secret: str) -> None:
        nonlocal refused
        if await claim(festival, screen, secret):
            latencies.append((loop.time() - due) * 1000)
        else:
            refused += 1

    async with Screen(festival, event_id) as screen, asyncio.TaskGroup() as claims:
        started = loop.time()
        for n, secret in enumerate(festival.residents):
            due = started + n / rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            claims.create_task(arrive(due, secret))
    seconds = loop.time() - started
    return Phase(f"paced at {rate:g}/s", len(latencies), refused, seconds, latencies)


async def in_process(url: str, event_id: str, resident_ids: list[str], clients: int) -> Phase:
    """The same claims through `services.checkins.claim` on a Runtime in this process, `clients` at a
    time: what the claim and the ledger cost when HTTP costs nothing, to tell the two apart."""
    runtime = await start_runtime(url)
    queue = list(reversed(resident_ids))
    latencies: list[float] = []

    async def phone() -> None:
        while queue:
            resident_id = queue.pop()
            payload = codes.issue_checkin(runtime.keys, event_id, clock.now(), STEP_SECONDS).payload
            key = Idempotency(scope=resident_id, key=uuid.uuid4().hex, request_hash=b"festival")
            began = time.perf_counter()
            await checkins.claim(
                runtime.db, runtime.keys, resident_id, payload, clock.now(), STEP_SECONDS, idempotency=key
            )
            latencies.append((time.perf_counter() - began) * 1000)

    try:
        cpu, started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(phone() for _ in range(clients)))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await runtime.stop()
    return Phase(f"service, no HTTP, {clients} at a time", len(latencies), 0, seconds, latencies, cpu)


async def measure(url: str, options: argparse.Namespace) -> tuple[list[Phase], dict[str, Any]]:
    admin, people = await make_residents(url, options.residents)
    secrets = [person["token"] for person in people]
    data_dir = Path(tempfile.mkdtemp(prefix="mitapo-festival-"))
    process, base = start_server(
        url, data_dir, server=options.server, workers=options.workers, writer=options.writer
    )
    try:
        async with Client(base, connections=max(options.clients, 64)) as http:
            festival = await open_festival(http, admin, secrets)
            phases = []
            for title, run_phase in (
                ("盆踊り", functools.partial(burst, festival, clients=options.clients)),
                ("花火", functools.partial(paced, festival, rate=options.rate)),
            ):
                event = await festival.event(title)
                cpu = server_cpu_seconds(process.pid)
                phase = await run_phase(event)
                phases.append(
                    dataclasses.replace(phase, server_cpu_seconds=server_cpu_seconds(process.pid) - cpu)
                )
            quiet_event = await festival.event("後夜祭")
    finally:
        stop(process)
    phases.append(await in_process(url, quiet_event, [person["id"] for person in people], options.clients))
    return phases, await _program(url, festival.program)


async def _program(url: str, program_id: str) -> dict[str, Any]:
    db = Database(url)
    await db.start()
    try:
        described: dict[str, Any] = await programs.describe(db, program_id)
    finally:
        await db.close()
    return described


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def run(options: argparse.Namespace) -> None:
    server, url = await fresh_database(Options())
    try:
        settings = await server_settings(url)
        say(f"{options.residents} residents, two events, one budget ...")
        phases, program = await measure(url, options)
        say(f"pgbench TPC-B-like, scale 8, 32 clients, {options.pgbench_seconds} s ...")
        pgbench = await tpcb(server, scale=8, seconds=options.pgbench_seconds)
    finally:
        await drop_database(server, url)
    print(f"machine: {machine()}\npostgresql: {settings}\n")
    print(
        f"{'phase':32} {'claims':>7} {'refused':>7} {'claims/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu ms':>7}"
    )
    for p in phases:
        figures = (
            f"{p.rate:9,.0f} {p.percentile(50):8.1f} {p.percentile(99):8.1f} {p.server_cpu_ms_per_claim:7.2f}"
        )
        print(f"{p.name:32} {p.claims:7} {p.refused:7} {figures}")
    print("(cpu ms: CPU time per claim of the service's processes: HTTP, auth, the claim and the writer;")
    print(" without HTTP: of this process, the claim and the writer)")
    print(f"{'pgbench TPC-B @32 (tps)':32} {pgbench.tps:34,.0f}\n")
    granted = sum(p.claims for p in phases) * POINTS
    print(
        f"granted_total {program['granted_total']} (claims x {POINTS} = {granted}),"
        f" budget_remaining {program['budget_remaining']}"
    )
    print(f"{'HTTP burst claims/s ÷ pgbench tps':40} {phases[0].rate / pgbench.tps:6.2f}")
    print(f"{'no-HTTP claims/s ÷ pgbench tps':40} {phases[-1].rate / pgbench.tps:6.2f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.festival", description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=32, help="phones at a time in the burst (default 32)")
    parser.add_argument(
        "--rate", type=float, default=300.0, help="claims per second when paced (default 300)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="service processes, as `mitapo serve --workers`"
    )
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--server", choices=("uvicorn", "granian"), default="uvicorn", help="the ASGI server")
    parser.add_argument(
        "--writer",
        choices=("inline", "process"),
        help="serve with `mitapo serve --writer W` instead of the ASGI server directly",
    )
    parser.add_argument("--quick", action="store_true", help="200 residents, 5 s of pgbench")
    options = parser.parse_args(argv)
    if options.quick:
        options.residents, options.pgbench_seconds = 200, 5
    asyncio.run(run(options))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
