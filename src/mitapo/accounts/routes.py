"""Residents: the city (admins and counter clerks) creates them; each reads only their own wallet. Staff
principals: clerks created, every secret rotated and revoked, and the staff action log read."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Annotated

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from mitapo.accounts import auth, credentials, residents, staff_log
from mitapo.accounts.principals import PrincipalView
from mitapo.accounts.schemas import (
    ClerkIn,
    PrincipalCreated,
    ResidentCreated,
    ResidentIn,
    ResidentOut,
    RevocationIn,
    RevocationOut,
    RotationOut,
    StaffActionsOut,
)
from mitapo.engine import clock
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.http.auth import ANY_ROLE, roles
from mitapo.http.idempotency import answer
from mitapo.http.schemas import shaped
from mitapo.runtime import Runtime

STAFF_AND_PARTNERS = tuple(role for role in ANY_ROLE if role != "resident")  # every secret but a resident's


@post("/v1/residents", opt=roles("admin", "clerk"), tags=["residents"])
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


@post("/v1/clerks", opt=roles("admin"), tags=["credentials"])
async def create_clerk(
    data: JSONBody[ClerkIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[PrincipalCreated]:
    """City counter staff: enrol residents, top up at the counter; no funding, reversals or settlements."""
    clerk_id, secret = await auth.create_principal(
        db, "clerk", data.name, idempotency=maybe_idempotency, actor=principal.id
    )
    return answer(PrincipalCreated, {"id": clerk_id, "token": secret or None}, replayed=not secret)


@post("/v1/principals/{principal_id:str}/revocation", opt=roles("admin"), tags=["credentials"])
async def revoke_principal(
    principal_id: FromPath[str],
    data: JSONBody[RevocationIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
) -> Response[RevocationOut]:
    """Every secret of the principal stops at once, in every worker, and the staff action log says who."""
    stopped = await credentials.revoke(db, principal_id, actor=principal.id, reason=data.reason)
    return answer(RevocationOut, {"revoked": stopped})


@post("/v1/credentials/rotation", opt=roles(*STAFF_AND_PARTNERS), tags=["credentials"])
async def rotate_credential(
    runtime: NamedDependency[Runtime], principal: NamedDependency[PrincipalView]
) -> Response[RotationOut]:
    """A new secret for the caller; the one it replaces keeps working for the grace period."""
    grace = timedelta(seconds=runtime.settings.rotation_grace_seconds)
    rotated = await credentials.rotate(runtime.db, principal.id, grace, actor=principal.id)
    return answer(RotationOut, dataclasses.asdict(rotated))


@get("/v1/audit/staff-actions", opt=roles("admin", "auditor"), tags=["audit"])
async def staff_actions(
    db: NamedDependency[Database],
    after_id: Annotated[int, QueryParameter(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    subject: Annotated[str | None, QueryParameter(max_length=200)] = None,
) -> StaffActionsOut:
    """Who revoked, rotated and created what, oldest first; `next_after_id` pages on (null at the end)."""
    async with db.read() as conn:
        items = await staff_log.page(conn, after_id, limit, subject)
    next_after = items[-1].id if len(items) == limit else None
    return shaped(
        StaffActionsOut,
        {"items": [dataclasses.asdict(item) for item in items], "next_after_id": next_after},
    )
