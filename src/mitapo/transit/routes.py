"""Riding with みたポ: operators, routes and the fare table (the city), taps (an operator's readers), and
on-demand bookings (booked by the resident, completed by the operator, cancelled by either)."""

from __future__ import annotations

from datetime import timedelta

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from mitapo.accounts.principals import PrincipalView
from mitapo.engine import clock
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.engine.errors import Invalid, NotFound
from mitapo.http.auth import roles
from mitapo.http.idempotency import answer, answer_written
from mitapo.http.schemas import shaped
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from mitapo.transit import bookings, readers
from mitapo.transit import rides as transit
from mitapo.transit.reads import FareRuleView
from mitapo.transit.schemas import (
    BookingIn,
    BookingOut,
    FareRuleIn,
    FareRuleOut,
    FareRules,
    OperatorCreated,
    OperatorIn,
    OperatorsOut,
    ReaderIn,
    ReaderOut,
    ReaderRevocationIn,
    ReaderRevoked,
    ReadersOut,
    RideEndIn,
    RideOut,
    RouteIn,
    RouteOut,
    TapIn,
)

TAGS = ["transit"]


def tap_window(settings: Settings) -> transit.TapWindow:
    return transit.TapWindow(
        skew=timedelta(seconds=settings.transit_reader_skew_seconds),
        late=timedelta(hours=settings.transit_late_upload_hours),
        pay_code_seconds=settings.pay_code_seconds,
        spend_per_day=settings.daily_spend_limit,
        card_per_day=settings.card_daily_limit,
    )


@post("/v1/transit/operators", opt=roles("admin"), tags=TAGS)
async def create_operator(
    data: JSONBody[OperatorIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[OperatorCreated]:
    body = await transit.create_operator(db, data.name, idempotency=maybe_idempotency, actor=principal.id)
    return answer(OperatorCreated, body, replayed=body["api_key"] is None)


@post("/v1/transit/routes", opt=roles("admin"), tags=TAGS)
async def create_route(
    data: JSONBody[RouteIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[RouteOut]:
    route = transit.NewRoute(data.operator_id, data.code, data.name, data.kind, data.adult_fare)
    created = await transit.create_route(db, route, idempotency=maybe_idempotency, actor=principal.id)
    return answer_written(RouteOut, *created)


@post("/v1/transit/fare-rules", opt=roles("admin"), tags=TAGS)
async def create_fare_rule(
    data: JSONBody[FareRuleIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[FareRuleOut]:
    """A new version of the fare table, in force from `effective_from` (now by default) on."""
    now = clock.now()
    rule = FareRuleView(
        id="",
        effective_from=data.effective_from or now,
        default_adult_fare=data.default_adult_fare,
        reduced_percent=data.reduced_percent,
        round_to=data.round_to,
        transfer_discount=data.transfer_discount,
        transfer_window_minutes=data.transfer_window_minutes,
        cap_adult=data.day_caps.adult,
        cap_child=data.day_caps.child,
        cap_concession=data.day_caps.concession,
    )
    written = await transit.create_fare_rule(db, rule, now, idempotency=maybe_idempotency, actor=principal.id)
    return answer_written(FareRuleOut, *written)


@get("/v1/transit/fare-rules", opt=roles("admin", "auditor", "operator"), tags=TAGS)
async def list_fare_rules(db: NamedDependency[Database]) -> FareRules:
    return await transit.fare_rules(db)


@post("/v1/transit/taps", opt=roles("operator"), tags=TAGS)
async def tap(
    data: JSONBody[TapIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[RideOut]:
    """A reader's tap, uploaded now or up to a day late: charged once; a pay code is judged at `tapped_at`
    when a registered reader signed the tap, else also on arrival."""
    if (data.pay_code is None) == (data.card is None):
        raise Invalid("send pay_code or card")
    if (data.reader_id is None) != (data.signature is None):
        raise Invalid("reader_id and signature come together")
    signed = None if data.reader_id is None else readers.Signed(data.reader_id, str(data.signature))
    reading = transit.Reading(principal.id, data.route, data.pay_code, data.tapped_at, data.card, signed)
    window = tap_window(runtime.settings)
    written = await transit.tap(
        runtime.db, runtime.keys, reading, window, clock.now(), idempotency=idempotency
    )
    return answer_written(RideOut, *written)


@post("/v1/transit/readers", opt=roles("admin", "operator"), tags=TAGS)
async def register_reader(
    data: JSONBody[ReaderIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[ReaderOut]:
    """A bus's reader and its own public key: the taps it signs count at the moment they were read."""
    if principal.role == "operator" and data.operator_id not in (None, principal.id):
        raise NotFound("operator")
    operator_id = principal.id if principal.role == "operator" else data.operator_id
    if operator_id is None:
        raise Invalid("operator_id is required")
    body = await readers.register(
        db, operator_id, data.name, data.public_key, idempotency=maybe_idempotency, actor=principal.id
    )
    return Response(shaped(ReaderOut, body), status_code=201)


def _own_operator(principal: PrincipalView) -> str | None:
    """An operator sees and revokes its own readers; the city, every operator's."""
    return principal.id if principal.role == "operator" else None


@get("/v1/transit/readers", opt=roles("admin", "operator"), tags=TAGS)
async def list_readers(
    db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> ReadersOut:
    """The registered readers (the newest 500) with their public keys and whether they were revoked."""
    return shaped(ReadersOut, {"items": await readers.listing(db, _own_operator(principal))})


@post("/v1/transit/readers/{reader_id:str}/revocation", opt=roles("admin", "operator"), tags=TAGS)
async def revoke_reader(
    reader_id: FromPath[str],
    data: JSONBody[ReaderRevocationIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
) -> Response[ReaderRevoked]:
    """A lost or stolen reader: its key stops at once, and a tap it signs is refused (`code_invalid`).
    Revoking again answers the first moment; the staff action log keeps every request and its reason."""
    body = await readers.revoke(
        db, reader_id, actor=principal.id, reason=data.reason, operator_id=_own_operator(principal)
    )
    return answer(ReaderRevoked, body)


@get("/v1/transit/operators", opt=roles("admin"), tags=TAGS)
async def list_operators(db: NamedDependency[Database]) -> OperatorsOut:
    """The operators (the first 500 by name): whom a route or a reader belongs to."""
    return shaped(OperatorsOut, {"items": await readers.operators(db)})


@post("/v1/transit/bookings", opt=roles("resident"), tags=TAGS)
async def book(
    data: JSONBody[BookingIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[BookingOut]:
    """Book an on-demand ride: its fare is held on the resident's wallet until the ride ends."""
    request = bookings.NewBooking(principal.id, data.route_id, data.pickup_at, data.funding)
    no_show_after = timedelta(minutes=runtime.settings.transit_no_show_minutes)
    written = await bookings.book(runtime.db, request, clock.now(), no_show_after, idempotency=idempotency)
    return answer_written(BookingOut, *written)


@get("/v1/transit/bookings/{booking_id:str}", opt=roles("resident", "operator"), tags=TAGS)
async def read_booking(
    booking_id: FromPath[str], db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> BookingOut:
    return await bookings.read(db, principal, booking_id)


@post("/v1/transit/bookings/{booking_id:str}/completion", opt=roles("operator"), tags=TAGS)
async def complete_booking(
    booking_id: FromPath[str],
    data: JSONBody[RideEndIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[RideOut]:
    """The ride happened: charge it like a tap at `ended_at` and give back the rest of the hold."""
    window = tap_window(runtime.settings)
    written = await bookings.complete(
        runtime.db, principal.id, booking_id, data.ended_at, window, clock.now(), idempotency=idempotency
    )
    return answer_written(RideOut, *written)


@post("/v1/transit/bookings/{booking_id:str}/cancellation", opt=roles("resident", "operator"), tags=TAGS)
async def cancel_booking(
    booking_id: FromPath[str],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[BookingOut]:
    written = await bookings.cancel(db, principal, booking_id, idempotency=idempotency)
    return answer_written(BookingOut, *written, status=200)


ROUTES = [
    create_operator,
    create_route,
    create_fare_rule,
    list_fare_rules,
    tap,
    register_reader,
    list_readers,
    revoke_reader,
    list_operators,
    book,
    read_booking,
    complete_booking,
    cancel_booking,
]
