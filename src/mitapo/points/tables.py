"""The points capability's tables (migration 0003): programs, their events, and the check-ins that granted
points (each committed with its grant entry)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Integer, Table, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.types import TIMESTAMP

from mitapo.engine.tables import metadata

_Moment = TIMESTAMP(timezone=True)

programs = Table(
    "programs",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("points_valid_days", Integer, nullable=False),
    Column("monthly_cap", BigInteger),
    Column("annual_cap", BigInteger),
    Column("created_at", _Moment, nullable=False),
    Column("max_points_per_event", BigInteger),
)

program_organizers = Table(  # migration 0023: the programs an admin granted each organizer
    "program_organizers",
    metadata,
    Column("program_id", Text, primary_key=True),
    Column("organizer_id", Text, primary_key=True),
    Column("granted_at", _Moment, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", Text, primary_key=True),
    Column("program_id", Text, nullable=False),
    Column("organizer_id", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("starts_at", _Moment, nullable=False),
    Column("ends_at", _Moment, nullable=False),
    Column("capacity", Integer),
    Column("created_at", _Moment, nullable=False),
    Column("place", Text),
    Column("area", Text),
)

checkins = Table(
    "checkins",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("resident_id", Text, primary_key=True),
    Column("program_id", Text, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("entry_id", UUID(as_uuid=True), nullable=False),
    Column("claimed_at", _Moment, nullable=False),
)

event_cancellations = Table(  # migration 0021: append-only, written with the `event:<id>:cancelled` counter
    "event_cancellations",
    metadata,
    Column("event_id", Text, primary_key=True),
    Column("cancelled_by", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("cancelled_at", _Moment, nullable=False),
)

push_subscriptions = (
    Table(  # migration 0024: a resident's consent to expiry reminders, withdrawn by deleting it
        "push_subscriptions",
        metadata,
        Column("endpoint", Text, primary_key=True),
        Column("resident_id", Text, nullable=False),
        Column("p256dh", Text, nullable=False),
        Column("auth", Text, nullable=False),
        Column("created_at", _Moment, nullable=False),
    )
)

expiry_reminders = Table(  # migration 0024, append-only: each reminder is sent once
    "expiry_reminders",
    metadata,
    Column("resident_id", Text, primary_key=True),
    Column("expires_on", Date, primary_key=True),
    Column("days_before", Integer, primary_key=True),
    Column("points", BigInteger, nullable=False),
    Column("sent_at", _Moment, nullable=False),
)
