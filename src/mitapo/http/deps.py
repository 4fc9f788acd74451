"""Dependencies every controller may ask for by name."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import Provide

from mitapo.db.engine import Database
from mitapo.http.auth import current_principal
from mitapo.http.idempotency import optional_idempotency, request_idempotency
from mitapo.runtime import Runtime


def runtime_of(request: Request[Any, Any, Any]) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def db_of(request: Request[Any, Any, Any]) -> Database:
    return runtime_of(request).db


DEPENDENCIES = {
    "runtime": Provide(runtime_of, sync_to_thread=False),
    "db": Provide(db_of, sync_to_thread=False),
    "principal": Provide(current_principal),
    "idempotency": Provide(request_idempotency),
    "maybe_idempotency": Provide(optional_idempotency),
}
