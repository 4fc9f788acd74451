"""Telling shops what happened: `payment.succeeded` and `refund.succeeded`, through an outbox.

The event is a row written by the writer in the very transaction of the entry it announces (`event_row`), so
there is never an event without its payment, nor a payment whose event is lost. A background job
(`deliver_due`) posts due events to the shop's URL, signed with the service's current Ed25519 key and the
time of sending (`mitapo_merchant.webhooks.sign`, what the SDK's `verify` checks), and retries failures with
exponential backoff: at least once, so shops deduplicate by event id, as the SDK's README tells them.

It goes out only through `egress.GuardedBackend`: to a public address checked when connecting, never
following a redirect, never through a proxy taken from the environment.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import anyio
import httpcore
import structlog

from mitapo.engine import clock
from mitapo.engine.commands import Row
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo.engine.keys import KeyRing
from mitapo.payments import egress, reads, tables
from mitapo.payments.reads import OutboxItem
from mitapo_merchant import webhooks as signatures

log = structlog.get_logger(__name__)

PAYMENT_SUCCEEDED = signatures.PAYMENT_SUCCEEDED
REFUND_SUCCEEDED = signatures.REFUND_SUCCEEDED
FIRST_RETRY = timedelta(seconds=10)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 16
LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 10.0


def event_row(merchant_id: str, event_type: str, data: Mapping[str, Any], created_at: datetime) -> Row:
    """The outbox row to add to the command that writes the entry this event announces."""
    return Row(
        tables.webhook_outbox,
        {
            "id": uuid.uuid4(),
            "merchant_id": merchant_id,
            "type": event_type,
            "payload": json.dumps(dict(data), ensure_ascii=False),
            "created_at": created_at,
        },
    )


def retry_at(attempts_before: int, now: datetime) -> datetime | None:
    """When to try again after the `attempts_before + 1`-th failure: 10 s, 20 s, 40 s … at most an hour
    apart, and never again after MAX_ATTEMPTS."""
    if attempts_before + 1 >= MAX_ATTEMPTS:
        return None
    return now + min(FIRST_RETRY * (1 << attempts_before), LONGEST_WAIT)


async def deliver_due(
    db: Database,
    keys: KeyRing,
    *,
    now: datetime | None = None,
    policy: egress.Policy = egress.STRICT,
    limit: int = 100,
) -> int:
    """Deliver the events due at `now` to the addresses `policy` allows; return how many were delivered.
    Tests pass `now` to step over the backoff instead of waiting for it."""
    now = now or clock.now()
    async with db.raw() as conn:
        due = await reads.claim_due(conn, now, now + LEASE, limit)
    if not due:
        return 0
    backend = egress.GuardedBackend(policy)
    tls = ssl.create_default_context()
    async with httpcore.AsyncConnectionPool(ssl_context=tls, network_backend=backend) as pool:
        outcomes = await asyncio.gather(*(_send(pool, keys, item, policy) for item in due))
    async with db.raw() as conn:
        for item, error in zip(due, outcomes, strict=True):
            if error is None:
                await reads.mark_delivered(conn, item.id, clock.now())
            else:
                log.info("webhook.failed", event_id=str(item.id), attempt=item.attempts + 1, error=error)
                await reads.mark_failed(conn, item.id, error, retry_at(item.attempts, now), clock.now())
    return sum(1 for error in outcomes if error is None)


def body_of(item: OutboxItem) -> bytes:
    event = signatures.WebhookEvent(
        id=str(item.id), type=item.type, created_at=item.created_at, data=item.payload
    )
    return event.to_body()


_FAILURES = (
    DomainError,
    TimeoutError,
    httpcore.NetworkError,
    httpcore.TimeoutException,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


async def _send(
    pool: httpcore.AsyncConnectionPool, keys: KeyRing, item: OutboxItem, policy: egress.Policy
) -> str | None:
    """Post one event; None when the shop took it (any 2xx), else what went wrong (a redirect too)."""
    body = body_of(item)
    header = signatures.sign(body, keys.current, timestamp=int(clock.now().timestamp()))
    headers = [(signatures.SIGNATURE_HEADER, header), ("Content-Type", "application/json")]
    try:
        egress.target_of(item.url, policy)
        with anyio.fail_after(TIMEOUT_SECONDS):
            response = await pool.request("POST", item.url, headers=headers, content=body)
    except _FAILURES as error:
        code = error.code.value if isinstance(error, DomainError) else type(error).__name__
        return f"{code}: {error}"
    if 200 <= response.status < 300:
        return None
    return f"HTTP {response.status}"
