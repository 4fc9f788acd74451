"""The money capability's tables (migration 0004): recipients of donations, premium campaigns, matching
offers, and the trail of top-ups, donations and closures (append-only, like the journal they explain)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Integer, Table, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.types import TIMESTAMP

from mitapo.engine.tables import metadata

_Moment = TIMESTAMP(timezone=True)

recipients = Table(
    "recipients",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", _Moment, nullable=False),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Text, primary_key=True),
    Column("program_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("rate_percent", Integer, nullable=False),
    Column("per_resident_cap", BigInteger, nullable=False),
    Column("starts_at", _Moment, nullable=False),
    Column("ends_at", _Moment, nullable=False),
    Column("created_at", _Moment, nullable=False),
)

matchings = Table(
    "matchings",
    metadata,
    Column("id", Text, primary_key=True),
    Column("program_id", Text, nullable=False),
    Column("rate_percent", Integer, nullable=False),
    Column("per_donation_cap", BigInteger, nullable=False),
    Column("total_cap", BigInteger),
    Column("starts_at", _Moment),
    Column("ends_at", _Moment),
    Column("created_at", _Moment, nullable=False),
)

matching_recipients = Table(
    "matching_recipients",
    metadata,
    Column("matching_id", Text, primary_key=True),
    Column("recipient_id", Text, primary_key=True),
)

topups = Table(
    "topups",
    metadata,
    Column("entry_id", UUID(as_uuid=True), primary_key=True),
    Column("resident_id", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("external_ref", Text, nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("created_at", _Moment, nullable=False),
)

donations = Table(
    "donations",
    metadata,
    Column("entry_id", UUID(as_uuid=True), primary_key=True),
    Column("resident_id", Text, nullable=False),
    Column("recipient_id", Text, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("created_at", _Moment, nullable=False),
    Column("public_name", Boolean, nullable=False),  # migration 0023: named in public only by choice
)

closures = Table(
    "closures",
    metadata,
    Column("resident_id", Text, primary_key=True),
    Column("entry_id", UUID(as_uuid=True)),
    Column("channel", Text, nullable=False),
    Column("money_paid", BigInteger, nullable=False),
    Column("points_forfeited", BigInteger, nullable=False),
    Column("closed_at", _Moment, nullable=False),
)
