"""A Jepsen-style bank run: concurrent clients move points and money through the service while its database
connections are cut, PostgreSQL crashes and a worker is killed; afterwards nothing was lost, invented or
written twice, and the journal verifies.

    python -m tests.faults.bank_run --seconds 600 --clients 32

The service runs as `mitapo serve --workers N` on a fresh PostgreSQL cluster of the run's own (so crashing
it disturbs nothing else). The clients (`clients.py`) top up, pay, refund, give and check in; the faults
(`nemesis.py`) follow a schedule; the checks (`checks.py`) compare the clients' histories with the journal.
It prints the figures and exits 0 only when every check holds. docs/reliability.md records a long run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from mitapo.engine import migrate
from mitapo.engine.keys import load_keyring
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from tests.faults import checks, town
from tests.faults.clients import KINDS, Client, History, Read, read_balances
from tests.faults.cluster import Cluster
from tests.faults.nemesis import Fault, Schedule, inflict
from tests.faults.service import Service, serving

DATABASE = "mitapo"
SERVICE_SETTINGS = {
    "MITAPO_CHECKPOINT_INTERVAL": "5",  # checkpoints are signed during the faults too
    "MITAPO_GIFT_DAILY_LIMIT": "100000000",  # the run's few residents give all day long
}
READY_ATTEMPTS = 1200  # × 0.1 s: the service answers again after the last fault


@dataclass(frozen=True)
class Options:
    seconds: float = 600.0
    clients: int = 32
    workers: int = 3
    residents: int = 64
    shops: int = 8
    events: int = 200
    patience: float = 60.0
    seed: int = 1
    keep: bool = False
    writer: str = "inline"  # `mitapo serve --writer`: "process" also SIGKILLs the writer's process
    writer_faults_only: bool = False  # the writer's process killed, and no other fault


@dataclass
class Report:
    options: Options
    history: History
    reads: list[Read]
    faults: list[Fault]
    figures: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=Options.seconds)
    parser.add_argument("--clients", type=int, default=Options.clients)
    parser.add_argument("--workers", type=int, default=Options.workers)
    parser.add_argument("--seed", type=int, default=Options.seed)
    parser.add_argument("--keep", action="store_true", help="keep the cluster, logs and export")
    parser.add_argument("--writer", choices=("inline", "process"), default=Options.writer)
    args = parser.parse_args(argv)
    options = Options(
        args.seconds, args.clients, args.workers, seed=args.seed, keep=args.keep, writer=args.writer
    )
    report = asyncio.run(bank_run(options))
    print(render(report))
    return 0 if report.ok else 1


async def bank_run(options: Options) -> Report:
    directory = Path(tempfile.mkdtemp(prefix="mitapo-bank-run-", dir="/tmp"))
    cluster = Cluster.create(directory)
    await asyncio.to_thread(cluster.start)
    try:
        return await _on(cluster, directory, options)
    except Exception:
        _print_log_tail(directory / "service.log")
        raise
    finally:
        await asyncio.to_thread(cluster.stop)
        if not options.keep:
            shutil.rmtree(directory, ignore_errors=True)
        else:
            print(f"kept {directory}", file=sys.stderr)


def _print_log_tail(log: Path, lines: int = 60) -> None:
    """What the service said last, before its directory goes: a failed run in CI is read from this alone."""
    if log.exists():
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        print(f"--- the last {len(tail)} lines of {log.name} ---", *tail, sep="\n", file=sys.stderr)


async def _on(cluster: Cluster, directory: Path, options: Options) -> Report:
    url = await cluster.create_database(DATABASE)
    await asyncio.to_thread(migrate.upgrade, url)
    state = directory / "state"
    load_keyring(Settings(data_dir=state).key_path)  # one signing key for every worker and for the checks
    admin, auditor = await town.first_secrets(url, state)
    log = directory / "service.log"
    settings = {**SERVICE_SETTINGS, "MITAPO_WRITER": options.writer}
    with serving(url, state, options.workers, settings, log) as service:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=60) as http:
            hours = options.seconds / 3600 + 1
            the_town = await town.build(
                http, admin, auditor, options.residents, options.shops, options.events, hours
            )
            seeded = set(await checks.entries(url))
            report = await _run(http, the_town, cluster, service, options)
            await _until_ready(http)
            writer = service.writer()
            report.figures["writer process at the end"] = "none" if writer is None else f"pid {writer.pid}"
            await _checkpoint(url, state)
            await _check(report, http, auditor.secret, url, directory, seeded)
    return report


async def _run(
    http: httpx.AsyncClient, the_town: town.Town, cluster: Cluster, service: Service, options: Options
) -> Report:
    loop = asyncio.get_running_loop()
    history, reads = History(), list[Read]()
    started = loop.time()
    deadline = started + options.seconds
    clients = [
        Client(http, the_town, history, random.Random(options.seed * 1000 + n), options.patience)
        for n in range(options.clients)
    ]
    schedule = (
        Schedule.writer_only(options.seconds)
        if options.writer_faults_only
        else Schedule.spread(options.seconds, writer_process=options.writer == "process")
    )
    faults = asyncio.create_task(inflict(schedule, cluster, DATABASE, service, random.Random(options.seed)))
    await asyncio.gather(
        read_balances(http, the_town.auditor, deadline, reads),
        *(client.run_until(deadline) for client in clients),
    )
    report = Report(options, history, reads, await faults)
    report.figures["run seconds"] = round(loop.time() - started, 1)
    for op in history.ops:
        op.invoked -= started
        op.completed -= started
    return report


async def _until_ready(http: httpx.AsyncClient) -> None:
    last = "no answer"
    for _ in range(READY_ATTEMPTS):
        try:
            answer = await http.get("/readyz", timeout=5)
        except httpx.TransportError as exc:
            last = repr(exc)
        else:
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text}"
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the service did not answer /readyz after the run; last: {last}")


async def _checkpoint(url: str, state: Path) -> None:
    """Seal what is left and sign a checkpoint at the head, so that the export covers every entry."""
    runtime = Runtime(Settings(data_dir=state), url)
    await runtime.start(migrate_first=False, background=False)
    try:
        await runtime.checkpoint_now()
    finally:
        await runtime.stop()


async def _check(
    report: Report, http: httpx.AsyncClient, auditor: str, url: str, directory: Path, seeded: set[str]
) -> None:
    journal = await checks.entries(url)
    problems, figures = report.problems, report.figures
    problems += checks.against_journal(report.history, await checks.recorded_keys(url), journal, seeded)
    problems += checks.reads_balanced(report.reads)
    problems += await checks.negative_balances(url)
    figures["journal entries"] = (
        f"{len(journal)} ({len(seeded)} making the town, {len(journal) - len(seeded)} in the run)"
    )
    verified, found = await checks.service_verification(http, auditor, len(journal))
    problems += found
    head = verified.get("head") or {}
    figures["GET /v1/audit/verify"] = (
        f"ok={verified.get('ok')}, {verified.get('entries_checked')} entries, head seq {head.get('seq')}"
    )
    exported, public_keys = await checks.export(http, auditor, directory)
    headers = {"Authorization": f"Bearer {auditor}"}
    trial = (await http.get("/v1/audit/trial-balance", headers=headers)).json()
    replayed, found = checks.replay(exported, trial)
    problems += found
    if replayed != len(journal):
        problems.append(f"the export holds {replayed} entries of {len(journal)}")
    figures["export replayed"] = f"{replayed} entries, every asset summing to 0, equal to the trial balance"
    said, found = checks.offline_verifier(exported, public_keys)
    problems += found
    figures["mitapo-ledger verify"] = said


def render(report: Report) -> str:
    """The figures, as docs/reliability.md quotes them."""
    options, history = report.options, report.history
    outcomes = history.outcomes()
    lines = [
        f"bank run: {options.seconds:.0f} s, {options.clients} clients, {options.workers} workers, "
        f"writer {options.writer}, "
        f"{options.residents} residents, {options.shops} shops, seed {options.seed}",
        f"operations: {len(history.ops)} ({len(history.ops) / max(options.seconds, 1):.0f}/s), "
        f"{history.lost_answers} answers lost and sent again with the same key",
    ]
    took = sorted(op.completed - op.invoked for op in history.ops if op.outcome != "unknown")
    if took:
        p50, p99 = took[len(took) // 2], took[min(len(took) - 1, len(took) * 99 // 100)]
        lines.append(
            f"answered in (retries included): median {p50:.3f} s, p99 {p99:.2f} s, max {took[-1]:.2f} s"
        )
    for kind in KINDS:
        counts = ", ".join(f"{outcome} {outcomes[(kind, outcome)]}" for outcome in ("ok", "fail", "unknown"))
        codes = Counter(op.code for op in history.ops if op.kind == kind and op.outcome == "fail")
        refused = ", ".join(f"{code} {n}" for code, n in codes.most_common())
        lines.append(f"  {kind:8} {counts}" + (f"  (refused: {refused})" if refused else ""))
    lines.append("faults:")
    lines += [f"  {f.at:6.1f} s  {f.what}: {f.detail}" for f in report.faults]
    consistent = sum(r.consistent for r in report.reads)
    lines.append(f"trial balance read {len(report.reads)} times during the run, {consistent} balanced")
    lines += [f"{name}: {value}" for name, value in report.figures.items()]
    lines.append("checks: all hold" if report.ok else f"checks: {len(report.problems)} PROBLEMS")
    lines += [f"  PROBLEM {p}" for p in report.problems[:50]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
