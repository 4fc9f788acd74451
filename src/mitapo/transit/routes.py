"""Riding with みたポ: operators, routes and the fare table (the city), taps (an operator's readers), and
on-demand bookings (booked by the resident, completed by the operator, cancelled by either)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Response, get, post

from mitapo.accounts.principals import PrincipalView
from mitapo.engine import clock
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.http.auth import roles
from mitapo.http.idempotency import created
from mitapo.http.schemas import BookingIn, FareRuleIn, OperatorIn, RideEndIn, RouteIn, TapIn
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from mitapo.transit import bookings
from mitapo.transit import rides as transit
from mitapo.transit.reads import FareRuleView

TAGS = ["transit"]


def tap_window(settings: Settings) -> transit.TapWindow:
    return transit.TapWindow(
        skew=timedelta(seconds=settings.transit_reader_skew_seconds),
        late=timedelta(hours=settings.transit_late_upload_hours),
        pay_code_seconds=settings.pay_code_seconds,
        spend_per_day=settings.daily_spend_limit,
    )


@post("/v1/transit/operators", opt=roles("admin"), tags=TAGS)
async def create_operator(
    data: OperatorIn, db: Database, principal: PrincipalView, maybe_idempotency: Idempotency | None
) -> Response[dict[str, Any]]:
    body = await transit.create_operator(db, data.name, idempotency=maybe_idempotency)
    headers = {"Idempotent-Replayed": "true"} if body["api_key"] is None else {}
    return Response(body, status_code=201, headers=headers)


@post("/v1/transit/routes", opt=roles("admin"), tags=TAGS)
async def create_route(
    data: RouteIn, db: Database, principal: PrincipalView, maybe_idempotency: Idempotency | None
) -> Response[dict[str, Any]]:
    route = transit.NewRoute(data.operator_id, data.code, data.name, data.kind, data.adult_fare)
    return created(*await transit.create_route(db, route, idempotency=maybe_idempotency))


@post("/v1/transit/fare-rules", opt=roles("admin"), tags=TAGS)
async def create_fare_rule(
    data: FareRuleIn, db: Database, principal: PrincipalView, maybe_idempotency: Idempotency | None
) -> Response[dict[str, Any]]:
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
    return created(*await transit.create_fare_rule(db, rule, now, idempotency=maybe_idempotency))


@get("/v1/transit/fare-rules", opt=roles("admin", "auditor", "operator"), tags=TAGS)
async def list_fare_rules(db: Database, principal: PrincipalView) -> dict[str, Any]:
    return await transit.fare_rules(db)


@post("/v1/transit/taps", opt=roles("operator"), tags=TAGS)
async def tap(
    data: TapIn, runtime: Runtime, principal: PrincipalView, idempotency: Idempotency
) -> Response[dict[str, Any]]:
    """A reader's tap, uploaded now or up to a day late: charged once, judged at `tapped_at`."""
    reading = transit.Reading(principal.id, data.route, data.pay_code, data.tapped_at)
    window = tap_window(runtime.settings)
    return created(
        *await transit.tap(runtime.db, runtime.keys, reading, window, clock.now(), idempotency=idempotency)
    )


@post("/v1/transit/bookings", opt=roles("resident"), tags=TAGS)
async def book(
    data: BookingIn, runtime: Runtime, principal: PrincipalView, idempotency: Idempotency
) -> Response[dict[str, Any]]:
    """Book an on-demand ride: its fare is held on the resident's wallet until the ride ends."""
    request = bookings.NewBooking(principal.id, data.route_id, data.pickup_at, data.funding)
    no_show_after = timedelta(minutes=runtime.settings.transit_no_show_minutes)
    return created(
        *await bookings.book(runtime.db, request, clock.now(), no_show_after, idempotency=idempotency)
    )


@get("/v1/transit/bookings/{booking_id:str}", opt=roles("resident", "operator"), tags=TAGS)
async def read_booking(booking_id: str, db: Database, principal: PrincipalView) -> dict[str, Any]:
    return await bookings.read(db, principal, booking_id)


@post("/v1/transit/bookings/{booking_id:str}/completion", opt=roles("operator"), tags=TAGS)
async def complete_booking(
    booking_id: str, data: RideEndIn, runtime: Runtime, principal: PrincipalView, idempotency: Idempotency
) -> Response[dict[str, Any]]:
    """The ride happened: charge it like a tap at `ended_at` and give back the rest of the hold."""
    window = tap_window(runtime.settings)
    return created(
        *await bookings.complete(
            runtime.db, principal.id, booking_id, data.ended_at, window, clock.now(), idempotency=idempotency
        )
    )


@post("/v1/transit/bookings/{booking_id:str}/cancellation", opt=roles("resident", "operator"), tags=TAGS)
async def cancel_booking(
    booking_id: str, db: Database, principal: PrincipalView, idempotency: Idempotency
) -> Response[dict[str, Any]]:
    return created(*await bookings.cancel(db, principal, booking_id, idempotency=idempotency), status=200)


ROUTES = [
    create_operator,
    create_route,
    create_fare_rule,
    list_fare_rules,
    tap,
    book,
    read_booking,
    complete_booking,
    cancel_booking,
]
