"""Secrets and roles. A secret is shown once and stored only as its SHA-256 (it is 256 random bits, so a
plain hash cannot be reversed by guessing); its prefix names its role so a leaked one is recognisable."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
import time
import uuid

import asyncpg

from mitapo.accounts import principals, tables
from mitapo.accounts.principals import PrincipalView
from mitapo.engine.commands import Command, Idempotency, Row
from mitapo.engine.database import Database
from mitapo.engine.ledger import post

ROLES = ("admin", "auditor", "organizer", "resident", "merchant", "operator")
PREFIX = {
    "admin": "adm",
    "auditor": "aud",
    "organizer": "org",
    "resident": "res",
    "merchant": "mk",
    "operator": "op",
}
CACHE_SECONDS = 5.0


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def new_secret(role: str) -> str:
    return f"mtp_{PREFIX[role]}_{secrets.token_urlsafe(32)}"


def principal_row(principal_id: str, role: str, name: str, secret: str) -> Row:
    return Row(
        tables.principals,
        {"id": principal_id, "role": role, "name": name, "secret_hash": hash_secret(secret)},
    )


async def create_principal(
    db: Database, role: str, name: str, *, idempotency: Idempotency | None = None
) -> tuple[str, str]:
    """Create a principal; return (id, secret). The secret is never stored, so a replay cannot show it."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    principal_id = f"{PREFIX[role]}_{uuid.uuid4().hex[:16]}"
    secret = new_secret(role)
    written = await post(
        db,
        Command(
            kind=None,
            rows=(principal_row(principal_id, role, name, secret),),
            idempotency=idempotency,
            result=lambda _: {"id": principal_id},
        ),
    )
    if written.replayed:
        return str(written.result["id"]), ""
    return principal_id, secret


REVOKED_CHANNEL = "mitapo_revoked"
"""PostgreSQL NOTIFY channel: the id of a principal whose secrets stopped (`notify_revoked`)."""
RELISTEN_SECONDS = 1.0


async def notify_revoked(conn: asyncpg.Connection, principal_id: str) -> None:
    """In the revoking transaction: every process's authenticator forgets the principal when it commits."""
    await conn.execute("SELECT pg_notify($1, $2)", REVOKED_CHANNEL, principal_id)


class Authenticator:
    """Looks secrets up, remembering answers for a few seconds so a busy till costs one query per key.

    It remembers only while it listens for revocations (`listen`): a revocation in any process reaches it by
    NOTIFY at commit, so a revoked secret is refused by every worker on its next request. Without the
    listening connection (not started, or lost until it is back) every request asks the database."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache: dict[bytes, tuple[float, PrincipalView | None]] = {}
        self._listener: asyncpg.Connection | None = None
        self._relisten: asyncio.Task[None] | None = None
        self._revocations = 0  # a lookup that a revocation overtook is not remembered

    async def start(self) -> None:
        """Listen, or go on without remembering (and try again every second) if the database is away."""
        try:
            await self.listen()
        except (OSError, asyncpg.PostgresError):
            self._relisten = asyncio.get_running_loop().create_task(self._listen_again())

    async def listen(self) -> None:
        listener = await asyncpg.connect(self._db.url)
        await listener.add_listener(REVOKED_CHANNEL, self._on_revoked)
        listener.add_termination_listener(self._on_lost)
        self._cache.clear()
        self._listener = listener

    async def close(self) -> None:
        if self._relisten is not None:
            self._relisten.cancel()
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            await listener.close()

    def _on_revoked(self, _conn: object, _pid: int, _channel: str, principal_id: object) -> None:
        self._revocations += 1
        self.forget(str(principal_id))

    def _on_lost(self, _conn: object) -> None:
        self._listener = None
        self._cache.clear()
        self._relisten = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        while self._listener is None:
            await asyncio.sleep(RELISTEN_SECONDS)
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                await self.listen()

    async def __call__(self, secret: str) -> PrincipalView | None:
        digest = hash_secret(secret)
        now = time.monotonic()
        listening = self._listener is not None and not self._listener.is_closed()
        cached = self._cache.get(digest)
        if listening and cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        revocations = self._revocations
        async with self._db.lookup() as conn:
            found = await principals.by_secret_hash(conn, digest)
        if not listening or revocations != self._revocations:
            return found
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, found)
        return found

    def forget(self, principal_id: str) -> None:
        """Drop what is remembered of a principal, so that a closed account stops at once in this process."""
        for digest, (_, found) in list(self._cache.items()):
            if found is not None and found.id == principal_id:
                del self._cache[digest]
