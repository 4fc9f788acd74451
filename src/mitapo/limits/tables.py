"""The abuse limits' table (migration 0011): one row per bucket, its theoretical arrival time (GCRA)."""

from __future__ import annotations

from sqlalchemy import Column, Table, Text
from sqlalchemy.types import TIMESTAMP

from mitapo.engine.tables import metadata

rate_limits = Table(
    "rate_limits",
    metadata,
    Column("key", Text, primary_key=True),
    Column("tat", TIMESTAMP(timezone=True), nullable=False),
)
