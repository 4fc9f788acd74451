"""Gifts between residents. The points keep their expiry: each lot taken from the giver (soonest-expiring
first) lands in the recipient's lot of the same date, so a gift can neither extend nor shorten a point's life.
A day's gifts per giver are limited, and an install may switch gifting off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from mitapo.accounts import residents
from mitapo.accounts.residents import ResidentView
from mitapo.engine import chart, clock, spending
from mitapo.engine.commands import Command, Idempotency, Leg, Limit, Plan, PlanView, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.money import closing


async def give(
    db: Database,
    sender_id: str,
    recipient_id: str,
    points: int,
    now: datetime,
    *,
    enabled: bool,
    daily_limit: int,
    idempotency: Idempotency | None = None,
) -> Written:
    if not enabled:
        raise DomainError("gifting_disabled", "gifts between residents are switched off here")
    if recipient_id == sender_id:
        raise Invalid("a gift goes to another resident")
    async with db.read() as conn:
        recipient = await residents.find(conn, recipient_id)
    if recipient is None or recipient.closed_at is not None:
        raise NotFound("resident")
    today = clock.tokyo_date(now)
    return await post(
        db,
        Command(
            kind="gift",
            plan=gift_plan(sender_id, recipient_id, points, today),
            lock_owners=(chart.resident_owner(sender_id), chart.resident_owner(recipient_id)),
            limits=(
                Limit(f"gift:{sender_id}:{today}", points, daily_limit, "cap_exceeded", "daily gift limit"),
                closing.still_open(recipient_id),  # a closure racing the gift: refused, never credited
            ),
            memo="gift",
            meta={"from_resident_id": sender_id, "to_resident_id": recipient_id},
            idempotency=idempotency,
        ),
    )


def gift_plan(sender_id: str, recipient_id: str, points: int, today: date) -> Callable[[PlanView], Plan]:
    def plan(view: PlanView) -> Plan:
        takes = spending.take_points(view, sender_id, points, today)
        by_date: dict[date, int] = {}
        for take in takes:
            assert take.lot.expires_on is not None  # spendable lots always have a date
            by_date[take.lot.expires_on] = by_date.get(take.lot.expires_on, 0) + take.points
        lots = {expires_on: chart.resident_lot(recipient_id, expires_on) for expires_on in sorted(by_date)}
        credits = [Leg(lot.code, chart.PT, -by_date[expires_on]) for expires_on, lot in lots.items()]
        return Plan(postings=(*spending.debit_legs(takes), *credits), accounts=tuple(lots.values()))

    return plan


async def recipient(db: Database, number: str) -> ResidentView:
    """The open account holding a resident number (parsed by `accounts.numbers.parse`); not_found for a
    number nobody holds and for a closed account alike, so that neither tells more than the other."""
    async with db.read() as conn:
        found = await residents.by_number(conn, number)
    if found is None or found.closed_at is not None:
        raise NotFound("resident")
    return found
