"""Prometheus metrics at `/metrics`, for the city's monitoring: only to a scraper that sends the metrics
secret (`Authorization: Bearer $MITAPO_METRICS_SECRET`); without that setting, not at all (404). The proxy
answers 404 to the public as well.

Counted as things happen: request latency per route (the route's template, never the raw path, so ids do
not explode the series), group-commit batch sizes and commit latency (the writer's observer), idempotent
replays, and refusals per error code. Read from the journal at scrape time: entries per kind (incrementally,
by `seq`) and how far sealing lags behind the writer. With several worker processes (`mitapo serve
--workers N`), PROMETHEUS_MULTIPROC_DIR makes every worker write its numbers to files that any one of them
sums up on a scrape (prometheus-client's multiprocess mode).
"""

from __future__ import annotations

import asyncio
import hmac
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from mitapo.engine import stats
from mitapo.engine.catalog import Code
from mitapo.engine.errors import DomainError, NotFound
from mitapo.runtime import Runtime

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram(
    "mitapo_http_request_duration_seconds", "Time to answer a request", ["method", "route", "status"]
)
BATCH_COMMANDS = Histogram(
    "mitapo_writer_batch_commands",
    "Commands decided and committed in one group-commit transaction",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
BATCH_SECONDS = Histogram(
    "mitapo_writer_batch_seconds",
    "Time from taking a batch to its commit (locks, decisions, writes, COMMIT)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
REPLAYS = Counter("mitapo_idempotent_replays", "Writes answered again from their Idempotency-Key")
REFUSALS = Counter("mitapo_refusals", "Requests refused, by problem code", ["code", "status"])
ABUSE = Counter(
    "mitapo_abuse_refusals", "Requests refused by an abuse limit (rates, lock-out, daily spending)", ["limit"]
)


_REQUEST_SERIES: dict[tuple[str, str, int], Any] = {}  # one per method, route template and status: bounded


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Each series looked up once (`labels` takes a lock and builds its key on every call)."""
    series = _REQUEST_SERIES.get((method, route, status))
    if series is None:
        series = _REQUEST_SERIES[method, route, status] = REQUEST_SECONDS.labels(method, route, str(status))
    series.observe(seconds)


def observe_batch(commands: int, seconds: float) -> None:
    """The writer's BatchObserver."""
    BATCH_COMMANDS.observe(commands)
    BATCH_SECONDS.observe(seconds)


def prepare_multiprocess(directory: Path) -> None:
    """Before the workers start: an empty directory for their metric files (stale files would add up)."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, mode=0o700)
    os.environ[MULTIPROC_ENV] = str(directory)


class JournalCollector(Collector):
    """Numbers read from the journal, refreshed before each scrape; one cache per database."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, dict[str, int]]] = {}
        self._current: tuple[dict[str, int], stats.SealBacklog, float] | None = None

    async def refresh(self, runtime: Runtime) -> None:
        after, kinds = self._seen.get(runtime.db.url, (0, {}))
        async with runtime.db.raw() as conn:
            new = await stats.sealed_since(conn, after)
            backlog = await stats.seal_backlog(conn)
        for kind, count in new.kinds.items():
            kinds[kind] = kinds.get(kind, 0) + count
        self._seen[runtime.db.url] = (new.head_seq, kinds)
        since_seal = asyncio.get_running_loop().time() - runtime.last_seal_ok
        self._current = (dict(kinds), backlog, since_seal)

    def collect(self) -> Iterator[Metric]:
        if self._current is None:
            return
        kinds, backlog, since_seal = self._current
        entries = CounterMetricFamily(
            "mitapo_journal_entries", "Sealed journal entries, by kind", labels=["kind"]
        )
        for kind, count in sorted(kinds.items()):
            entries.add_metric([kind], count)
        yield entries
        yield GaugeMetricFamily(
            "mitapo_seal_backlog_entries", "Committed entries not sealed yet", backlog.entries
        )
        yield GaugeMetricFamily(
            "mitapo_seal_lag_seconds",
            "Age of the oldest committed entry not sealed yet",
            backlog.oldest_seconds,
        )
        yield GaugeMetricFamily(
            "mitapo_sealer_seconds_since_success",
            "Time since this process's sealer last ran cleanly",
            since_seal,
        )


JOURNAL = JournalCollector()


def exposition() -> bytes:
    """This process's numbers, or every worker's summed up in multiprocess mode; then the journal's."""
    if MULTIPROC_ENV in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    journal = CollectorRegistry()
    journal.register(JOURNAL)
    return counted + generate_latest(journal)


def may_scrape(secret: str | None, authorization: str | None) -> bool:
    """Only a scraper that shows the metrics secret (`MITAPO_METRICS_SECRET`); with none set, nobody: the
    numbers tell an outsider how busy the service is, what fails and when it is fragile."""
    if not secret or not authorization or not authorization.startswith("Bearer "):
        return False
    return hmac.compare_digest(authorization.removeprefix("Bearer ").encode(), secret.encode())


@get("/metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]) -> Response[bytes]:
    if not runtime.settings.metrics_secret:
        raise NotFound("metrics")  # not served on this port at all
    if not may_scrape(runtime.settings.metrics_secret, request.headers.get("authorization")):
        raise DomainError(Code.UNAUTHORIZED, "the metrics secret is required")
    await JOURNAL.refresh(runtime)
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)
