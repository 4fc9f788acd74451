"""Before points expire: with the resident's consent (a Web Push subscription from their browser), a reminder
14 days and 3 days before a lot of their points expires, each sent once. The city turns it off with
`MITAPO_PUSH_REMINDERS=0`.

Sent with pywebpush (RFC 8291 encryption, RFC 8292 VAPID). The VAPID key is kept like the signing keys: a PEM
file under the key directory (`push/vapid.pem`), owner-only, made on first use; its public half is what the
browser subscribes with. A push service that says the subscription is gone (404, 410) has it deleted."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import structlog
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush
from sqlalchemy import text

from mitapo.engine.commands import Command, Row
from mitapo.engine.database import Database
from mitapo.engine.ledger import post
from mitapo.payments import egress
from mitapo.points import tables

DAYS_BEFORE = (14, 3)
VAPID_DIR = "push"
VAPID_FILE = "vapid.pem"
CONTACT = "mailto:mitapo@city.mitaka.tokyo.jp"
TIMEOUT_SECONDS = 10.0
log = structlog.get_logger()


def vapid_key(key_path: Path) -> Vapid02:
    """The service's VAPID key, made (owner-only) the first time it is asked for. It lives in a folder of its
    own under the signing keys' directory: every `*.pem` of that directory is an Ed25519 signing key."""
    directory = key_path / VAPID_DIR
    path = directory / VAPID_FILE
    if not path.exists():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Vapid02()
        key.generate_keys()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key.private_pem())
    return Vapid02.from_file(str(path))


def public_key(key: Vapid02) -> str:
    """The browser's `applicationServerKey`: the uncompressed P-256 point, base64url without padding."""
    raw = key.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def check_endpoint(endpoint: str, policy: egress.Policy) -> None:
    """A resident's browser names the push endpoint, so the service posts to it only under the rule a shop's
    webhook URL is under (`payments.egress`): `https`, and a host that is, and resolves only to, public
    addresses in every spelling; else `url_not_allowed`. The development policy also allows `http` and
    loopback (a test's push service stub), never private networks."""
    await egress.vet(endpoint, policy)


async def subscribe(db: Database, resident_id: str, endpoint: str, p256dh: str, auth: str) -> None:
    async with db.raw() as conn:
        await conn.execute(
            "INSERT INTO push_subscriptions (endpoint, resident_id, p256dh, auth) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (endpoint) DO UPDATE SET resident_id = excluded.resident_id, "
            "p256dh = excluded.p256dh, auth = excluded.auth",
            endpoint,
            resident_id,
            p256dh,
            auth,
        )


async def unsubscribe(db: Database, resident_id: str) -> int:
    """Withdraw consent: every subscription of the resident goes."""
    async with db.raw() as conn:
        status = await conn.execute("DELETE FROM push_subscriptions WHERE resident_id = $1", resident_id)
    return int(status.split()[-1])


async def subscribed(db: Database, resident_id: str) -> bool:
    async with db.raw() as conn:
        found = await conn.fetchval("SELECT 1 FROM push_subscriptions WHERE resident_id = $1", resident_id)
    return found is not None


@dataclass(frozen=True, slots=True)
class Due:
    resident_id: str
    expires_on: date
    days_before: int
    points: int
    subscriptions: list[dict[str, Any]]


_DUE = """
    WITH lots AS (
        SELECT b.owner, b.expires_on, w.days_before, sum(b.normal_sign * b.posted - b.pending) AS points
        FROM balances b
        JOIN unnest(CAST(:dates AS date[]), CAST(:days AS int[])) AS w(expires_on, days_before)
          ON w.expires_on = b.expires_on
        WHERE b.expires_on = ANY(:dates) AND b.owner LIKE 'resident:%' AND b.asset = 'PT'
          AND EXISTS (SELECT 1 FROM push_subscriptions s WHERE 'resident:' || s.resident_id = b.owner)
        GROUP BY b.owner, b.expires_on, w.days_before
        HAVING sum(b.normal_sign * b.posted - b.pending) > 0
    )
    SELECT l.owner, l.expires_on, l.days_before, l.points, s.endpoint, s.p256dh, s.auth
    FROM lots l
    JOIN push_subscriptions s ON 'resident:' || s.resident_id = l.owner
    WHERE NOT EXISTS (
        SELECT 1 FROM expiry_reminders r
        WHERE 'resident:' || r.resident_id = l.owner AND r.expires_on = l.expires_on
          AND r.days_before = l.days_before)
    ORDER BY l.owner, l.expires_on
"""


async def due(db: Database, today: date) -> list[Due]:
    """Lots expiring 14 or 3 days from today, of subscribed residents, not reminded of yet: one query for
    the whole batch, a row per lot and subscription."""
    dates = [today + timedelta(days=days) for days in DAYS_BEFORE]
    async with db.read() as conn:
        rows = (await conn.execute(text(_DUE), {"dates": dates, "days": list(DAYS_BEFORE)})).all()
    found: dict[tuple[str, date], Due] = {}
    for owner, expires_on, days, points, endpoint, p256dh, auth in rows:
        resident_id = owner.removeprefix("resident:")
        lot = found.setdefault((resident_id, expires_on), Due(resident_id, expires_on, days, int(points), []))
        lot.subscriptions.append({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}})
    return list(found.values())


def message(reminder: Due) -> str:
    body = (
        f"{reminder.points} pt が {reminder.expires_on:%m月%d日} に失効します（あと{reminder.days_before}日）"
    )
    return json.dumps(
        {"title": "みたポ", "body": body, "url": "/app", "tag": f"expiry-{reminder.expires_on}"}
    )


async def send_due(
    db: Database,
    key_dir: Path,
    today: date,
    now: datetime,
    *,
    enabled: bool,
    policy: egress.Policy = egress.STRICT,
) -> int:
    """Send every reminder due today; answer how many were sent. Each is recorded once it reached at least
    one of the resident's subscriptions, so a failed one is tried again on the next run."""
    if not enabled:
        return 0
    key = vapid_key(key_dir)
    sent = 0
    for reminder in await due(db, today):
        reached = 0
        for subscription in reminder.subscriptions:
            reached += await _push(db, key, subscription, message(reminder), policy)
        if reached:
            row = {
                "resident_id": reminder.resident_id,
                "expires_on": reminder.expires_on,
                "days_before": reminder.days_before,
                "points": reminder.points,
                "sent_at": now,
            }
            await post(db, Command(kind=None, rows=(Row(tables.expiry_reminders, row),)))
            sent += 1
    return sent


async def _push(
    db: Database, key: Vapid02, subscription: dict[str, Any], data: str, policy: egress.Policy
) -> int:
    endpoint = subscription["endpoint"]
    try:
        await check_endpoint(endpoint, policy)  # again: the name may lead elsewhere by now
        await asyncio.to_thread(
            webpush,
            subscription,
            data,
            vapid_private_key=key,
            vapid_claims={"sub": CONTACT},
            timeout=TIMEOUT_SECONDS,
            ttl=86_400,
        )
    except WebPushException as failure:
        status = failure.response.status_code if failure.response is not None else None
        log.warning("push failed", endpoint=urlsplit(endpoint).netloc, status=status)
        if status in (404, 410):
            async with db.raw() as conn:
                await conn.execute("DELETE FROM push_subscriptions WHERE endpoint = $1", endpoint)
        return 0
    except (egress.UrlNotAllowed, OSError) as failure:
        log.warning("push failed", endpoint=urlsplit(endpoint).netloc, error=type(failure).__name__)
        return 0
    return 1
