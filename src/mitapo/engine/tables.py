"""The engine's tables as typed SQLAlchemy models, and the one `metadata` every table in code is on. The
migrations in `migrations/` create the schema, with the triggers and CHECKs that make PostgreSQL itself
enforce the ledger's rules; these models are how the service reads it. Each capability describes its own
tables in its `tables.py`, on the same `metadata`, and `tests/integration/test_schema_matches_tables.py`
compares them all with the migrated database.

A `ForeignKey` here names a reference the database keeps, not always with a foreign key: rows the writer adds
with every entry (postings, the seal queue, idempotency records, spent tokens) are checked once per statement
by triggers instead (migrations 0010 and 0015)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import BigInteger, Computed, ForeignKey, LargeBinary, SmallInteger, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TIMESTAMP


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: TIMESTAMP(timezone=True),
        dict[str, Any]: JSONB,
        bytes: LargeBinary,
    }


metadata = Base.metadata
"""The schema in code: the engine's models and every capability's `Table`s (a name defined twice fails)."""


class Account(Base):
    __tablename__ = "accounts"
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    normal_sign: Mapped[int] = mapped_column(
        SmallInteger, Computed("CASE WHEN kind IN ('asset', 'expense') THEN 1 ELSE -1 END")
    )
    may_go_negative: Mapped[bool]
    owner: Mapped[str | None] = mapped_column(Text)
    expires_on: Mapped[date | None]
    created_at: Mapped[datetime]


class Balance(Base):
    __tablename__ = "balances"
    account: Mapped[str] = mapped_column(Text, primary_key=True)
    asset: Mapped[str] = mapped_column(Text, primary_key=True)
    normal_sign: Mapped[int] = mapped_column(SmallInteger)
    may_go_negative: Mapped[bool]
    owner: Mapped[str | None] = mapped_column(Text)
    expires_on: Mapped[date | None]
    posted: Mapped[int] = mapped_column(BigInteger)
    pending: Mapped[int] = mapped_column(BigInteger)
    postings_count: Mapped[int] = mapped_column(BigInteger)


class Entry(Base):
    __tablename__ = "entries"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    memo: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    meta: Mapped[dict[str, Any]]
    reverses: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("entries.id"))


class Posting(Base):
    __tablename__ = "postings"
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    account: Mapped[str] = mapped_column(Text)
    asset: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    account_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class Hold(Base):
    __tablename__ = "holds"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(Text)
    asset: Mapped[str] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("entries.id"))


class SealQueue(Base):
    __tablename__ = "seal_queue"
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id"), primary_key=True)
    created_at: Mapped[datetime]


class Seal(Base):
    __tablename__ = "seals"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id"), unique=True)
    prev_hash: Mapped[bytes]
    hash: Mapped[bytes]
    sealed_at: Mapped[datetime]


class SigningKey(Base):
    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(Text, primary_key=True)
    public_key: Mapped[bytes]
    created_at: Mapped[datetime]
    retired_at: Mapped[datetime | None]


class Checkpoint(Base):
    __tablename__ = "checkpoints"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # 0: the empty journal (0025)
    hash: Mapped[bytes]
    signed_at: Mapped[datetime]
    kid: Mapped[str] = mapped_column(Text, ForeignKey("signing_keys.kid"))
    balances_digest: Mapped[bytes]
    signature: Mapped[bytes]


class SpentToken(Base):
    __tablename__ = "spent_tokens"
    token: Mapped[str] = mapped_column(Text, primary_key=True)
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("entries.id"))
    request_hash: Mapped[bytes | None]
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class Counter(Base):
    __tablename__ = "counters"
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    scope: Mapped[str] = mapped_column(Text, primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    request_hash: Mapped[bytes]
    result: Mapped[dict[str, Any]]
    entry_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("entries.id"))
    created_at: Mapped[datetime]
