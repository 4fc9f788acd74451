"""The transit capability's tables (migration 0006): operators and their routes, the fare rules in force
from a moment on, recorded taps, and bookings with the holds they placed and how they ended."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Integer, LargeBinary, Table, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.types import TIMESTAMP

from mitapo.engine.tables import metadata

_Moment = TIMESTAMP(timezone=True)

operators = Table(
    "transit_operators",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", _Moment, nullable=False),
)

routes = Table(
    "transit_routes",
    metadata,
    Column("id", Text, primary_key=True),
    Column("operator_id", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("adult_fare", BigInteger),
    Column("created_at", _Moment, nullable=False),
)

fare_rules = Table(
    "fare_rules",
    metadata,
    Column("id", Text, primary_key=True),
    Column("effective_from", _Moment, nullable=False),
    Column("default_adult_fare", BigInteger, nullable=False),
    Column("reduced_percent", Integer, nullable=False),
    Column("round_to", Integer, nullable=False),
    Column("transfer_discount", BigInteger, nullable=False),
    Column("transfer_window_minutes", Integer, nullable=False),
    Column("cap_adult", BigInteger, nullable=False),
    Column("cap_child", BigInteger, nullable=False),
    Column("cap_concession", BigInteger, nullable=False),
    Column("created_at", _Moment, nullable=False),
)

taps = Table(
    "transit_taps",
    metadata,
    Column("id", Text, primary_key=True),
    Column("resident_id", Text, nullable=False),
    Column("operator_id", Text, nullable=False),
    Column("route_id", Text, nullable=False),
    Column("booking_id", Text),
    Column("tapped_at", _Moment, nullable=False),
    Column("service_day", Date, nullable=False),
    Column("category", Text, nullable=False),
    Column("fare_rule", Text, nullable=False),
    Column("fare", BigInteger, nullable=False),
    Column("discount", BigInteger, nullable=False),
    Column("charged", BigInteger, nullable=False),
    Column("points_used", BigInteger, nullable=False),
    Column("money_used", BigInteger, nullable=False),
    Column("entry_id", UUID(as_uuid=True)),
    Column("created_at", _Moment, nullable=False),
)

bookings = Table(
    "transit_bookings",
    metadata,
    Column("id", Text, primary_key=True),
    Column("resident_id", Text, nullable=False),
    Column("route_id", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("fare_rule", Text, nullable=False),
    Column("fare", BigInteger, nullable=False),
    Column("points_held", BigInteger, nullable=False),
    Column("money_held", BigInteger, nullable=False),
    Column("pickup_at", _Moment, nullable=False),
    Column("expires_at", _Moment, nullable=False),
    Column("created_at", _Moment, nullable=False),
)

booking_holds = Table(
    "transit_booking_holds",
    metadata,
    Column("hold_id", UUID(as_uuid=True), primary_key=True),
    Column("booking_id", Text, nullable=False),
)

booking_ends = Table(
    "transit_booking_ends",
    metadata,
    Column("booking_id", Text, primary_key=True),
    Column("outcome", Text, nullable=False),
    Column("ended_by", Text, nullable=False),
    Column("tap_id", Text),
    Column("created_at", _Moment, nullable=False),
)

readers = Table(  # migration 0023: a reader's key signs the taps it reads
    "transit_readers",
    metadata,
    Column("id", Text, primary_key=True),
    Column("operator_id", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("created_at", _Moment, nullable=False),
    Column("revoked_at", _Moment),  # migration 0028: set once, never cleared
)
