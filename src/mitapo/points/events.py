"""Organizers and their events. An organizer runs events under the city's programs and sees only its own;
the city (admin) sees every event. Someone else's event is reported as not found, not as forbidden, so that
its existence is not disclosed either."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts import auth, staff_log
from mitapo.engine.catalog import Code
from mitapo.engine.commands import Command, Idempotency, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.points import programs, reads, tables
from mitapo.points.reads import EventView


async def create_organizer(
    db: Database, name: str, *, idempotency: Idempotency | None = None, actor: str | None = None
) -> dict[str, Any]:
    """Answer `{id, token}`; a replay answers `token: null`, the secret being stored only hashed. `actor`
    (who created it) goes in the staff action log."""
    organizer_id, secret = await auth.create_principal(
        db, "organizer", name, idempotency=idempotency, actor=actor
    )
    return {"id": organizer_id, "token": secret or None}


async def create(
    db: Database,
    organizer_id: str,
    program_id: str,
    title: str,
    points: int,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int | None = None,
    *,
    granted_only: bool = True,
    idempotency: Idempotency | None = None,
    place: str | None = None,
    area: str | None = None,
    actor: str | None = None,
) -> Written:
    """Create an event under an existing program (with `actor`, a staff member's: the staff action log's
    line commits with it); the points it grants are fixed here, never by the client.

    An organizer (`granted_only`, the default; only the city's own calls pass False) may use only a program
    an admin granted it, else `forbidden`; nobody may make an event worth more than the program's
    `max_points_per_event` (`points_over_ceiling`): one check-in must never drain a budget."""
    if ends_at <= starts_at:
        raise Invalid("ends_at must be after starts_at")
    if granted_only and not await programs.may_organize(db, program_id, organizer_id):
        raise DomainError(Code.FORBIDDEN, "this organizer was not granted the program")
    program = await programs.get(db, program_id)
    ceiling = program.max_points_per_event
    if ceiling is not None and points > ceiling:
        raise DomainError(Code.POINTS_OVER_CEILING, f"the program grants at most {ceiling} points per event")
    event_id = f"evt_{uuid.uuid4().hex[:16]}"
    row = {
        "id": event_id,
        "program_id": program_id,
        "organizer_id": organizer_id,
        "title": title,
        "points": points,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "capacity": capacity,
        "place": place,
        "area": area,
    }
    return await post(
        db,
        Command(
            kind=None,
            rows=(Row(tables.events, row), *_logged(actor, event_id, program_id)),
            idempotency=idempotency,
            result=lambda _: {"id": event_id},
        ),
    )


CREATED = "event.created"


def _logged(actor: str | None, event_id: str, program_id: str) -> tuple[Row, ...]:
    return () if actor is None else (staff_log.row(actor, CREATED, event_id, program_id),)


async def visible(db: Database, event_id: str, organizer_id: str | None) -> EventView:
    """The event, if the viewer may see it: its own organizer, or the city when `organizer_id` is None."""
    async with db.read() as conn:
        return seen_by(await reads.event(conn, event_id), organizer_id)


def seen_by(event: EventView | None, organizer_id: str | None) -> EventView:
    """The event if it exists and the viewer may see it (its organizer, or the city: None); not_found for
    another organizer's, so that it cannot tell theirs from none."""
    if event is None or (organizer_id is not None and event.organizer_id != organizer_id):
        raise NotFound("event")
    return event


async def listing(db: Database, organizer_id: str | None, limit: int = 100) -> list[EventView]:
    async with db.read() as conn:
        return await reads.events_of(conn, organizer_id, limit)


def as_json(event: EventView) -> dict[str, Any]:
    return {
        "id": event.id,
        "program_id": event.program_id,
        "organizer_id": event.organizer_id,
        "title": event.title,
        "points": event.points,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "capacity": event.capacity,
        "cancelled_at": event.cancelled_at.isoformat() if event.cancelled_at else None,
        "place": event.place,
        "area": event.area,
    }


async def titles(conn: AsyncConnection, event_ids: list[str]) -> dict[str, str]:
    """The events' titles, read on the caller's connection (a statement or the auditor's trail names them)."""
    return await reads.event_titles(conn, event_ids)
