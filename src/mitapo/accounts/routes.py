"""Residents: the city creates them; each reads only their own wallet."""

from __future__ import annotations

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from mitapo.accounts import residents
from mitapo.accounts.principals import PrincipalView
from mitapo.accounts.schemas import ResidentCreated, ResidentIn, ResidentOut
from mitapo.engine import clock
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.http.auth import roles
from mitapo.http.idempotency import answer
from mitapo.http.schemas import shaped


@post("/v1/residents", opt=roles("admin"), tags=["residents"])
async def create_resident(
    data: JSONBody[ResidentIn],
    db: NamedDependency[Database],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[ResidentCreated]:
    body = await residents.create(db, data.name, data.fare_category, idempotency=maybe_idempotency)
    return answer(ResidentCreated, body, replayed=body["token"] is None)


@get("/v1/me", opt=roles("resident"), tags=["residents"])
async def me(db: NamedDependency[Database], principal: NamedDependency[PrincipalView]) -> ResidentOut:
    return shaped(ResidentOut, await residents.me(db, principal.id, clock.tokyo_date(clock.now())))
