"""The accounts capability's tables: principals, who hold every role's hashed secret (migration 0001), and
residents (migration 0002); retired secrets and the staff action log (migration 0019). A resident's wallet is
in the engine's balances, not here."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, LargeBinary, Table, Text
from sqlalchemy.types import TIMESTAMP

from mitapo.engine.tables import metadata

residents = Table(
    "residents",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("fare_category", Text, nullable=False),
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
