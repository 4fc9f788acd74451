"""The public notice board's routes: what to join, where to pay, an event for a calendar (`web.discover`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from mitapo.engine.database import Database
from mitapo.http.schemas import shaped
from mitapo.web import discover
from mitapo.web.schemas import ShopsOut, UpcomingOut

Area = Annotated[str | None, QueryParameter(min_length=1, max_length=100)]
PUBLIC: list[dict[str, list[str]]] = [{}]


@get("/v1/events/upcoming", tags=["points"], security=PUBLIC)
async def upcoming_events(
    db: NamedDependency[Database],
    area: Area = None,
    since: Annotated[date | None, QueryParameter(name="from")] = None,
    until: Annotated[date | None, QueryParameter(name="to")] = None,
) -> UpcomingOut:
    """Events open to check-in (not yet ended) between two Tokyo dates, in an area, soonest first."""
    found = await discover.upcoming(db, area, discover.window(since, until))
    return shaped(UpcomingOut, {"items": found})


@get("/v1/events/{event_id:str}/calendar.ics", tags=["points"], security=PUBLIC, media_type="text/calendar")
async def event_calendar(
    event_id: FromPath[str], db: NamedDependency[Database], request: Request[Any, Any, Any]
) -> Response[str]:
    """The event as iCalendar, for "add to calendar"."""
    body = await discover.calendar(db, event_id, request.url.hostname or "mitapo")
    disposition = f'attachment; filename="{event_id}.ics"'
    return Response(body, media_type="text/calendar", headers={"Content-Disposition": disposition})


@get("/v1/shops", tags=["payments"], security=PUBLIC)
async def shops(
    db: NamedDependency[Database],
    area: Area = None,
    kind: Annotated[str | None, QueryParameter(min_length=1, max_length=20)] = None,
) -> ShopsOut:
    """Shops that take みたポ, by area and kind (a word of `discover.KINDS` or a four-digit MCC), with the
    campaigns that apply at each."""
    return shaped(ShopsOut, {"items": await discover.shops(db, area, kind)})


ROUTES = [upcoming_events, event_calendar, shops]
