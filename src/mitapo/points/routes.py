"""Points for taking part: programs and their budgets, organizers and events, check-in codes and claims,
gifts between residents, and the resident's statement."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from mitapo.accounts import numbers
from mitapo.accounts.principals import PrincipalView
from mitapo.accounts.residents import ResidentView
from mitapo.cards.schemas import CardCheckinIn
from mitapo.engine import clock, codes
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid
from mitapo.engine.ledger import earlier_answer
from mitapo.http import ratelimit
from mitapo.http.auth import roles
from mitapo.http.idempotency import answer, answer_written
from mitapo.http.schemas import Created, Posted, shaped
from mitapo.points import changes, checkins, events, gifts, programs, receivecodes, reminders, statements
from mitapo.points.schemas import (
    CancellationIn,
    CheckedIn,
    CheckinCodeOut,
    CheckinIn,
    EventCancelled,
    EventIn,
    EventOut,
    EventPatchIn,
    EventsOut,
    FundingIn,
    GiftIn,
    GiftPreviewIn,
    GiftPreviewOut,
    OrganizerCreated,
    OrganizerIn,
    OrganizersOut,
    ProgramIn,
    ProgramOrganizerIn,
    ProgramOrganizerOut,
    ProgramOut,
    PushKeyOut,
    PushStateOut,
    PushSubscriptionIn,
    ReceiveCodeOut,
    StatementOut,
)
from mitapo.runtime import Runtime

TAGS = ["points"]
IMAGE_TYPES = {"png": ("image/png", codes.qr_png), "svg": ("image/svg+xml", codes.qr_svg)}


def _organizer_scope(principal: PrincipalView) -> str | None:
    """An organizer sees its own events; the city sees them all."""
    return principal.id if principal.role == "organizer" else None


def _staff(principal: PrincipalView) -> str | None:
    """Who the staff action log names for an event's change: the city's staff; an organizer's own changes
    to its own events are not staff actions."""
    return None if principal.role == "organizer" else principal.id


@post("/v1/programs", opt=roles("admin"), tags=TAGS)
async def create_program(
    data: JSONBody[ProgramIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[Created]:
    written = await programs.create(
        db,
        data.name,
        data.points_valid_days,
        data.monthly_cap,
        data.annual_cap,
        max_points_per_event=data.max_points_per_event,
        idempotency=maybe_idempotency,
        actor=principal.id,
    )
    return answer_written(Created, written)


@post("/v1/programs/{program_id:str}/organizers", opt=roles("admin"), tags=TAGS)
async def grant_organizer(
    program_id: FromPath[str],
    data: JSONBody[ProgramOrganizerIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
) -> Response[ProgramOrganizerOut]:
    """Let an organizer run events in this program; only the city decides who spends which budget."""
    granted = await programs.grant_organizer(db, program_id, data.organizer_id, actor=principal.id)
    return Response(shaped(ProgramOrganizerOut, granted), status_code=201)


@delete(
    "/v1/programs/{program_id:str}/organizers/{organizer_id:str}",
    opt=roles("admin"),
    tags=TAGS,
    status_code=204,
)
async def withdraw_organizer(
    program_id: FromPath[str],
    organizer_id: FromPath[str],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
) -> None:
    """Take a granted program back: the organizer makes no new event in it; its events made stay and run."""
    await programs.withdraw_organizer(db, program_id, organizer_id, actor=principal.id)


@get("/v1/programs/{program_id:str}", opt=roles("admin", "auditor"), tags=TAGS)
async def read_program(program_id: FromPath[str], db: NamedDependency[Database]) -> ProgramOut:
    return shaped(ProgramOut, await programs.describe(db, program_id))


@post("/v1/programs/{program_id:str}/funding", opt=roles("admin"), tags=TAGS)
async def fund_program(
    program_id: FromPath[str],
    data: JSONBody[FundingIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[Posted]:
    funded = await programs.fund(db, program_id, data.points, idempotency=idempotency, actor=principal.id)
    return answer_written(Posted, funded)


@post("/v1/organizers", opt=roles("admin"), tags=TAGS)
async def create_organizer(
    data: JSONBody[OrganizerIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[OrganizerCreated]:
    body = await events.create_organizer(db, data.name, idempotency=maybe_idempotency, actor=principal.id)
    return answer(OrganizerCreated, body, replayed=body["token"] is None)


@get("/v1/organizers", opt=roles("admin"), tags=TAGS)
async def list_organizers(db: NamedDependency[Database]) -> OrganizersOut:
    """The city's organizers (the newest 500), with the programs granted to each and whether its secrets
    were revoked; never a secret."""
    return shaped(OrganizersOut, {"items": await programs.organizers(db)})


@post("/v1/events", opt=roles("admin", "organizer"), tags=TAGS)
async def create_event(
    data: JSONBody[EventIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[Created]:
    written = await events.create(
        db,
        principal.id,
        data.program_id,
        data.title,
        data.points,
        data.starts_at,
        data.ends_at,
        data.capacity,
        granted_only=principal.role == "organizer",
        idempotency=maybe_idempotency,
        place=data.place,
        area=data.area,
        actor=_staff(principal),
    )
    return answer_written(Created, written)


@get("/v1/events", opt=roles("admin", "organizer"), tags=TAGS)
async def list_events(db: NamedDependency[Database], principal: NamedDependency[PrincipalView]) -> EventsOut:
    found = await events.listing(db, _organizer_scope(principal))
    return shaped(EventsOut, {"items": [events.as_json(event) for event in found]})


@get("/v1/events/{event_id:str}", opt=roles("admin", "organizer"), tags=TAGS)
async def read_event(
    event_id: FromPath[str], db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> EventOut:
    return shaped(EventOut, events.as_json(await events.visible(db, event_id, _organizer_scope(principal))))


@patch("/v1/events/{event_id:str}", opt=roles("admin", "organizer"), tags=TAGS)
async def edit_event(
    event_id: FromPath[str],
    data: JSONBody[EventPatchIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
) -> EventOut:
    """Before the event starts only: what was given changes (`event_started` after, `event_cancelled`)."""
    change = changes.EventChange(
        data.title, data.points, data.starts_at, data.ends_at, data.capacity, data.place, data.area
    )
    scope = _organizer_scope(principal)
    edited = await changes.edit(db, event_id, scope, change, clock.now(), actor=_staff(principal))
    return shaped(EventOut, events.as_json(edited))


@post("/v1/events/{event_id:str}/cancellation", opt=roles("admin", "organizer"), tags=TAGS)
async def cancel_event(
    event_id: FromPath[str],
    data: JSONBody[CancellationIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[EventCancelled]:
    """Until the event ends; from then on every claim of it is refused with `event_not_open`."""
    written = await changes.cancel(
        db,
        event_id,
        _organizer_scope(principal),
        principal.id,
        data.reason,
        clock.now(),
        idempotency=maybe_idempotency,
        actor=_staff(principal),
    )
    return answer_written(EventCancelled, written)


@get("/v1/events/{event_id:str}/checkin-code", opt=roles("admin", "organizer"), tags=TAGS)
async def checkin_code(
    event_id: FromPath[str],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    image: Annotated[Literal["json", "png", "svg"], QueryParameter(name="format")] = "json",
) -> Response[CheckinCodeOut]:
    """The code to show at the door; it rotates every step, so a screen should fetch it again each step."""
    event = await events.visible(runtime.db, event_id, _organizer_scope(principal))
    issued = codes.issue_checkin(runtime.keys, event.id, clock.now(), runtime.settings.checkin_step_seconds)
    no_store = {"Cache-Control": "no-store"}
    if image == "json":
        body = CheckinCodeOut(payload=issued.payload, expires_at=issued.expires_at.isoformat())
        return Response(body, headers=no_store)
    media_type, render = IMAGE_TYPES[image]
    picture: Response[Any] = Response(render(issued.payload), media_type=media_type, headers=no_store)
    return picture


@post("/v1/checkins", opt=roles("resident", limit="checkins"), tags=TAGS)
async def check_in(
    data: JSONBody[CheckinIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[CheckedIn]:
    step = runtime.settings.checkin_step_seconds
    written = await checkins.claim(
        runtime.db, runtime.keys, principal.id, data.payload, clock.now(), step, idempotency=idempotency
    )
    return answer_written(CheckedIn, written)


@post("/v1/events/{event_id:str}/checkins", opt=roles("admin", "organizer", limit="checkins"), tags=TAGS)
async def check_in_card(
    event_id: FromPath[str],
    data: JSONBody[CardCheckinIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[CheckedIn]:
    """The organizer scans a みたポ card at the door: its holder checks in, as with the event's code."""
    scope = _organizer_scope(principal)
    written = await checkins.claim_by_card(
        runtime.db,
        event_id,
        data.card,
        clock.now(),
        organizer_id=scope,
        idempotency=idempotency,
        actor=_staff(principal),
    )
    return answer_written(CheckedIn, written)


@post("/v1/gifts", opt=roles("resident"), tags=TAGS)
async def give_gift(
    data: JSONBody[GiftIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
    request: Request[Any, Any, Any],
) -> Response[Posted]:
    """To another resident: by id, by their receive code, or by the short number they told the giver."""
    settings = runtime.settings
    now = clock.now()
    earlier = await earlier_answer(runtime.db, idempotency)  # a retry after a lost answer, code long gone
    if earlier is not None:
        return answer_written(Posted, earlier)
    written = await gifts.give(
        runtime.db,
        principal.id,
        await _gift_recipient(runtime, request, principal, data, now),
        data.points,
        now,
        enabled=settings.gifting_enabled,
        daily_limit=settings.gift_daily_limit,
        idempotency=idempotency,
    )
    return answer_written(Posted, written)


async def _gift_recipient(
    runtime: Runtime, request: Request[Any, Any, Any], principal: PrincipalView, data: GiftIn, now: datetime
) -> str:
    named = (data.to_resident_id, data.receive_code, data.to_resident_number)
    if sum(part is not None for part in named) != 1:
        raise Invalid("give one of to_resident_id, receive_code and to_resident_number")
    if data.receive_code is not None:
        return receivecodes.read(runtime.keys, data.receive_code, now)
    if data.to_resident_number is not None:
        return (await _by_number(runtime, request, principal, data.to_resident_number)).id
    return str(data.to_resident_id)


async def _by_number(
    runtime: Runtime, request: Request[Any, Any, Any], principal: PrincipalView, typed: str
) -> ResidentView:
    """A typo (length, check digit) is refused before anything is counted or looked up; every lookup by a
    well-formed number counts against the giver's hourly allowance, found or not. Where gifting is off,
    nobody looks anyone up by number."""
    if not runtime.settings.gifting_enabled:
        raise DomainError("gifting_disabled", "gifts between residents are switched off here")
    number = numbers.parse(typed)
    await ratelimit.admit_number_lookup(request, principal)
    return await gifts.recipient(runtime.db, number)


@get("/v1/me/receive-code", opt=roles("resident", limit="pay_codes"), tags=TAGS)
async def receive_code(
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    image: Annotated[Literal["json", "png", "svg"], QueryParameter(name="format")] = "json",
) -> Response[ReceiveCodeOut]:
    """A code another resident scans to give the caller points, good for five minutes."""
    body = shaped(ReceiveCodeOut, receivecodes.issue(runtime.keys, principal.id, clock.now()))
    headers = {"Cache-Control": "no-store"}
    if image == "json":
        return Response(body, headers=headers)
    media_type, render = IMAGE_TYPES[image]
    picture: Response[Any] = Response(render(body.payload), media_type=media_type, headers=headers)
    return picture


@post("/v1/gift-previews", opt=roles("resident"), tags=TAGS, status_code=200)
async def preview_gift(
    data: JSONBody[GiftPreviewIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    request: Request[Any, Any, Any],
) -> GiftPreviewOut:
    """What the giver's app shows before confirming: the display name of the resident a receive code or a
    typed number names."""
    if (data.receive_code is None) == (data.to_resident_number is None):
        raise Invalid("give receive_code or to_resident_number, one of the two")
    if data.to_resident_number is not None:
        found = await _by_number(runtime, request, principal, data.to_resident_number)
        return GiftPreviewOut(name=found.name, is_self=found.id == principal.id, expires_at=None)
    code = data.receive_code
    seen = await receivecodes.preview(runtime.db, runtime.keys, str(code), clock.now(), principal.id)
    return shaped(GiftPreviewOut, seen)


@get("/v1/me/entries", opt=roles("resident"), tags=TAGS)
async def my_entries(
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
) -> StatementOut:
    return shaped(StatementOut, await statements.page(db, principal.id, cursor, limit))


@get("/v1/push/public-key", tags=TAGS, security=[{}])
async def push_public_key(runtime: NamedDependency[Runtime]) -> PushKeyOut:
    """The VAPID public key a browser subscribes to expiry reminders with."""
    key = reminders.vapid_key(runtime.settings.key_path)
    return PushKeyOut(public_key=reminders.public_key(key), enabled=runtime.settings.push_reminders)


@get("/v1/me/push-subscriptions", opt=roles("resident"), tags=TAGS)
async def push_state(
    db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> PushStateOut:
    return PushStateOut(subscribed=await reminders.subscribed(db, principal.id))


@post("/v1/me/push-subscriptions", opt=roles("resident"), tags=TAGS)
async def push_subscribe(
    data: JSONBody[PushSubscriptionIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
) -> Response[PushStateOut]:
    """The resident consents to expiry reminders on this browser (14 and 3 days before, once each)."""
    await reminders.check_endpoint(data.endpoint, runtime.webhook_policy)
    await reminders.subscribe(runtime.db, principal.id, data.endpoint, data.keys.p256dh, data.keys.auth)
    return Response(PushStateOut(subscribed=True), status_code=201)


@delete("/v1/me/push-subscriptions", opt=roles("resident"), tags=TAGS, status_code=200)
async def push_unsubscribe(
    db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> PushStateOut:
    """Consent withdrawn: no more reminders to any of the resident's browsers."""
    await reminders.unsubscribe(db, principal.id)
    return PushStateOut(subscribed=False)


ROUTES = [
    create_program,
    withdraw_organizer,
    read_program,
    fund_program,
    grant_organizer,
    create_organizer,
    list_organizers,
    create_event,
    list_events,
    read_event,
    edit_event,
    cancel_event,
    checkin_code,
    check_in,
    check_in_card,
    give_gift,
    receive_code,
    preview_gift,
    my_entries,
    push_public_key,
    push_state,
    push_subscribe,
    push_unsubscribe,
]
