"""Claims: a resident scans an event's code and the points arrive, decided by the server from the event.

Everything that could refuse the claim is decided in the writer under lock, in the same transaction as the
grant: one claim per resident and event (a spent token, and the check-ins table's primary key, so two phones
racing get one grant even through two processes), the event's capacity, the program's caps per calendar month
and fiscal year (Asia/Tokyo), and the budget. A refusal writes nothing.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from datetime import datetime, timedelta

from mitapo.accounts import staff_log
from mitapo.cards import cards
from mitapo.engine import chart, clock, codes
from mitapo.engine.commands import ENTRY_ID, Command, Idempotency, Leg, Limit, Once, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, NotFound
from mitapo.engine.keys import KeyRing
from mitapo.engine.ledger import earlier_answer, post
from mitapo.money import closing
from mitapo.points import changes, events, reads, tables
from mitapo.points.reads import EventView, ProgramView

KNOWN_EVENTS_MAX = 1024
_known_events: weakref.WeakKeyDictionary[Database, dict[str, tuple[EventView, ProgramView]]] = (
    weakref.WeakKeyDictionary()
)
"""An event is never changed once it started (`changes.edit`) and programs never are, so a festival's thousand
claims read them once; an event that has not started is read again each time. A cancellation is checked by
its counter under lock (`changes.still_on`), never from this cache."""


async def claim(
    db: Database,
    keys: KeyRing,
    resident_id: str,
    payload: str,
    now: datetime,
    step_seconds: int,
    *,
    idempotency: Idempotency | None = None,
) -> Written:
    """Check in with a scanned code; the answer is `{entry_id, event_id, points}`.

    A retry of a claim that was granted gets the first answer again even after the code or the event has
    closed: the code only has to be valid when the claim is first made.
    """
    try:
        event, program = await _scanned_event(db, keys, payload, now, step_seconds)
        return await grant(db, resident_id, event, program, now, idempotency=idempotency)
    except DomainError as refusal:
        if refusal.code not in ("code_expired", "event_not_open"):
            raise
        earlier = await earlier_answer(db, idempotency)
        if earlier is None:
            raise
        return earlier


async def _scanned_event(
    db: Database, keys: KeyRing, payload: str, now: datetime, step_seconds: int
) -> tuple[EventView, ProgramView]:
    found = await _event(db, codes.read_checkin(keys, payload, now, step_seconds), now)
    if found is None:
        raise DomainError("code_invalid", "the code names no event")
    return found


async def _event(db: Database, event_id: str, now: datetime) -> tuple[EventView, ProgramView] | None:
    """The event and its program, read once (kept once the event started); None when there is none."""
    known = _known_events.setdefault(db, {})
    found = known.get(event_id)
    if found is None:
        async with db.read() as conn:
            found = await reads.event_and_program(conn, event_id)
        if found is None or found[0].starts_at > now:
            return found  # still editable: not kept
        if len(known) >= KNOWN_EVENTS_MAX:
            known.clear()
        known[event_id] = found
    return found


CARD_CHECKED_IN = "event.card_checked_in"  # the staff action: staff checked a card holder in


async def claim_by_card(
    db: Database,
    event_id: str,
    card: str,
    now: datetime,
    *,
    organizer_id: str | None,
    idempotency: Idempotency | None = None,
    actor: str | None = None,
) -> Written:
    """The organizer scanned a みたポ card at the door of `event_id` (its own event: not_found for another's;
    `organizer_id` None for the city): its holder checks in under the same rules as with the event's code
    (one claim, capacity, caps, budget), while the card is its holder's latest. A retry of a granted claim
    gets its first answer, after the event closed or the card was replaced too. With `actor` (staff, not the
    event's organizer), the staff action log's line commits with the grant."""
    found = await _event(db, event_id, now)
    if found is None:
        raise NotFound("event")
    event, program = events.seen_by(found[0], organizer_id), found[1]
    try:
        holder = await cards.holder(db, card)
        logged = (
            () if actor is None else (staff_log.row(actor, CARD_CHECKED_IN, holder.resident_id, event.id),)
        )
        return await grant(
            db, holder.resident_id, event, program, now, idempotency=idempotency, card=holder, logged=logged
        )
    except DomainError as refusal:
        if refusal.code not in ("card_revoked", "event_not_open"):
            raise
        earlier = await earlier_answer(db, idempotency)
        if earlier is None:
            raise
        return earlier


async def grant(
    db: Database,
    resident_id: str,
    event: EventView,
    program: ProgramView,
    now: datetime,
    *,
    idempotency: Idempotency | None = None,
    card: cards.Holder | None = None,
    logged: tuple[Row, ...] = (),
) -> Written:
    """Grant the event's points to the resident, if every rule allows it at `now`; `logged` (the staff
    action log's line) commits with the grant."""
    if not event.starts_at <= now < event.ends_at:
        raise DomainError("event_not_open", f"check-in is open from {event.starts_at} to {event.ends_at}")
    command = _grant_command(resident_id, event, program, now, idempotency)
    if card is not None:
        command = replace(command, limits=(*command.limits, *card.limits(0, clock.tokyo_date(now), None)))
    return await post(db, replace(command, rows=(*command.rows, *logged)))


def _grant_command(
    resident_id: str, event: EventView, program: ProgramView, now: datetime, idempotency: Idempotency | None
) -> Command:
    expires_on = clock.tokyo_date(now) + timedelta(days=program.points_valid_days)
    lot = chart.resident_lot(resident_id, expires_on)
    budget = chart.program_budget(program.id)
    checkin = {
        "event_id": event.id,
        "resident_id": resident_id,
        "program_id": program.id,
        "points": event.points,
        "entry_id": ENTRY_ID,
    }
    return Command(
        kind="grant",
        postings=(Leg(budget.code, chart.PT, event.points), Leg(lot.code, chart.PT, -event.points)),
        accounts=(lot,),
        memo=f"check-in: {event.title}",
        meta={"event_id": event.id, "program_id": program.id, "resident_id": resident_id},
        limits=limits(resident_id, event, program, now),
        once=(Once(f"checkin:{event.id}:{resident_id}", "already_claimed"),),
        rows=(Row(tables.checkins, checkin),),
        shortfall_codes={"program:": "budget_exhausted"},
        idempotency=idempotency,
        result=lambda decided: {
            "entry_id": str(decided.entry_id),
            "event_id": event.id,
            "points": event.points,
        },
    )


def limits(resident_id: str, event: EventView, program: ProgramView, now: datetime) -> tuple[Limit, ...]:
    """The counters a claim adds to: the event's attendance, and the resident's month and fiscal year; and
    the resident must not have been closed meanwhile (points never land in a closed wallet), nor the event
    cancelled."""
    found: list[Limit] = [closing.still_open(resident_id), changes.still_on(event.id)]
    if event.capacity is not None:
        found.append(
            Limit(f"event:{event.id}:checkins", 1, event.capacity, "event_full", "the event is full")
        )
    if program.monthly_cap is not None:
        key = f"cap:{program.id}:{resident_id}:{clock.month_key(now)}"
        found.append(Limit(key, event.points, program.monthly_cap, "cap_exceeded", "monthly cap reached"))
    if program.annual_cap is not None:
        key = f"cap:{program.id}:{resident_id}:FY{clock.fiscal_year(now)}"
        found.append(Limit(key, event.points, program.annual_cap, "cap_exceeded", "fiscal-year cap reached"))
    return tuple(found)
