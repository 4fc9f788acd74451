"""The reads that fares and bookings need, on the tables of `transit.tables`: routes, the fare rule in force
at a moment, a resident's recorded taps around a moment (with the counter that says whether they are still the
latest), the balances a booking's hold is planned on, and bookings with their holds and how they ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.engine.commands import BalanceState
from mitapo.engine.tables import Balance, Counter, Hold
from mitapo.transit.tables import (
    booking_ends,
    booking_holds,
    bookings,
    fare_rules,
    operators,
    readers,
    routes,
    taps,
)


@dataclass(frozen=True, slots=True)
class RouteView:
    id: str
    operator_id: str
    code: str
    name: str
    kind: str
    adult_fare: int | None


@dataclass(frozen=True, slots=True)
class FareRuleView:
    id: str
    effective_from: datetime
    default_adult_fare: int
    reduced_percent: int
    round_to: int
    transfer_discount: int
    transfer_window_minutes: int
    cap_adult: int
    cap_child: int
    cap_concession: int


@dataclass(frozen=True, slots=True)
class TapView:
    id: str
    tapped_at: datetime
    service_day: date
    fare: int
    discount: int
    charged: int


@dataclass(frozen=True, slots=True)
class TapHistory:
    """A resident's recorded taps in a span, and how many taps the resident had ever recorded when read."""

    recorded_count: int
    taps: tuple[TapView, ...]


@dataclass(frozen=True, slots=True)
class HeldView:
    hold_id: uuid.UUID
    account: str
    asset: str
    amount: int


@dataclass(frozen=True, slots=True)
class BookingView:
    id: str
    resident_id: str
    route: RouteView
    category: str
    fare_rule: str
    fare: int
    points_held: int
    money_held: int
    pickup_at: datetime
    expires_at: datetime
    holds: tuple[HeldView, ...]
    outcome: str | None


async def operator_exists(conn: AsyncConnection, operator_id: str) -> bool:
    return await conn.scalar(select(operators.c.id).where(operators.c.id == operator_id)) is not None


def _route(row: Any) -> RouteView:
    return RouteView(row.id, row.operator_id, row.code, row.name, row.kind, row.adult_fare)


async def route(conn: AsyncConnection, route_id: str) -> RouteView | None:
    row = (await conn.execute(select(routes).where(routes.c.id == route_id))).first()
    return None if row is None else _route(row)


async def route_by_code(conn: AsyncConnection, operator_id: str, code: str) -> RouteView | None:
    query = select(routes).where(routes.c.operator_id == operator_id, routes.c.code == code)
    row = (await conn.execute(query)).first()
    return None if row is None else _route(row)


async def reader_with_key(conn: AsyncConnection, public_key: bytes) -> bool:
    return (await conn.scalar(select(readers.c.id).where(readers.c.public_key == public_key))) is not None


async def reader_key(conn: AsyncConnection, operator_id: str, reader_id: str) -> bytes | None:
    """The public key of the operator's reader, or None (no such reader, another operator's, or revoked)."""
    query = select(readers.c.public_key).where(
        readers.c.id == reader_id, readers.c.operator_id == operator_id, readers.c.revoked_at.is_(None)
    )
    found = await conn.scalar(query)
    return None if found is None else bytes(found)


@dataclass(frozen=True, slots=True)
class ReaderView:
    id: str
    operator_id: str
    operator_name: str
    name: str
    public_key: bytes
    created_at: datetime
    revoked_at: datetime | None


async def operator_list(conn: AsyncConnection, limit: int) -> list[tuple[str, str]]:
    """(id, name) of the operators, by name."""
    query = select(operators.c.id, operators.c.name).order_by(operators.c.name, operators.c.id).limit(limit)
    return [(row.id, row.name) for row in await conn.execute(query)]


async def reader_list(conn: AsyncConnection, operator_id: str | None, limit: int) -> list[ReaderView]:
    """The readers (of one operator, or all), newest first, with their operator's name."""
    query = select(
        readers.c.id,
        readers.c.operator_id,
        operators.c.name.label("operator_name"),
        readers.c.name,
        readers.c.public_key,
        readers.c.created_at,
        readers.c.revoked_at,
    ).join(operators, operators.c.id == readers.c.operator_id)
    if operator_id is not None:
        query = query.where(readers.c.operator_id == operator_id)
    rows = await conn.execute(query.order_by(readers.c.created_at.desc(), readers.c.id).limit(limit))
    return [ReaderView(*row) for row in rows]


async def revoke_reader(conn: asyncpg.Connection, reader_id: str) -> tuple[str, datetime] | None:
    """Mark the reader revoked now (kept as it was if it already was); answer its operator and the moment
    it was revoked, or None when there is no such reader. The row stays locked until the caller commits."""
    row = await conn.fetchrow(
        "UPDATE transit_readers SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1"
        " RETURNING operator_id, revoked_at",
        reader_id,
    )
    return None if row is None else (row["operator_id"], row["revoked_at"])


def _fare_rule(row: Any) -> FareRuleView:
    return FareRuleView(
        **{c.name: getattr(row, c.name) for c in fare_rules.columns if c.name != "created_at"}
    )


async def fare_rule(conn: AsyncConnection, rule_id: str) -> FareRuleView | None:
    row = (await conn.execute(select(fare_rules).where(fare_rules.c.id == rule_id))).first()
    return None if row is None else _fare_rule(row)


async def fare_rule_at(conn: AsyncConnection, moment: datetime) -> FareRuleView:
    """The rule in force at `moment`: the latest to take effect at or before it (the seed row always does)."""
    query = (
        select(fare_rules)
        .where(fare_rules.c.effective_from <= moment)
        .order_by(fare_rules.c.effective_from.desc(), fare_rules.c.created_at.desc())
        .limit(1)
    )
    return _fare_rule((await conn.execute(query)).one())


async def all_fare_rules(conn: AsyncConnection) -> list[FareRuleView]:
    query = select(fare_rules).order_by(fare_rules.c.effective_from, fare_rules.c.created_at)
    return [_fare_rule(row) for row in await conn.execute(query)]


async def tap_history(
    conn: AsyncConnection, resident_id: str, counter_key: str, start: datetime, end: datetime
) -> TapHistory:
    """The counter first, then the taps: a tap committed in between shows in the taps but not in the count,
    so a decision on this read fails the writer's count check and is taken again, never on stale taps."""
    count = await recorded_count(conn, counter_key)
    query = (
        select(taps.c.id, taps.c.tapped_at, taps.c.service_day, taps.c.fare, taps.c.discount, taps.c.charged)
        .where(taps.c.resident_id == resident_id, taps.c.tapped_at.between(start, end))
        .order_by(taps.c.tapped_at, taps.c.id)
    )
    rows = await conn.execute(query)
    return TapHistory(count, tuple(TapView(*row) for row in rows))


async def recorded_count(conn: AsyncConnection, counter_key: str) -> int:
    return int(await conn.scalar(select(Counter.value).where(Counter.key == counter_key)) or 0)


async def balances_of(conn: AsyncConnection, owner: str) -> dict[tuple[str, str], BalanceState]:
    """An owner's balances as the writer's plans see them, for planning a hold before the writer checks it."""
    query = select(
        Balance.account,
        Balance.asset,
        Balance.normal_sign,
        Balance.may_go_negative,
        Balance.owner,
        Balance.expires_on,
        Balance.posted,
        Balance.pending,
    ).where(Balance.owner == owner)
    return {(row.account, row.asset): BalanceState(*row) for row in await conn.execute(query)}


async def booking(conn: AsyncConnection, booking_id: str) -> BookingView | None:
    route_columns = (routes.c.operator_id, routes.c.code, routes.c.name, routes.c.kind, routes.c.adult_fare)
    query = (
        select(bookings, *route_columns, booking_ends.c.outcome)
        .join(routes, routes.c.id == bookings.c.route_id)
        .outerjoin(booking_ends, booking_ends.c.booking_id == bookings.c.id)
        .where(bookings.c.id == booking_id)
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    held = await conn.execute(
        select(Hold.id, Hold.account, Hold.asset, Hold.amount)
        .join(booking_holds, booking_holds.c.hold_id == Hold.id)
        .where(booking_holds.c.booking_id == booking_id)
        .order_by(Hold.asset.desc(), Hold.account)
    )
    return BookingView(
        id=row.id,
        resident_id=row.resident_id,
        route=RouteView(row.route_id, row.operator_id, row.code, row.name, row.kind, row.adult_fare),
        category=row.category,
        fare_rule=row.fare_rule,
        fare=row.fare,
        points_held=row.points_held,
        money_held=row.money_held,
        pickup_at=row.pickup_at,
        expires_at=row.expires_at,
        holds=tuple(HeldView(*h) for h in held),
        outcome=row.outcome,
    )


async def overdue_bookings(conn: AsyncConnection, now: datetime, limit: int) -> list[str]:
    """Bookings still open after their no-show timeout, oldest first."""
    query = (
        select(bookings.c.id)
        .outerjoin(booking_ends, booking_ends.c.booking_id == bookings.c.id)
        .where(bookings.c.expires_at < now, booking_ends.c.booking_id.is_(None))
        .order_by(bookings.c.expires_at, bookings.c.id)
        .limit(limit)
    )
    return [row.id for row in await conn.execute(query)]
