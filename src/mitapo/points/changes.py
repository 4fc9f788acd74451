"""An organizer changes its events: edits one before it starts, or cancels one before it ends.

An edit rewrites the event's row, so it is allowed only while nobody can have claimed it: before it starts
(a claim needs an open event) and not once cancelled; the guard is part of the UPDATE itself. Claims read an
event once and keep it only after it started (`checkins._scanned_event`), when it can no longer be edited.

A cancellation is not an edit: an append-only row written by the writer with the counter
`event:<id>:cancelled`, which every claim checks under lock (`checkins.limits`). A claim racing the
cancellation lands before it or is refused; points already granted stay granted (the city can reverse them).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from mitapo.accounts import staff_log
from mitapo.engine.commands import Command, Idempotency, Limit, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid
from mitapo.engine.ledger import post
from mitapo.points import events, reads, tables
from mitapo.points.reads import EventView

CANCELLED_DETAIL = "the event was cancelled"
UPDATED = "event.updated"  # staff actions (an organizer's own changes are not)
CANCELLED = "event.cancelled"


@dataclass(frozen=True, slots=True)
class EventChange:
    """What an edit sets; None leaves the field as it is."""

    title: str | None = None
    points: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    capacity: int | None = None
    place: str | None = None
    area: str | None = None


def cancelled_key(event_id: str) -> str:
    return f"event:{event_id}:cancelled"


def still_on(event_id: str) -> Limit:
    """Added to every claim: refused with event_not_open once the event is cancelled."""
    return Limit(cancelled_key(event_id), 0, 0, "event_not_open", CANCELLED_DETAIL)


def changed(event: EventView, change: EventChange, now: datetime) -> EventView:
    """The event as the edit leaves it, if the edit may be made at `now` (pure: no I/O)."""
    if event.cancelled_at is not None:
        raise DomainError("event_cancelled", CANCELLED_DETAIL)
    if event.starts_at <= now:
        raise DomainError("event_started", "an event is edited only before it starts")
    after = dataclasses.replace(
        event,
        title=change.title or event.title,
        points=change.points or event.points,
        starts_at=change.starts_at or event.starts_at,
        ends_at=change.ends_at or event.ends_at,
        capacity=change.capacity or event.capacity,
        place=change.place or event.place,
        area=change.area or event.area,
    )
    if after.starts_at <= now:
        raise Invalid("starts_at must be in the future")
    if after.ends_at <= after.starts_at:
        raise Invalid("ends_at must be after starts_at")
    return after


async def edit(
    db: Database,
    event_id: str,
    organizer_id: str | None,
    change: EventChange,
    now: datetime,
    *,
    actor: str | None = None,
) -> EventView:
    """Edit an event of the organizer's (any event, for the city) that has not started; with `actor` (a
    staff member), the staff action log's line commits with the change."""
    event = await events.visible(db, event_id, organizer_id)
    after = changed(event, change, now)
    async with db.raw() as conn, conn.transaction():
        if not await reads.update_event(conn, after, now):
            changed(await events.visible(db, event_id, organizer_id), change, now)  # names what happened
            raise DomainError("event_started", "the event started meanwhile")
        if actor is not None:
            await staff_log.record(conn, actor, UPDATED, event_id)
    return after


async def cancel(
    db: Database,
    event_id: str,
    organizer_id: str | None,
    cancelled_by: str,
    reason: str,
    now: datetime,
    *,
    idempotency: Idempotency | None = None,
    actor: str | None = None,
) -> Written:
    """Cancel an event that has not ended; the answer is `{id, cancelled_at}`. With `actor` (a staff
    member), the staff action log's line commits with the cancellation."""
    event = await events.visible(db, event_id, organizer_id)
    if event.ends_at <= now:
        raise DomainError("event_not_open", "the event has ended")
    row = {"event_id": event.id, "cancelled_by": cancelled_by, "reason": reason, "cancelled_at": now}
    return await post(
        db,
        Command(
            kind=None,
            limits=(Limit(cancelled_key(event.id), 1, 1, "event_cancelled", "cancelled already"),),
            rows=(
                Row(tables.event_cancellations, row),
                *(() if actor is None else (staff_log.row(actor, CANCELLED, event.id, reason),)),
            ),
            idempotency=idempotency,
            result=lambda _: {"id": event.id, "cancelled_at": now.isoformat()},
        ),
    )
