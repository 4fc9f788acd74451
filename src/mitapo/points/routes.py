"""Points for taking part: programs and their budgets, organizers and events, check-in codes and claims,
gifts between residents, and the resident's statement."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from mitapo.accounts.principals import PrincipalView
from mitapo.engine import clock, codes
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.http.auth import roles
from mitapo.http.idempotency import answer, answer_written
from mitapo.http.schemas import Created, Posted, shaped
from mitapo.points import checkins, events, gifts, programs, statements
from mitapo.points.schemas import (
    CheckedIn,
    CheckinCodeOut,
    CheckinIn,
    EventIn,
    EventOut,
    EventsOut,
    FundingIn,
    GiftIn,
    OrganizerCreated,
    OrganizerIn,
    ProgramIn,
    ProgramOrganizerIn,
    ProgramOrganizerOut,
    ProgramOut,
    StatementOut,
)
from mitapo.runtime import Runtime

TAGS = ["points"]
IMAGE_TYPES = {"png": ("image/png", codes.qr_png), "svg": ("image/svg+xml", codes.qr_svg)}


def _organizer_scope(principal: PrincipalView) -> str | None:
    """An organizer sees its own events; the city sees them all."""
    return principal.id if principal.role == "organizer" else None


@post("/v1/programs", opt=roles("admin"), tags=TAGS)
async def create_program(
    data: JSONBody[ProgramIn],
    db: NamedDependency[Database],
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
    )
    return answer_written(Created, written)


@post("/v1/programs/{program_id:str}/organizers", opt=roles("admin"), tags=TAGS)
async def grant_organizer(
    program_id: FromPath[str], data: JSONBody[ProgramOrganizerIn], db: NamedDependency[Database]
) -> Response[ProgramOrganizerOut]:
    """Let an organizer run events in this program; only the city decides who spends which budget."""
    granted = await programs.grant_organizer(db, program_id, data.organizer_id)
    return Response(shaped(ProgramOrganizerOut, granted), status_code=201)


@get("/v1/programs/{program_id:str}", opt=roles("admin", "auditor"), tags=TAGS)
async def read_program(program_id: FromPath[str], db: NamedDependency[Database]) -> ProgramOut:
    return shaped(ProgramOut, await programs.describe(db, program_id))


@post("/v1/programs/{program_id:str}/funding", opt=roles("admin"), tags=TAGS)
async def fund_program(
    program_id: FromPath[str],
    data: JSONBody[FundingIn],
    db: NamedDependency[Database],
    idempotency: NamedDependency[Idempotency],
) -> Response[Posted]:
    return answer_written(Posted, await programs.fund(db, program_id, data.points, idempotency=idempotency))


@post("/v1/organizers", opt=roles("admin"), tags=TAGS)
async def create_organizer(
    data: JSONBody[OrganizerIn],
    db: NamedDependency[Database],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[OrganizerCreated]:
    body = await events.create_organizer(db, data.name, idempotency=maybe_idempotency)
    return answer(OrganizerCreated, body, replayed=body["token"] is None)


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


@post("/v1/gifts", opt=roles("resident"), tags=TAGS)
async def give_gift(
    data: JSONBody[GiftIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[Posted]:
    settings = runtime.settings
    written = await gifts.give(
        runtime.db,
        principal.id,
        data.to_resident_id,
        data.points,
        clock.now(),
        enabled=settings.gifting_enabled,
        daily_limit=settings.gift_daily_limit,
        idempotency=idempotency,
    )
    return answer_written(Posted, written)


@get("/v1/me/entries", opt=roles("resident"), tags=TAGS)
async def my_entries(
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
) -> StatementOut:
    return shaped(StatementOut, await statements.page(db, principal.id, cursor, limit))


ROUTES = [
    create_program,
    read_program,
    fund_program,
    grant_organizer,
    create_organizer,
    create_event,
    list_events,
    read_event,
    checkin_code,
    check_in,
    give_gift,
    my_entries,
]
