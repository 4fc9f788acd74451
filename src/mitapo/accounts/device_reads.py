"""The SQL of a resident's devices (migration 0020): enrollment codes, WebAuthn challenges, passkeys,
sessions and revocations. Plain asyncpg statements, run by the service modules inside their own transaction
(`Database.raw`) or on the lookup pool (`Database.lookup`, read-only). Taking something once (a code, a
challenge, a sign count) is one conditional UPDATE, so two racing requests cannot both take it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class EnrollmentRow:
    id: str
    resident_id: str
    resident_name: str
    expires_at: datetime
    used_at: datetime | None
    voided_at: datetime | None


@dataclass(frozen=True, slots=True)
class PasskeyRow:
    id: str
    resident_id: str
    public_key: bytes
    sign_count: int
    removed_why: str | None


@dataclass(frozen=True, slots=True)
class DeviceRow:
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionRow:
    resident_id: str
    name: str
    expires_at: datetime
    ended_why: str | None
    disabled: bool


# enrollments


async def void_open_enrollments(conn: asyncpg.Connection, resident_id: str, now: datetime) -> int:
    status = await conn.execute(
        "UPDATE enrollments SET voided_at = $2"
        " WHERE resident_id = $1 AND used_at IS NULL AND voided_at IS NULL AND expires_at > $2",
        resident_id,
        now,
    )
    return int(status.split()[-1])


async def insert_enrollment(
    conn: asyncpg.Connection,
    enrollment_id: str,
    resident_id: str,
    code_hash: bytes,
    issued_by: str | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO enrollments (id, resident_id, code_hash, issued_by, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        enrollment_id,
        resident_id,
        code_hash,
        issued_by,
        now,
        expires_at,
    )


_ENROLLMENT = (
    "SELECT e.id, e.resident_id, r.name, e.expires_at, e.used_at, e.voided_at"
    " FROM enrollments e JOIN residents r ON r.id = e.resident_id"
)


async def enrollment_by_hash(conn: asyncpg.Connection, code_hash: bytes) -> EnrollmentRow | None:
    row = await conn.fetchrow(_ENROLLMENT + " WHERE e.code_hash = $1", code_hash)
    return None if row is None else EnrollmentRow(*row)


async def enrollment_by_id(conn: asyncpg.Connection, enrollment_id: str) -> EnrollmentRow | None:
    row = await conn.fetchrow(_ENROLLMENT + " WHERE e.id = $1", enrollment_id)
    return None if row is None else EnrollmentRow(*row)


async def use_enrollment(conn: asyncpg.Connection, enrollment_id: str, now: datetime) -> str | None:
    """Take the code: its resident, or None when it was used, voided or expired (or a race took it)."""
    resident_id: str | None = await conn.fetchval(
        "UPDATE enrollments SET used_at = $2 WHERE id = $1 AND used_at IS NULL AND voided_at IS NULL"
        " AND expires_at > $2 RETURNING resident_id",
        enrollment_id,
        now,
    )
    return resident_id


# challenges


async def insert_challenge(
    conn: asyncpg.Connection,
    challenge_id: str,
    challenge: bytes,
    purpose: str,
    enrollment_id: str | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO webauthn_challenges (id, challenge, purpose, enrollment_id, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        challenge_id,
        challenge,
        purpose,
        enrollment_id,
        now,
        expires_at,
    )


async def forget_old_challenges(conn: asyncpg.Connection, before: datetime) -> None:
    """A few challenges that expired before `before`: each new one clears up after the old (the table stays
    small however many ceremonies are started and abandoned)."""
    await conn.execute(
        "DELETE FROM webauthn_challenges WHERE id IN"
        " (SELECT id FROM webauthn_challenges WHERE expires_at < $1 LIMIT 20)",
        before,
    )


async def take_challenge(
    conn: asyncpg.Connection, challenge_id: str, purpose: str, now: datetime
) -> tuple[bytes, str | None] | None:
    """The challenge and its enrollment, marked used; None when unknown, used, expired or of another kind."""
    row = await conn.fetchrow(
        "UPDATE webauthn_challenges SET used_at = $3"
        " WHERE id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
        " RETURNING challenge, enrollment_id",
        challenge_id,
        purpose,
        now,
    )
    return None if row is None else (bytes(row["challenge"]), row["enrollment_id"])


# passkeys


async def existing_credentials(conn: asyncpg.Connection, resident_id: str) -> list[bytes]:
    rows = await conn.fetch(
        "SELECT credential_id FROM passkeys WHERE resident_id = $1 AND removed_at IS NULL", resident_id
    )
    return [bytes(row["credential_id"]) for row in rows]


async def insert_passkey(
    conn: asyncpg.Connection,
    passkey_id: str,
    resident_id: str,
    credential_id: bytes,
    public_key: bytes,
    sign_count: int,
    name: str,
    enrollment_id: str,
    now: datetime,
) -> bool:
    """False when the credential is registered already (to anyone)."""
    inserted = await conn.fetchval(
        "INSERT INTO passkeys (id, resident_id, credential_id, public_key, sign_count, name, enrollment_id,"
        " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        " ON CONFLICT (credential_id) DO NOTHING RETURNING id",
        passkey_id,
        resident_id,
        credential_id,
        public_key,
        sign_count,
        name,
        enrollment_id,
        now,
    )
    return inserted is not None


async def passkey_by_credential(conn: asyncpg.Connection, credential_id: bytes) -> PasskeyRow | None:
    row = await conn.fetchrow(
        "SELECT id, resident_id, public_key, sign_count, removed_why FROM passkeys WHERE credential_id = $1",
        credential_id,
    )
    return (
        None
        if row is None
        else PasskeyRow(row["id"], row["resident_id"], bytes(row["public_key"]), row["sign_count"], row[4])
    )


async def advance_count(
    conn: asyncpg.Connection, passkey_id: str, seen: int, new: int, now: datetime
) -> bool:
    """Move the sign count from what was read to the new one; False when another sign-in moved it first."""
    moved = await conn.fetchval(
        "UPDATE passkeys SET sign_count = $3, last_used_at = $4"
        " WHERE id = $1 AND sign_count = $2 AND removed_at IS NULL RETURNING id",
        passkey_id,
        seen,
        new,
        now,
    )
    return moved is not None


async def devices(conn: asyncpg.Connection, resident_id: str) -> list[DeviceRow]:
    rows = await conn.fetch(
        "SELECT id, name, created_at, last_used_at FROM passkeys"
        " WHERE resident_id = $1 AND removed_at IS NULL ORDER BY created_at, id",
        resident_id,
    )
    return [DeviceRow(*row) for row in rows]


async def remove_passkeys(
    conn: asyncpg.Connection, resident_id: str, why: str, now: datetime, passkey_id: str | None = None
) -> int:
    """Remove one of the resident's passkeys, or all of them; how many were still in use."""
    status = await conn.execute(
        "UPDATE passkeys SET removed_at = $3, removed_why = $2"
        " WHERE resident_id = $1 AND removed_at IS NULL AND ($4::text IS NULL OR id = $4)",
        resident_id,
        why,
        now,
        passkey_id,
    )
    return int(status.split()[-1])


# sessions


async def insert_session(
    conn: asyncpg.Connection,
    session_id: str,
    token_hash: bytes,
    resident_id: str,
    passkey_id: str | None,
    now: datetime,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO resident_sessions (id, token_hash, resident_id, passkey_id, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        session_id,
        token_hash,
        resident_id,
        passkey_id,
        now,
        expires_at,
    )


async def session_by_hash(conn: asyncpg.Connection, token_hash: bytes) -> SessionRow | None:
    """On the lookup pool: every request of a signed-in page asks."""
    row = await conn.fetchrow(
        "SELECT s.resident_id, p.name, s.expires_at, s.ended_why, p.disabled_at IS NOT NULL"
        " FROM resident_sessions s JOIN principals p ON p.id = s.resident_id WHERE s.token_hash = $1",
        token_hash,
    )
    return None if row is None else SessionRow(*row)


async def end_sessions(
    conn: asyncpg.Connection,
    resident_id: str,
    why: str,
    now: datetime,
    *,
    passkey_id: str | None = None,
    token_hash: bytes | None = None,
) -> int:
    """End the resident's open sessions: all, those of one passkey, or the one with that cookie."""
    status = await conn.execute(
        "UPDATE resident_sessions SET ended_at = $3, ended_why = $2"
        " WHERE resident_id = $1 AND ended_at IS NULL"
        " AND ($4::text IS NULL OR passkey_id = $4) AND ($5::bytea IS NULL OR token_hash = $5)",
        resident_id,
        why,
        now,
        passkey_id,
        token_hash,
    )
    return int(status.split()[-1])


# revocation


async def revoke_token(conn: asyncpg.Connection, resident_id: str, replacement: bytes, now: datetime) -> int:
    """Retire the resident's secret hash as of `now` (`retired_secrets`, as a rotation past its grace: the
    lookup answers it `credential_revoked`) and put a hash nobody holds in its place."""
    old = await conn.fetchval(
        "SELECT secret_hash FROM principals WHERE id = $1 AND role = 'resident' FOR UPDATE", resident_id
    )
    if old is None:
        return 0
    await conn.execute(
        "INSERT INTO retired_secrets (secret_hash, principal_id, valid_until) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING",
        old,
        resident_id,
        now,
    )
    await conn.execute("UPDATE principals SET secret_hash = $2 WHERE id = $1", resident_id, replacement)
    return 1


async def record_revocation(
    conn: asyncpg.Connection,
    revocation_id: str,
    resident_id: str,
    reason: str,
    revoked_by: str,
    now: datetime,
    counts: dict[str, int],
) -> None:
    await conn.execute(
        "INSERT INTO resident_revocations"
        " (id, resident_id, reason, revoked_by, revoked_at, passkeys, sessions, enrollments, tokens)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        revocation_id,
        resident_id,
        reason,
        revoked_by,
        now,
        counts["passkeys"],
        counts["sessions"],
        counts["enrollments"],
        counts["tokens"],
    )
