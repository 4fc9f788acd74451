"""Secrets and roles. A secret is shown once and stored only as its SHA-256 (it is 256 random bits, so a
plain hash cannot be reversed by guessing); its prefix names its role so a leaked one is recognisable."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence

from mitapo.accounts import principals, staff_log, tables
from mitapo.accounts.principals import PrincipalView, RevokedSecret
from mitapo.engine.commands import Command, Idempotency, Row
from mitapo.engine.database import Database
from mitapo.engine.gathering import Gathered
from mitapo.engine.ledger import post

ROLES = ("admin", "auditor", "organizer", "resident", "merchant", "operator", "clerk")
PREFIX = {
    "admin": "adm",
    "auditor": "aud",
    "organizer": "org",
    "resident": "res",
    "merchant": "mk",
    "operator": "op",
    "clerk": "clk",
}
CREATED = "principal.created"


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def new_secret(role: str) -> str:
    return f"mtp_{PREFIX[role]}_{secrets.token_urlsafe(32)}"


def created_by(actor: str | None, principal_id: str, role: str, name: str) -> tuple[Row, ...]:
    """The staff action log's line for a new principal, for the command that creates it (none without an
    actor)."""
    return () if actor is None else (staff_log.row(actor, CREATED, principal_id, f"{role}: {name}"),)


def principal_row(principal_id: str, role: str, name: str, secret: str) -> Row:
    return Row(
        tables.principals,
        {"id": principal_id, "role": role, "name": name, "secret_hash": hash_secret(secret)},
    )


async def create_principal(
    db: Database,
    role: str,
    name: str,
    *,
    idempotency: Idempotency | None = None,
    actor: str | None = None,
) -> tuple[str, str]:
    """Create a principal; return (id, secret). The secret is never stored, so a replay cannot show it.
    With `actor`, the staff action log records who created it, in the same transaction."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    principal_id = f"{PREFIX[role]}_{uuid.uuid4().hex[:16]}"
    secret = new_secret(role)
    logged = created_by(actor, principal_id, role, name)
    written = await post(
        db,
        Command(
            kind=None,
            rows=(principal_row(principal_id, role, name, secret), *logged),
            idempotency=idempotency,
            result=lambda _: {"id": principal_id},
        ),
    )
    if written.replayed:
        return str(written.result["id"]), ""
    return principal_id, secret


class Authenticator:
    """Looks every secret up, every time: a revoked secret must be refused by every worker process on its
    next request (`accounts.credentials`), which no per-process cache can promise. The secrets of requests
    that arrive together go in one indexed statement on the lookup pool, sent after each of them arrived
    (`engine.gathering`), which also takes their routes' abuse limits (`principals.admit_many`);
    docs/benchmarks.md, "Where a payment's CPU goes", for what it costs."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._gathered = Gathered(self._admit_many, "mitapo-secrets")

    async def __call__(self, secret: str) -> PrincipalView | RevokedSecret | None:
        return (await self.admit(secret)).found

    async def admit(
        self, secret: str, roles: tuple[str, ...] = (), takes: tuple[tuple[str, float, float], ...] = ()
    ) -> principals.Admission:
        """The secret's principal; with `takes`, also one from each bucket if it names a valid principal of
        one of `roles` (`principals.Asked`)."""
        return await self._gathered(principals.Asked(hash_secret(secret), roles, takes))

    async def _admit_many(self, asked: Sequence[principals.Asked]) -> list[principals.Admission]:
        async with self._db.lookup() as conn:
            return await principals.admit_many(conn, asked)
