"""On-demand rides booked ahead: the fare is held when the resident books, charged when the ride ends.

The resident books (the hold is on their wallet, so it is theirs to place); the route's operator completes
the ride, or either of them cancels it; a booking still open past its no-show timeout is released by
`release_overdue`, which the runtime runs periodically. A hold is placed on exactly the accounts the funding
plan would take the fare from (the soonest-expiring points first, then money), so completing the ride takes
from the holds alone. The plan is made on a read of the wallet; the writer then places the holds under the
wallet's locks and refuses them if anything took those points or that money meanwhile, and the plan is
made again. A hold counts against the balance until it is resolved, so held money is never spent twice.

Each booking ends once: completing, cancelling and the no-show release all spend `booking-end:<id>`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import msgspec

from mitapo.accounts.principals import PrincipalView
from mitapo.engine import chart, funding
from mitapo.engine.commands import (
    Command,
    HoldPlacement,
    HoldResolution,
    Idempotency,
    Leg,
    Once,
    PlanView,
    Refusal,
    Row,
    Written,
)
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.engine.funding import FundingMode
from mitapo.engine.ledger import post
from mitapo.transit import reads, rides, tables
from mitapo.transit.fares import Charge
from mitapo.transit.reads import BookingView, HeldView
from mitapo.transit.rides import Paid, Ride, TapWindow
from mitapo.transit.schemas import BookingOut, BookingStatus

ATTEMPTS = 10
BOOK_AHEAD = timedelta(days=1)
RELEASE_PAGE = 500


@dataclass(frozen=True, slots=True)
class NewBooking:
    resident_id: str
    route_id: str
    pickup_at: datetime | None
    mode: FundingMode = "points_first"


async def book(
    db: Database,
    booking: NewBooking,
    now: datetime,
    no_show_after: timedelta,
    *,
    idempotency: Idempotency | None = None,
) -> tuple[Written, dict[str, Any]]:
    """Hold the fare of an on-demand ride on the resident's wallet until the ride ends."""
    pickup_at = booking.pickup_at or now
    if not now - no_show_after < pickup_at <= now + BOOK_AHEAD:
        raise Invalid(f"pickup_at is at most {BOOK_AHEAD} ahead, and not past its no-show timeout")
    async with db.read() as conn:
        route = await reads.route(conn, booking.route_id)
        if route is None:
            raise NotFound("route")
        if route.kind != "on_demand":
            raise DomainError("route_not_bookable", "only on-demand routes take bookings")
        category = await rides.resident_category(conn, booking.resident_id)
        rule = await reads.fare_rule_at(conn, pickup_at)
    fare = rides.to_rule(rule).fare(category, route.adult_fare)
    ride = _Booked(
        id=f"bk_{uuid.uuid4().hex[:16]}",
        request=booking,
        route_id=route.id,
        category=category,
        fare_rule=rule.id,
        fare=fare,
        pickup_at=pickup_at,
        expires_at=pickup_at + no_show_after,
    )
    written = await rides.answered_once(db, idempotency, lambda: _place(db, ride, now, idempotency))
    return written, dict(written.result)


@dataclass(frozen=True, slots=True)
class _Booked:
    id: str
    request: NewBooking
    route_id: str
    category: str
    fare_rule: str
    fare: int
    pickup_at: datetime
    expires_at: datetime


async def _place(db: Database, ride: _Booked, now: datetime, idempotency: Idempotency | None) -> Written:
    """Plan the holds on a read of the wallet and place them; plan again when the wallet changed meanwhile."""
    for _ in range(ATTEMPTS - 1):
        holds = await _plan_holds(db, ride, now)  # refuses when the wallet as read cannot pay
        try:
            return await post(db, _hold_command(ride, holds, idempotency))
        except DomainError as refusal:
            if refusal.code != "insufficient_funds":
                raise
    return await post(db, _hold_command(ride, await _plan_holds(db, ride, now), idempotency))


async def _plan_holds(db: Database, ride: _Booked, now: datetime) -> list[HoldPlacement]:
    """One hold per account the fare would be paid from, as the funding plan decides it on a fresh read."""
    resident_id = ride.request.resident_id
    async with db.read() as conn:
        balances = await reads.balances_of(conn, chart.resident_owner(resident_id))
    try:
        split = funding.split(PlanView(balances, {}, now), resident_id, ride.fare, ride.request.mode)
    except Refusal as refusal:
        raise DomainError(refusal.code, refusal.detail) from None
    return [
        HoldPlacement(uuid.uuid4(), leg.account, leg.asset, leg.amount, ride.expires_at)
        for leg in funding.debits(resident_id, split)
    ]


def _hold_command(ride: _Booked, holds: list[HoldPlacement], idempotency: Idempotency | None) -> Command:
    points = sum(h.amount for h in holds if h.asset == chart.PT)
    row = {
        "id": ride.id,
        "resident_id": ride.request.resident_id,
        "route_id": ride.route_id,
        "category": ride.category,
        "fare_rule": ride.fare_rule,
        "fare": ride.fare,
        "points_held": points,
        "money_held": ride.fare - points,
        "pickup_at": ride.pickup_at,
        "expires_at": ride.expires_at,
    }
    body = {
        **row,
        "status": "held",
        "pickup_at": ride.pickup_at.isoformat(),
        "expires_at": ride.expires_at.isoformat(),
    }
    return Command(
        kind=None,
        holds=tuple(holds),
        rows=(
            Row(tables.bookings, row),
            *(Row(tables.booking_holds, {"hold_id": h.id, "booking_id": ride.id}) for h in holds),
        ),
        idempotency=idempotency,
        result=lambda _: body,
    )


def booking_out(booking: BookingView, status: BookingStatus | None = None) -> BookingOut:
    """The booking as its resident and operator see it; `status` for the answer of the write that ends it."""
    return BookingOut(
        id=booking.id,
        resident_id=booking.resident_id,
        route_id=booking.route.id,
        category=booking.category,
        fare_rule=booking.fare_rule,
        fare=booking.fare,
        points_held=booking.points_held,
        money_held=booking.money_held,
        pickup_at=booking.pickup_at.isoformat(),
        expires_at=booking.expires_at.isoformat(),
        status=status or cast(BookingStatus, booking.outcome or "held"),
    )


async def _visible(db: Database, principal: PrincipalView, booking_id: str) -> BookingView:
    """The booking, to its resident and to its route's operator; to anyone else it does not exist."""
    async with db.read() as conn:
        booking = await reads.booking(conn, booking_id)
    if booking is None or principal.id not in (booking.resident_id, booking.route.operator_id):
        raise NotFound("booking")
    return booking


async def read(db: Database, principal: PrincipalView, booking_id: str) -> BookingOut:
    return booking_out(await _visible(db, principal, booking_id))


def _end(booking: BookingView, outcome: str, ended_by: str, tap_id: str | None = None) -> tuple[Row, Once]:
    row = Row(
        tables.booking_ends,
        {"booking_id": booking.id, "outcome": outcome, "ended_by": ended_by, "tap_id": tap_id},
    )
    return row, Once(f"booking-end:{booking.id}", "booking_closed")


def _release(
    booking: BookingView, status: str, outcome: BookingStatus, ended_by: str, idempotency: Idempotency | None
) -> Command:
    """Give the whole hold back: the ride was cancelled, or nobody showed up."""
    row, once = _end(booking, outcome, ended_by)
    body = msgspec.to_builtins(booking_out(booking, outcome))
    return Command(
        kind=None,
        resolve_holds=tuple(HoldResolution(h.hold_id, status) for h in booking.holds),
        rows=(row,),
        once=(once,),
        idempotency=idempotency,
        result=lambda _: body,
    )


async def cancel(
    db: Database, principal: PrincipalView, booking_id: str, *, idempotency: Idempotency | None = None
) -> tuple[Written, dict[str, Any]]:
    """The resident or the operator calls the ride off before it ends: every hold is voided."""

    async def attempt() -> Written:
        booking = await _visible(db, principal, booking_id)
        return await post(db, _release(booking, "voided", "cancelled", principal.id, idempotency))

    written = await rides.answered_once(db, idempotency, attempt)
    return written, dict(written.result)


async def release_overdue(db: Database, now: datetime) -> int:
    """Release every booking still open past its no-show timeout; how many were released."""
    released = 0
    while True:
        async with db.read() as conn:
            due = await reads.overdue_bookings(conn, now, RELEASE_PAGE)
            found = [b for b in [await reads.booking(conn, i) for i in due] if b is not None]
        outcomes = [await db.submit(_release(b, "expired", "no_show", "system", None)) for b in found]
        progress = sum(1 for outcome in outcomes if isinstance(outcome, Written))
        released += progress
        if len(due) < RELEASE_PAGE or not progress:
            return released


async def complete(
    db: Database,
    operator_id: str,
    booking_id: str,
    ended_at: datetime | None,
    window: TapWindow,
    now: datetime,
    *,
    idempotency: Idempotency | None = None,
) -> tuple[Written, dict[str, Any]]:
    """The ride happened: charge it like a tap at its end (transfers, the day's cap) from the holds, and give
    back what was held beyond the charge."""

    async def attempt() -> Written:
        async with db.read() as conn:
            booking = await reads.booking(conn, booking_id)
            if booking is None or booking.route.operator_id != operator_id:
                raise NotFound("booking")
            rule = await reads.fare_rule(conn, booking.fare_rule)
        assert rule is not None  # the booking's foreign key
        ride = Ride(
            tap_id=booking.id,
            resident_id=booking.resident_id,
            category=booking.category,
            route=booking.route,
            tapped_at=window.judge(ended_at, now),
            rule=rides.to_rule(rule),
            booking_id=booking.id,
        )
        return await rides.charge_ride(
            db, ride, lambda charge, seen: _completion(booking, ride, charge, seen, idempotency)
        )

    written = await rides.answered_once(db, idempotency, attempt)
    return written, dict(written.result)


def take_from_holds(holds: tuple[HeldView, ...], amount: int) -> list[tuple[HeldView, int]]:
    """What each hold gives to pay `amount`, in the order they were planned (points soonest first, money)."""
    taken = []
    for held in holds:
        part = min(held.amount, amount)
        taken.append((held, part))
        amount -= part
    return taken


def _completion(
    booking: BookingView, ride: Ride, charge: Charge, seen: int, idempotency: Idempotency | None
) -> Command:
    entry_id = uuid.uuid4()
    receivable = chart.operator_receivable(booking.route.operator_id)
    taken = take_from_holds(booking.holds, charge.charged)
    debits = [Leg(held.account, held.asset, part) for held, part in taken if part]
    paid = Paid(
        points=sum(leg.amount for leg in debits if leg.asset == chart.PT),
        money=sum(leg.amount for leg in debits if leg.asset == chart.JPY),
    )
    credits = [
        Leg(receivable.code, asset, -total)
        for asset, total in ((chart.PT, paid.points), (chart.JPY, paid.money))
        if total
    ]
    end, once = _end(booking, "completed", booking.route.operator_id, ride.tap_id)
    return Command(
        kind="fare",
        entry_id=entry_id,
        memo=f"on-demand ride on {booking.route.code} ({booking.route.name})",
        meta=rides.ride_meta(ride, charge),
        postings=(*debits, *credits),
        accounts=(receivable,),
        lock_owners=(chart.resident_owner(booking.resident_id),),
        resolve_holds=tuple(HoldResolution(h.hold_id, "posted" if part else "voided") for h, part in taken),
        limits=rides.ride_limits(ride, charge, seen),
        rows=(rides.tap_row(ride, charge, paid), end),
        once=(once,),
        idempotency=idempotency,
        result=lambda _: rides.ride_answer(ride, charge, paid, entry_id),
    )
