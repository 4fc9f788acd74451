"""Riding with みたポ: transit operators, their routes, the fare table, and the taps their readers upload.

A tap is priced by the fare engine (`fares.decide`) against the resident's taps already recorded around it,
and recorded in the same transaction as its `fare` entry. Two uploads for one resident may race (two readers,
or a reader and an on-demand ride ending); so each command says how many taps the resident had when it was
decided (`Limit` on `transit:taps:<resident>`, one more than seen), and the writer refuses it when another
tap was recorded in between: the tap is then decided again on fresh taps. The day's cap is also a `Limit`,
so even a bug here could not charge past it. docs/transit.md states every rule.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts import auth, residents, staff_log
from mitapo.cards import cards
from mitapo.engine import chart, clock, funding
from mitapo.engine.commands import (
    ENTRY_ID,
    Command,
    Idempotency,
    Limit,
    Once,
    Plan,
    PlanView,
    Refusal,
    Row,
    Written,
)
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.engine.funding import FundingMode
from mitapo.engine.keys import KeyRing
from mitapo.engine.ledger import post
from mitapo.limits import rules
from mitapo.payments import paycodes
from mitapo.transit import fares, readers, reads, tables
from mitapo.transit.fares import Charge, FareRule
from mitapo.transit.reads import FareRuleView, RouteView
from mitapo.transit.schemas import DayCaps, FareRuleOut, FareRules

STALE = "transit_stale"
"""The writer's refusal when another tap of the resident was recorded since the read: decide again."""
ATTEMPTS = 20


# --- operators, routes and the fare table ------------------------------------------------------------------


async def create_operator(
    db: Database, name: str, *, idempotency: Idempotency | None = None, actor: str | None = None
) -> dict[str, Any]:
    """An operator and its API key, with its receivable. A replay answers the id with `api_key: null`: the
    secret is stored only hashed. `actor` (who created it) goes in the staff action log."""
    operator_id = f"{auth.PREFIX['operator']}_{uuid.uuid4().hex[:16]}"
    secret = auth.new_secret("operator")
    written = await post(
        db,
        Command(
            kind=None,
            accounts=(chart.operator_receivable(operator_id),),
            rows=(
                auth.principal_row(operator_id, "operator", name, secret),
                Row(tables.operators, {"id": operator_id, "name": name}),
                *auth.created_by(actor, operator_id, "operator", name),
            ),
            idempotency=idempotency,
            result=lambda _: {"id": operator_id, "api_key": None},
        ),
    )
    return dict(written.result) if written.replayed else {"id": operator_id, "api_key": secret}


@dataclass(frozen=True, slots=True)
class NewRoute:
    operator_id: str
    code: str
    name: str
    kind: str
    adult_fare: int | None = None


ROUTE_CREATED = "route.created"  # staff actions
FARE_RULE_CREATED = "fare_rule.created"


def _logged(actor: str | None, action: str, subject: str, reason: str) -> tuple[Row, ...]:
    """The staff action log's line for the command that makes the thing (none without an actor)."""
    return () if actor is None else (staff_log.row(actor, action, subject, reason),)


async def create_route(
    db: Database, route: NewRoute, *, idempotency: Idempotency | None = None, actor: str | None = None
) -> tuple[Written, dict[str, Any]]:
    """A bus line or an on-demand area. Its code is unique per operator (a spent token says so at once)."""
    async with db.read() as conn:
        if not await reads.operator_exists(conn, route.operator_id):
            raise NotFound("operator")
    route_id = f"rt_{uuid.uuid4().hex[:16]}"
    body = {
        "id": route_id,
        "operator_id": route.operator_id,
        "code": route.code,
        "name": route.name,
        "kind": route.kind,
        "adult_fare": route.adult_fare,
    }
    written = await post(
        db,
        Command(
            kind=None,
            rows=(Row(tables.routes, dict(body)), *_logged(actor, ROUTE_CREATED, route_id, route.code)),
            once=(Once(f"transit-route:{route.operator_id}:{route.code}", "route_code_taken"),),
            idempotency=idempotency,
            result=lambda _: body,
        ),
    )
    return written, dict(written.result)


def to_rule(view: FareRuleView) -> FareRule:
    caps = {"adult": view.cap_adult, "child": view.cap_child, "concession": view.cap_concession}
    return FareRule(
        id=view.id,
        default_adult_fare=view.default_adult_fare,
        reduced_percent=view.reduced_percent,
        round_to=view.round_to,
        transfer_discount=view.transfer_discount,
        transfer_window=timedelta(minutes=view.transfer_window_minutes),
        day_caps=caps,
    )


def fare_rule_out(view: FareRuleView) -> FareRuleOut:
    return FareRuleOut(
        id=view.id,
        effective_from=view.effective_from.isoformat(),
        default_adult_fare=view.default_adult_fare,
        reduced_percent=view.reduced_percent,
        round_to=view.round_to,
        transfer_discount=view.transfer_discount,
        transfer_window_minutes=view.transfer_window_minutes,
        day_caps=DayCaps(adult=view.cap_adult, child=view.cap_child, concession=view.cap_concession),
    )


async def create_fare_rule(
    db: Database,
    rule: FareRuleView,
    now: datetime,
    *,
    idempotency: Idempotency | None = None,
    actor: str | None = None,
) -> tuple[Written, dict[str, Any]]:
    """A new version of the fare table, in force from its `effective_from` (now or later: a tap uploaded
    late is priced by the rule of its own time, so the past is never re-priced)."""
    if rule.effective_from < now:
        raise Invalid("effective_from may not be in the past")
    rule = replace(rule, id=f"fr_{uuid.uuid4().hex[:16]}")
    body = msgspec.to_builtins(fare_rule_out(rule))
    row = asdict(rule)
    when = f"from {rule.effective_from.isoformat()}"
    written = await post(
        db,
        Command(
            kind=None,
            rows=(Row(tables.fare_rules, row), *_logged(actor, FARE_RULE_CREATED, rule.id, when)),
            idempotency=idempotency,
            result=lambda _: body,
        ),
    )
    return written, dict(written.result)


async def fare_rules(db: Database) -> FareRules:
    async with db.read() as conn:
        return FareRules(items=[fare_rule_out(rule) for rule in await reads.all_fare_rules(conn)])


# --- a ride's charge: shared by reader taps and on-demand rides --------------------------------------------


@dataclass(frozen=True, slots=True)
class TapWindow:
    """How far ahead of the server a reader's clock may run, how late a reader may upload a tap, how long
    a pay code is good for (judged at the tap's time), and how much a resident may spend in a day."""

    skew: timedelta
    late: timedelta
    pay_code_seconds: int
    spend_per_day: int | None = None
    card_per_day: int | None = None  # what a みたポ card may pay a day, fares and shops together

    def judge(self, moment: datetime | None, now: datetime) -> datetime:
        """The moment a tap happened, when it is a moment the service accepts; now if none was sent."""
        if moment is None:
            return now
        if moment > now + self.skew:
            raise DomainError("tap_in_future", "the tap's time is ahead of the service's clock")
        if moment < now - self.late:
            raise DomainError("tap_too_old", f"taps are accepted up to {self.late} after they happen")
        return moment


@dataclass(frozen=True, slots=True)
class Ride:
    """One charge to decide: a reader's tap, or the end of an on-demand ride (its id is the booking's)."""

    tap_id: str
    resident_id: str
    category: str
    route: RouteView
    tapped_at: datetime
    rule: FareRule
    booking_id: str | None = None
    spend_per_day: int | None = None  # none for a booked ride: its fare was set aside when it was booked
    card: cards.Holder | None = None  # a tap of a みたポ card: it must be alive, and within its daily limit
    card_per_day: int | None = None


@dataclass(frozen=True, slots=True)
class Paid:
    points: int
    money: int


def taps_counter(resident_id: str) -> str:
    return f"transit:taps:{resident_id}"


def day_counter(resident_id: str, charge: Charge) -> str:
    return f"transit:day:{resident_id}:{charge.service_day.isoformat()}"


def ride_limits(ride: Ride, charge: Charge, seen: int) -> tuple[Limit, ...]:
    """No tap recorded since the decision was read; the day's charges within the cap and the spend limit."""
    fresh = Limit(taps_counter(ride.resident_id), 1, seen + 1, STALE, "another tap was recorded meanwhile")
    day = clock.tokyo_date(ride.tapped_at)
    card = () if ride.card is None else ride.card.limits(charge.charged, day, ride.card_per_day)
    if not charge.charged:
        return (fresh, *card)
    cap = Limit(
        day_counter(ride.resident_id, charge), charge.charged, ride.rule.cap(ride.category), "cap_exceeded"
    )
    return fresh, cap, *rules.daily_spend(ride.resident_id, charge.charged, day, ride.spend_per_day), *card


def ride_meta(ride: Ride, charge: Charge) -> dict[str, Any]:
    """What the fare entry says about itself, the fare rule that produced it first."""
    return {
        "fare_rule": ride.rule.id,
        "tap_id": ride.tap_id,
        "booking_id": ride.booking_id,
        "route_id": ride.route.id,
        "operator_id": ride.route.operator_id,
        "resident_id": ride.resident_id,
        "category": ride.category,
        "tapped_at": ride.tapped_at.isoformat(),
        "service_day": charge.service_day.isoformat(),
        "fare": charge.fare,
        "discount": charge.discount,
    }


def tap_row(ride: Ride, charge: Charge, paid: Paid) -> Row:
    return Row(
        tables.taps,
        {
            "id": ride.tap_id,
            "resident_id": ride.resident_id,
            "operator_id": ride.route.operator_id,
            "route_id": ride.route.id,
            "booking_id": ride.booking_id,
            "tapped_at": ride.tapped_at,
            "service_day": charge.service_day,
            "category": ride.category,
            "fare_rule": ride.rule.id,
            **_amounts(charge, paid),
            "entry_id": ENTRY_ID,
        },
    )


def _amounts(charge: Charge, paid: Paid) -> dict[str, int]:
    """What a tap cost and how it was paid: the same words in its row and in its answer."""
    return {
        "fare": charge.fare,
        "discount": charge.discount,
        "charged": charge.charged,
        "points_used": paid.points,
        "money_used": paid.money,
    }


def ride_answer(ride: Ride, charge: Charge, paid: Paid, entry_id: uuid.UUID) -> dict[str, Any]:
    return {
        "id": ride.tap_id,
        "route_id": ride.route.id,
        "tapped_at": ride.tapped_at.isoformat(),
        "service_day": charge.service_day.isoformat(),
        "fare_rule": ride.rule.id,
        **_amounts(charge, paid),
        "entry_id": str(entry_id) if charge.charged else None,
    }


CommandFor = Callable[[Charge, int], Command]


async def charge_ride(db: Database, ride: Ride, command_for: CommandFor) -> Written:
    """Decide the ride on the resident's recorded taps and submit it; decide again when a tap came between.

    `command_for(charge, seen)` builds the command from the decision and the count of taps it was read at.
    """
    for _ in range(ATTEMPTS):
        seen, charge = await _decide(db, ride)
        try:
            return await post(db, command_for(charge, seen))
        except DomainError as refusal:
            if refusal.code != STALE and not await _moved(db, ride.resident_id, seen):
                raise
    raise DomainError("transit_busy", "too many taps of this resident at once; upload the tap again")


async def answered_once(
    db: Database, idempotency: Idempotency | None, attempt: Callable[[], Awaitable[Written]]
) -> Written:
    """Run `attempt`; when it refuses, refuse through the writer with the request's key, so that a retry of a
    request that once succeeded gets its first answer, not a refusal its own success caused (the pay code
    now spent, the booking now ended, the tap's time now too old)."""
    try:
        return await attempt()
    except DomainError as refusal:
        if idempotency is None:
            raise
        return await post(db, Command(kind=None, plan=_refusing(refusal), idempotency=idempotency))


def _refusing(refusal: DomainError) -> Callable[[PlanView], Plan]:
    def plan(_: PlanView) -> Plan:
        raise Refusal(refusal.code, refusal.detail)

    return plan


async def _decide(db: Database, ride: Ride) -> tuple[int, Charge]:
    start, end = fares.relevant_span(ride.tapped_at, ride.rule)
    async with db.read() as conn:
        history = await reads.tap_history(conn, ride.resident_id, taps_counter(ride.resident_id), start, end)
    recorded = [
        fares.RecordedTap(t.id, t.tapped_at, Charge(t.fare, t.discount, t.charged, t.service_day))
        for t in history.taps
    ]
    tap = fares.Tap(ride.tap_id, ride.tapped_at, ride.category, ride.route.adult_fare)
    return history.recorded_count, fares.decide(tap, recorded, ride.rule)


async def _moved(db: Database, resident_id: str, seen: int) -> bool:
    """Was the refusal taken on a stale read? (A plan refuses before the writer counts the taps.)"""
    async with db.read() as conn:
        return await reads.recorded_count(conn, taps_counter(resident_id)) != seen


# --- reader taps -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reading:
    """What a reader uploads: the resident's pay code or a みたポ card, the route's code, and when the tap
    happened."""

    operator_id: str
    route_code: str
    pay_code: str | None
    tapped_at: datetime | None
    card: str | None = None
    signed: readers.Signed | None = None

    def fingerprint(self) -> bytes:
        """The same tap uploaded again has the same fingerprint, whatever its Idempotency-Key."""
        sent = None if self.tapped_at is None else self.tapped_at.astimezone(UTC).isoformat()
        shown = self.pay_code if self.card is None else ["card", self.card]
        canonical = json.dumps([self.operator_id, self.route_code, shown, sent], separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).digest()


async def tap(
    db: Database,
    keys: KeyRing,
    reading: Reading,
    window: TapWindow,
    now: datetime,
    *,
    idempotency: Idempotency | None = None,
) -> tuple[Written, dict[str, Any]]:
    """Charge a tap: the code judged at the tap's time, the fare at the rule of that time, once per code."""

    async def attempt() -> Written:
        return await _tap(db, keys, reading, window, now, idempotency)

    written = await answered_once(db, idempotency, attempt)
    return written, dict(written.result)


async def _tap(
    db: Database,
    keys: KeyRing,
    reading: Reading,
    window: TapWindow,
    now: datetime,
    idempotency: Idempotency | None,
) -> Written:
    tapped_at = window.judge(reading.tapped_at, now)
    if reading.card is not None:
        return await _card_tap(db, reading, window, tapped_at, idempotency)
    if reading.signed is not None:  # the reader proves it read the code at tapped_at
        await readers.check(
            db, reading.operator_id, reading.signed, reading.route_code, tapped_at, reading.pay_code or ""
        )
    async with db.read() as conn:
        route = await _route(conn, reading)
        code = paycodes.verify(keys, reading.pay_code or "", tapped_at, window.pay_code_seconds)
        if reading.signed is None:  # nothing proves when it was read: the code must be fresh on arrival too
            paycodes.check_fresh(code, now, window.pay_code_seconds)
        ride = await _reader_ride(conn, code.jti, code.resident_id, route, tapped_at, window)
    once = replace(paycodes.once(code), request_hash=reading.fingerprint())

    def command_for(charge: Charge, seen: int) -> Command:
        return _tap_command(ride, charge, seen, code.funding, (once,), idempotency)

    return await charge_ride(db, ride, command_for)


async def _card_tap(
    db: Database, reading: Reading, window: TapWindow, tapped_at: datetime, idempotency: Idempotency | None
) -> Written:
    """A みたポ card held to the reader: no PIN, points first, the fare rules and day cap as for a pay code,
    and the card's daily limit. A tap sent with its time is charged once however often it is uploaded (its
    fingerprint is spent); one without is a new tap each time, and its Idempotency-Key answers a retry."""
    holder = await cards.holder(db, reading.card or "")
    tap_id = f"ct_{uuid.uuid4().hex[:20]}"
    async with db.read() as conn:
        route = await _route(conn, reading)
        ride = await _reader_ride(conn, tap_id, holder.resident_id, route, tapped_at, window, holder)
    fingerprint = replace(reading, card=holder.card_id).fingerprint()  # however the card was sent
    spent = Once(f"cardtap:{fingerprint.hex()}", "code_used", fingerprint)
    once = () if reading.tapped_at is None else (spent,)

    def command_for(charge: Charge, seen: int) -> Command:
        return _tap_command(ride, charge, seen, "points_first", once, idempotency)

    return await charge_ride(db, ride, command_for)


async def _reader_ride(
    conn: AsyncConnection,
    tap_id: str,
    resident_id: str,
    route: RouteView,
    tapped_at: datetime,
    window: TapWindow,
    card: cards.Holder | None = None,
) -> Ride:
    """The ride a reader's tap makes, by pay code or by card: the resident's fare category (refused for a
    closed account) and the fare rule of the tap's time; a card's daily limit only where a card paid."""
    category = await resident_category(conn, resident_id)
    rule = to_rule(await reads.fare_rule_at(conn, tapped_at))
    card_per_day = None if card is None else window.card_per_day
    return Ride(
        tap_id,
        resident_id,
        category,
        route,
        tapped_at,
        rule,
        spend_per_day=window.spend_per_day,
        card=card,
        card_per_day=card_per_day,
    )


async def _route(conn: AsyncConnection, reading: Reading) -> RouteView:
    route = await reads.route_by_code(conn, reading.operator_id, reading.route_code)
    if route is None:
        raise NotFound("route")
    return route


async def resident_category(conn: AsyncConnection, resident_id: str) -> str:
    resident = await residents.find(conn, resident_id)
    if resident is None:
        raise DomainError("code_invalid", "the pay code names no resident")
    if resident.closed_at is not None:
        raise DomainError("account_closed", "this resident's account is closed")
    return resident.fare_category


def _tap_command(
    ride: Ride,
    charge: Charge,
    seen: int,
    mode: FundingMode,
    once: tuple[Once, ...],
    idempotency: Idempotency | None,
) -> Command:
    entry_id = uuid.uuid4()
    receivable = chart.operator_receivable(ride.route.operator_id)

    def plan(view: PlanView) -> Plan:
        split = funding.split(view, ride.resident_id, charge.charged, mode)
        paid = Paid(split.points, split.money)
        return Plan(
            postings=(*funding.debits(ride.resident_id, split), *funding.credits(receivable.code, split)),
            rows=(tap_row(ride, charge, paid),),
            info={"answer": ride_answer(ride, charge, paid, entry_id)},
        )

    return Command(
        kind="fare",
        entry_id=entry_id,
        memo=f"fare on {ride.route.code} ({ride.route.name})",
        meta=ride_meta(ride, charge),
        accounts=(receivable,),
        lock_owners=(chart.resident_owner(ride.resident_id), receivable.owner or ""),
        plan=plan,
        limits=ride_limits(ride, charge, seen),
        once=once,
        idempotency=idempotency,
        result=lambda decided: decided.info["answer"],
    )
