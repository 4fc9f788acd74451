"""The accounts capability's tables: principals, who hold every role's hashed secret (migration 0001), and
residents (migration 0002; their short numbers 0026); retired secrets and the staff action log (migration
0019). A resident's wallet is in the engine's balances, not here."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Computed, ForeignKey, Integer, LargeBinary, Table, Text
from sqlalchemy.types import TIMESTAMP

from mitapo.engine.tables import metadata

NAME_KEY = "replace(lower(normalize(name, NFKC)), ' ', '')"
residents = Table(
    "residents",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("fare_category", Text, nullable=False),
    Column("number", Text, nullable=False, unique=True),  # migration 0026: the short number (`numbers`)
    Column("name_key", Text, Computed(NAME_KEY, persisted=True)),  # 0026: what the counter's search compares
    Column("created_at", TIMESTAMP(timezone=True), nullable=False),
    Column("closed_at", TIMESTAMP(timezone=True)),
)

principals = Table(
    "principals",
    metadata,
    Column("id", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("secret_hash", LargeBinary, nullable=False, unique=True),
    Column("created_at", TIMESTAMP(timezone=True), nullable=False),
    Column("disabled_at", TIMESTAMP(timezone=True)),
    Column("revoked_at", TIMESTAMP(timezone=True)),
)

retired_secrets = Table(
    "retired_secrets",
    metadata,
    Column("secret_hash", LargeBinary, primary_key=True),
    Column("principal_id", Text, ForeignKey("principals.id"), nullable=False),
    Column("retired_at", TIMESTAMP(timezone=True), nullable=False),
    Column("valid_until", TIMESTAMP(timezone=True), nullable=False),
)

staff_actions = Table(
    "staff_actions",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("at", TIMESTAMP(timezone=True), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("reason", Text, nullable=False),
)

# A resident's devices (migration 0020): enrollment codes, passkeys, WebAuthn challenges, sessions, and the
# record of revocations (`accounts.devices`, `accounts.passkeys`, `accounts.sessions`, `accounts.revocation`).
_Moment = TIMESTAMP(timezone=True)

enrollments = Table(
    "enrollments",
    metadata,
    Column("id", Text, primary_key=True),
    Column("resident_id", Text, nullable=False),
    Column("code_hash", LargeBinary, nullable=False, unique=True),
    Column("issued_by", Text),
    Column("created_at", _Moment, nullable=False),
    Column("expires_at", _Moment, nullable=False),
    Column("used_at", _Moment),
    Column("voided_at", _Moment),
)

passkeys = Table(
    "passkeys",
    metadata,
    Column("id", Text, primary_key=True),
    Column("resident_id", Text, nullable=False),
    Column("credential_id", LargeBinary, nullable=False, unique=True),
    Column("public_key", LargeBinary, nullable=False),
    Column("sign_count", BigInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("enrollment_id", Text, nullable=False),
    Column("created_at", _Moment, nullable=False),
    Column("last_used_at", _Moment),
    Column("removed_at", _Moment),
    Column("removed_why", Text),
)

webauthn_challenges = Table(
    "webauthn_challenges",
    metadata,
    Column("id", Text, primary_key=True),
    Column("challenge", LargeBinary, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("enrollment_id", Text),
    Column("created_at", _Moment, nullable=False),
    Column("expires_at", _Moment, nullable=False),
    Column("used_at", _Moment),
)

resident_sessions = Table(
    "resident_sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("token_hash", LargeBinary, nullable=False, unique=True),
    Column("resident_id", Text, nullable=False),
    Column("passkey_id", Text),
    Column("created_at", _Moment, nullable=False),
    Column("expires_at", _Moment, nullable=False),
    Column("ended_at", _Moment),
    Column("ended_why", Text),
)

resident_revocations = Table(
    "resident_revocations",
    metadata,
    Column("id", Text, primary_key=True),
    Column("resident_id", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("revoked_by", Text, nullable=False),
    Column("revoked_at", _Moment, nullable=False),
    Column("passkeys", Integer, nullable=False),
    Column("sessions", Integer, nullable=False),
    Column("enrollments", Integer, nullable=False),
    Column("tokens", Integer, nullable=False),
)
