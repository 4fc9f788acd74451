"""Dependencies every controller may ask for by name, each marked where it is used: `db:
NamedDependency[Database]` (Litestar 3 injects nothing it is not told to).

They form one chain, runtime → db → principal → idempotency, each asking for the one before it: Litestar
resolves dependencies of the same depth concurrently, spawning an anyio task group with a task for each
(about a tenth of a cheap request's CPU), but awaits a lone one directly. The chain also fixes the order in
which refusals come: who may call (401, 403, decided first by the role check, `http.auth.before_handler`)
before whether the write carries its key (400)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from mitapo.accounts.principals import PrincipalView
from mitapo.engine.database import Database
from mitapo.http.auth import current_principal
from mitapo.http.idempotency import optional_idempotency, request_idempotency
from mitapo.runtime import Runtime


def runtime_of(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def db_of(runtime: NamedDependency[Runtime]) -> Database:
    return runtime.db


async def principal_of(request: Request[Any, Any, Any], db: NamedDependency[Database]) -> PrincipalView:
    """Who the role check found (it ran before any dependency); `db` only places it after db in the chain."""
    return await current_principal(request)


DEPENDENCIES = {
    "runtime": Provide(runtime_of, sync_to_thread=False),
    "db": Provide(db_of, sync_to_thread=False),
    "principal": Provide(principal_of),
    "idempotency": Provide(request_idempotency),
    "maybe_idempotency": Provide(optional_idempotency),
}
