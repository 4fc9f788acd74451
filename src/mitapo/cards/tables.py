"""The cards capability's table (migration 0018): one row per card ever issued."""

from __future__ import annotations

from sqlalchemy import Column, Integer, Table, Text
from sqlalchemy.types import TIMESTAMP

from mitapo.engine.tables import metadata

cards = Table(
    "cards",
    metadata,
    Column("id", Text, primary_key=True),
    Column("number", Text, nullable=False, unique=True),
    Column("resident_id", Text, nullable=False),
    Column("generation", Integer, nullable=False),
    Column("pin_hash", Text, nullable=False),
    Column("failed_pins", Integer, nullable=False),
    Column("locked_at", TIMESTAMP(timezone=True)),
    Column("issued_by", Text, nullable=False),
    Column("created_at", TIMESTAMP(timezone=True), nullable=False),
)
