"""Secrets and roles. A secret is shown once and stored only as its SHA-256 (it is 256 random bits, so a
plain hash cannot be reversed by guessing); its prefix names its role so a leaked one is recognisable."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid

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
# Never remembered: counter staff revoke a resident's lost phone at any moment, and the old phone must be
# refused on its very next request by every worker (a resident's calls are seconds apart: one indexed lookup
# each costs little; busy tills and readers are what the cache is for).
UNCACHED_ROLES = frozenset({"resident"})


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


class Authenticator:
    """Looks secrets up, remembering answers for a few seconds so a busy till costs one query per key."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache: dict[bytes, tuple[float, PrincipalView | None]] = {}

    async def __call__(self, secret: str) -> PrincipalView | None:
        digest = hash_secret(secret)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        async with self._db.lookup() as conn:
            found = await principals.by_secret_hash(conn, digest)
        if found is not None and found.role in UNCACHED_ROLES:
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
