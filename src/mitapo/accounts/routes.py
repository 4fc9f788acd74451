"""Residents: the city creates them; each reads only their own wallet."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post

from mitapo.accounts import residents
from mitapo.accounts.principals import PrincipalView
from mitapo.engine import clock
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.http.auth import roles
from mitapo.http.schemas import ResidentIn


@post("/v1/residents", opt=roles("admin"), tags=["residents"])
async def create_resident(
    data: ResidentIn, db: Database, principal: PrincipalView, maybe_idempotency: Idempotency | None
) -> Response[dict[str, Any]]:
    body = await residents.create(db, data.name, data.fare_category, idempotency=maybe_idempotency)
    headers = {"Idempotent-Replayed": "true"} if body["token"] is None else {}
    return Response(body, status_code=201, headers=headers)


@get("/v1/me", opt=roles("resident"), tags=["residents"])
async def me(db: Database, principal: PrincipalView) -> dict[str, Any]:
    return await residents.me(db, principal.id, clock.tokyo_date(clock.now()))
