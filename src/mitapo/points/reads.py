"""The reads that participation needs, on the tables of `points.tables`: programs and events, a program's
totals, the lots due to expire, and a resident's statement."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from sqlalchemy import (
    and_,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.engine.tables import Balance, Entry, Posting
from mitapo.points.tables import checkins, event_cancellations, events, program_organizers, programs


@dataclass(frozen=True, slots=True)
class ProgramView:
    id: str
    name: str
    points_valid_days: int
    monthly_cap: int | None
    annual_cap: int | None
    max_points_per_event: int | None = None


@dataclass(frozen=True, slots=True)
class EventView:
    id: str
    program_id: str
    organizer_id: str
    title: str
    points: int
    starts_at: datetime
    ends_at: datetime
    capacity: int | None
    cancelled_at: datetime | None = None  # read where a page or an edit needs it; claims check a counter
    place: str | None = None  # where: a hall, a park
    area: str | None = None  # a コミュニティ住区 or town name


@dataclass(frozen=True, slots=True)
class DueLot:
    owner: str
    account: str
    expires_on: date


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry_id: uuid.UUID
    kind: str
    created_at: datetime
    memo: str
    meta: dict[str, Any]
    points: int  # debit-positive sum of the resident's postings
    money: int


async def program(conn: AsyncConnection, program_id: str) -> ProgramView | None:
    row = (await conn.execute(select(programs).where(programs.c.id == program_id))).first()
    if row is None:
        return None
    return ProgramView(
        row.id, row.name, row.points_valid_days, row.monthly_cap, row.annual_cap, row.max_points_per_event
    )


async def grant_organizer(conn: asyncpg.Connection, program_id: str, organizer_id: str) -> bool:
    """Let the organizer run events in the program; granting twice changes nothing (answers False)."""
    done: str = await conn.execute(
        "INSERT INTO program_organizers (program_id, organizer_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        program_id,
        organizer_id,
    )
    return done.endswith(" 1")


async def withdraw_organizer(conn: asyncpg.Connection, program_id: str, organizer_id: str) -> bool:
    """Take the program back from the organizer; answers False when it was not granted (nothing changes).
    The grant is a plain row: the staff action log keeps who granted and who withdrew it, and when."""
    done: str = await conn.execute(
        "DELETE FROM program_organizers WHERE program_id = $1 AND organizer_id = $2",
        program_id,
        organizer_id,
    )
    return done.endswith(" 1")


async def grants(conn: AsyncConnection, organizer_ids: list[str]) -> list[tuple[str, str, str]]:
    """(organizer id, program id, program name) of every program granted to these organizers."""
    query = (
        select(program_organizers.c.organizer_id, programs.c.id, programs.c.name)
        .join(programs, programs.c.id == program_organizers.c.program_id)
        .where(program_organizers.c.organizer_id.in_(organizer_ids))
        .order_by(program_organizers.c.granted_at, programs.c.id)
    )
    return [(r[0], r[1], r[2]) for r in (await conn.execute(query)).all()]


async def is_granted(conn: AsyncConnection, program_id: str, organizer_id: str) -> bool:
    found = await conn.scalar(
        select(func.count())
        .select_from(program_organizers)
        .where(
            program_organizers.c.program_id == program_id, program_organizers.c.organizer_id == organizer_id
        )
    )
    return bool(found)


async def granted_total(conn: AsyncConnection, program_id: str) -> int:
    """Points granted by check-ins under the program: each check-in row commits with its grant entry."""
    total = await conn.scalar(
        select(func.coalesce(func.sum(checkins.c.points), 0)).where(checkins.c.program_id == program_id)
    )
    return int(total or 0)


def _event_view(row: Any) -> EventView:
    return EventView(
        row.id,
        row.program_id,
        row.organizer_id,
        row.title,
        row.points,
        row.starts_at,
        row.ends_at,
        row.capacity,
        row._mapping.get("cancelled_at"),
        row._mapping.get("place"),
        row._mapping.get("area"),
    )


def _with_cancellation() -> Any:
    """Events with the moment each was cancelled, if it was (migration 0021)."""
    joined = events.outerjoin(event_cancellations, event_cancellations.c.event_id == events.c.id)
    return select(events, event_cancellations.c.cancelled_at).select_from(joined)


async def event(conn: AsyncConnection, event_id: str) -> EventView | None:
    row = (await conn.execute(_with_cancellation().where(events.c.id == event_id))).first()
    return None if row is None else _event_view(row)


async def event_and_program(conn: AsyncConnection, event_id: str) -> tuple[EventView, ProgramView] | None:
    """What a claim needs in one round trip: the event and the rules of its program."""
    query = select(
        events,
        programs.c.name.label("program_name"),
        programs.c.points_valid_days,
        programs.c.monthly_cap,
        programs.c.annual_cap,
    ).join(programs, programs.c.id == events.c.program_id)
    row = (await conn.execute(query.where(events.c.id == event_id))).first()
    if row is None:
        return None
    program_view = ProgramView(
        row.program_id, row.program_name, row.points_valid_days, row.monthly_cap, row.annual_cap
    )
    return _event_view(row), program_view


async def events_of(conn: AsyncConnection, organizer_id: str | None, limit: int) -> list[EventView]:
    """An organizer's events, or every event when `organizer_id` is None (the city's view)."""
    query = _with_cancellation().order_by(events.c.starts_at.desc(), events.c.id).limit(limit)
    if organizer_id is not None:
        query = query.where(events.c.organizer_id == organizer_id)
    return [_event_view(row) for row in await conn.execute(query)]


async def event_titles(conn: AsyncConnection, event_ids: list[str]) -> dict[str, str]:
    if not event_ids:
        return {}
    rows = await conn.execute(select(events.c.id, events.c.title).where(events.c.id.in_(event_ids)))
    return {r.id: r.title for r in rows}


async def due_lots(
    conn: AsyncConnection, today: date, after: tuple[date, str] | None, limit: int
) -> list[DueLot]:
    """Point lots dated before `today` that still hold something, in (expires_on, account) order.

    Served by the partial index `balances_points_due`, which holds only lots with a balance, so the cost is
    the number of lots due, not the number of lots ever created.
    """
    query = (
        select(Balance.owner, Balance.account, Balance.expires_on)
        .where(
            Balance.expires_on.is_not(None),
            Balance.posted != 0,
            Balance.asset == "PT",
            Balance.expires_on < today,
        )
        .order_by(Balance.expires_on, Balance.account)
        .limit(limit)
    )
    if after is not None:
        query = query.where(tuple_(Balance.expires_on, Balance.account) > tuple_(*after))
    rows = await conn.execute(query)
    return [DueLot(r.owner, r.account, r.expires_on) for r in rows]


async def statement(
    conn: AsyncConnection, owner: str, before: tuple[datetime, uuid.UUID] | None, limit: int
) -> list[StatementLine]:
    """The entries that touched the owner's accounts, newest first, with the owner's net change in each."""
    mine = select(Balance.account).where(Balance.owner == owner)
    points = func.coalesce(func.sum(Posting.amount).filter(Posting.asset == "PT"), 0)
    money = func.coalesce(func.sum(Posting.amount).filter(Posting.asset == "JPY"), 0)
    query = (
        select(Entry.id, Entry.kind, Entry.created_at, Entry.memo, Entry.meta, points, money)
        .join(Entry, Entry.id == Posting.entry_id)
        .where(Posting.account.in_(mine))
        .group_by(Entry.id)
        .order_by(Entry.created_at.desc(), Entry.id.desc())
        .limit(limit)
    )
    if before is not None:
        moment, entry_id = before
        query = query.where(
            Posting.created_at <= moment,
            or_(Entry.created_at < moment, and_(Entry.created_at == moment, Entry.id < entry_id)),
        )
    rows = await conn.execute(query)
    return [StatementLine(r[0], r[1], r[2], r[3], r[4], int(r[5]), int(r[6])) for r in rows]


@dataclass(frozen=True, slots=True)
class Attendance:
    count: int
    points: int


async def attendance(conn: AsyncConnection, event_id: str) -> Attendance:
    """How many residents checked in to an event so far and the points they were granted: the organizer's
    live screen (`/faces/events/{id}/attendance`), which no endpoint of the API offers."""
    row = (
        await conn.execute(
            select(func.count(), func.coalesce(func.sum(checkins.c.points), 0)).where(
                checkins.c.event_id == event_id
            )
        )
    ).one()
    return Attendance(int(row[0]), int(row[1]))


async def update_event(conn: asyncpg.Connection, event: EventView, now: datetime) -> bool:
    """Write an edit of an event that has not started and is not cancelled: false, changing nothing, when
    it started or was cancelled meanwhile (the guard is in the statement, so a race cannot slip past it)."""
    changed = await conn.fetchval(
        "UPDATE events SET title = $2, points = $3, starts_at = $4, ends_at = $5, capacity = $6, "
        "place = $8, area = $9 WHERE id = $1 AND starts_at > $7 "
        "AND NOT EXISTS (SELECT 1 FROM event_cancellations WHERE event_id = $1) RETURNING id",
        event.id,
        event.title,
        event.points,
        event.starts_at,
        event.ends_at,
        event.capacity,
        now,
        event.place,
        event.area,
    )
    return changed is not None
