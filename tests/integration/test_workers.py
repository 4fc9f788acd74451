"""The service as several processes against one database: `mitapo serve --workers 2` on one port and a
second `mitapo serve` on another, each with its own group-commit writer, sealer and checkpointer. Requests
are sent to both at once; every guarantee must hold across them: a key answers once and replays the same
answer, a spent token stays spent, a key reused with another body is refused, and the chain sealed by
competing sealers is gapless and verifies."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from mitapo.accounts import auth
from mitapo.audit import reports
from mitapo.engine import ledger, sealer
from mitapo.engine.keys import load_keyring
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from tests.api.conftest import METRICS_SECRET
from tests.deploy.processes import VENV_BIN, free_port, service_env, serving

T = TypeVar("T")
pytestmark = pytest.mark.slow


def with_runtime(url: str, state: Path, job: Callable[[Runtime], Awaitable[T]]) -> T:
    async def main() -> T:
        runtime = Runtime(Settings(data_dir=state), url)
        await runtime.start(migrate_first=False, background=False)
        try:
            return await job(runtime)
        finally:
            await runtime.stop()

    return asyncio.run(main())


async def _seal_everything(url: str) -> None:
    """Wait for the servers' sealers by taking their lock (blocking), then seal what is left."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", sealer.SEALER_LOCK)
        while await sealer.seal_pending(conn) > 0:
            pass
        await conn.execute("SELECT pg_advisory_unlock($1)", sealer.SEALER_LOCK)
    finally:
        await conn.close()


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    state = tmp_path / "state"
    load_keyring(Settings(data_dir=state).key_path)  # the signing key every process shares
    env = {
        "MITAPO_SEAL_INTERVAL": "0.02",
        "MITAPO_CHECKPOINT_INTERVAL": "0.2",
        "MITAPO_METRICS_SECRET": METRICS_SECRET,
    }
    first, second = free_port(), free_port()
    mitapo = str(VENV_BIN / "mitapo")
    with ExitStack() as stack:
        a = stack.enter_context(
            serving(
                [mitapo, "serve", "--port", str(first), "--workers", "2"],
                service_env(database_url, state, **env),
                first,
                tmp_path / "a.log",
            )
        )
        b = stack.enter_context(
            serving(
                [mitapo, "serve", "--port", str(second)],
                service_env(database_url, state, **env),
                second,
                tmp_path / "b.log",
            )
        )
        yield a, b


def _post(base_url: str, path: str, secret: str, body: Any, key: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": key}
    return httpx.post(f"{base_url}{path}", json=body, headers=headers, timeout=60)


def _fan_out(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def test_guarantees_hold_across_processes(
    two_servers: tuple[str, str], database_url: str, tmp_path: Path
) -> None:
    state = tmp_path / "state"

    async def setup(runtime: Runtime) -> tuple[str, list[str]]:
        _, secret = await auth.create_principal(runtime.db, "admin", "clerk")
        funded = [await ledger.fund_program(runtime.db, f"p{i % 3}", 100 + i) for i in range(20)]
        return secret, [str(w.entry_id) for w in funded]

    admin, entries = with_runtime(database_url, state, setup)
    servers = itertools.cycle(two_servers)

    def reversal(entry: str, key: str, reason: str = "r") -> Callable[[], httpx.Response]:
        base_url = next(servers)
        return lambda: _post(base_url, f"/v1/entries/{entry}/reversal", admin, {"reason": reason}, key)

    # One key, sent to both processes at once: written once, the same answer everywhere.
    same_key = _fan_out([reversal(entries[0], "one-key") for _ in range(10)])
    assert {r.status_code for r in same_key} == {201}, [r.text for r in same_key]
    assert len({r.json()["entry_id"] for r in same_key}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") != "true" for r in same_key) == 1

    # That key with another body, at either process: refused.
    for base_url in two_servers:
        mismatch = _post(base_url, f"/v1/entries/{entries[0]}/reversal", admin, {"reason": "x"}, "one-key")
        assert mismatch.status_code == 422 and mismatch.json()["code"] == "idempotency_mismatch"

    # One entry reversed under ten different keys at once: one claim wins, in whichever process.
    claims = _fan_out([reversal(entries[1], f"claim-{i}") for i in range(10)])
    assert sorted(r.status_code for r in claims) == [201] + [409] * 9, [r.text for r in claims]
    assert {r.json()["code"] for r in claims if r.status_code == 409} == {"already_reversed"}

    # Many writes on the same hot accounts (three budgets, the city's issuance) from both processes.
    load = _fan_out([reversal(entry, f"load-{entry}") for entry in entries[2:]])
    assert {r.status_code for r in load} == {201}, [r.text for r in load if r.status_code != 201]

    asyncio.run(_seal_everything(database_url))
    expected = len(entries) * 2  # every funding and its one reversal
    result = with_runtime(database_url, state, lambda runtime: reports.verify(runtime.db))
    assert result.ok, result.problems
    assert result.entries_checked == result.head_seq == expected
    for base_url in two_servers:
        seen = httpx.get(
            f"{base_url}/v1/audit/verify", headers={"Authorization": f"Bearer {admin}"}, timeout=60
        )
        assert seen.json()["ok"] is True and seen.json()["head"]["seq"] == expected
    keys = httpx.get(f"{two_servers[1]}/v1/audit/public-keys", timeout=60).json()["keys"]
    assert len(keys) == 1

    # The first server's two workers: any one of them answers /metrics with both workers' numbers summed.
    sent_to_first = len(same_key + claims + load) // 2 + 1  # every other request, and one mismatch
    scrape = {"Authorization": f"Bearer {METRICS_SECRET}"}
    answer = httpx.get(f"{two_servers[0]}/metrics", headers=scrape, timeout=60)
    scraped = text_string_to_metric_families(answer.text)
    samples = [sample for family in scraped for sample in family.samples]
    answered = sum(
        s.value
        for s in samples
        if s.name == "mitapo_http_request_duration_seconds_count"
        and s.labels["route"] == "/v1/entries/{entry_id}/reversal"
    )
    assert answered == sent_to_first
    kinds = {s.labels["kind"]: s.value for s in samples if s.name == "mitapo_journal_entries_total"}
    assert kinds == {"funding": len(entries), "reversal": len(entries)}
