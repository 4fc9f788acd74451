"""Dependencies every controller may ask for by name.

They form one chain, runtime → db → principal → idempotency, each asking for the one before it: Litestar
resolves dependencies of the same depth concurrently, spawning an anyio task group with a task for each
(about a tenth of a cheap request's CPU), but awaits a lone one directly. The chain also fixes the order in
which refusals come: who may call (401, 403) before whether the write carries its key (400)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import Provide

from mitapo.accounts.principals import PrincipalView
from mitapo.engine.database import Database
from mitapo.http.auth import current_principal
from mitapo.http.idempotency import optional_idempotency, request_idempotency
from mitapo.runtime import Runtime


def runtime_of(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def db_of(runtime: Runtime) -> Database:
    return runtime.db


async def principal_of(request: Request[Any, Any, Any], db: Database) -> PrincipalView:
    """`db` only places the principal after it in the chain."""
    return await current_principal(request)


DEPENDENCIES = {
    "runtime": Provide(runtime_of, sync_to_thread=False),
    "db": Provide(db_of, sync_to_thread=False),
    "principal": Provide(principal_of),
    "idempotency": Provide(request_idempotency),
    "maybe_idempotency": Provide(optional_idempotency),
}
