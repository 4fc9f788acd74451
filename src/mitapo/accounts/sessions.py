"""A resident's session in the app: a random cookie value, kept by the server only as its SHA-256, opened by
a passkey sign-in (or by exchanging the resident's token, for the city's old sign-in links), ended by signing
out, by removing its device, or by revocation. The page's script never sees it: the cookie is HttpOnly,
Secure and SameSite=Strict (docs/security.md, "Resident sessions").

Every request of a signed-in page looks its session up (one indexed read on the lookup pool), never from a
cache: a session ended by revocation is refused on its next request by every worker."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from mitapo.accounts import auth, device_reads
from mitapo.accounts.principals import PrincipalView
from mitapo.engine import clock
from mitapo.engine.catalog import Code
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError

COOKIE = "mitapo_session"
PREFIX = "mtp_ses_"


@dataclass(frozen=True, slots=True)
class Opened:
    token: str
    expires_at: datetime


async def open_session(
    conn: asyncpg.Connection, resident_id: str, passkey_id: str | None, days: int, now: datetime
) -> Opened:
    """On the caller's transaction: the session begins with what opened it (a passkey, an enrollment)."""
    token = PREFIX + secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=days)
    session_id = f"ses_{uuid.uuid4().hex[:16]}"
    await device_reads.insert_session(
        conn, session_id, auth.hash_secret(token), resident_id, passkey_id, now, expires_at
    )
    return Opened(token, expires_at)


async def from_token(db: Database, resident: PrincipalView, days: int) -> Opened:
    """A session for a resident who proved their token (a sign-in link of the city's first letters)."""
    if resident.role != "resident":
        raise DomainError(Code.FORBIDDEN, "only a resident's token opens a resident's session")
    async with db.raw() as conn, conn.transaction():
        return await open_session(conn, resident.id, None, days, clock.now())


async def resident_of(db: Database, token: str) -> PrincipalView | None:
    """The resident a session cookie stands for; None for an unknown one (a guess, counted against the
    address). A known one that ended is refused without counting: `credential_revoked` when revocation or
    the removal of its device ended it, `unauthorized` when it was signed out, expired or its account
    closed."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    async with db.lookup() as conn:
        found = await device_reads.session_by_hash(conn, auth.hash_secret(token))
    if found is None:
        return None
    if found.ended_why in ("removed", "revoked"):
        raise DomainError(Code.CREDENTIAL_REVOKED, "this device's sign-in was revoked; enrol again")
    if found.disabled or found.ended_why is not None or found.expires_at <= clock.now():
        raise DomainError(Code.UNAUTHORIZED, "this session has ended: sign in again")
    return PrincipalView(found.resident_id, "resident", found.name)


async def sign_out(db: Database, resident_id: str, token: str) -> None:
    async with db.raw() as conn:
        await device_reads.end_sessions(
            conn, resident_id, "signed_out", clock.now(), token_hash=auth.hash_secret(token)
        )
