"""Health: `/healthz` says the process is up; `/readyz` that the database answers and the sealer keeps up."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency

from mitapo.engine import stats
from mitapo.http.errors import problem
from mitapo.http.schemas import Out
from mitapo.runtime import Runtime

SEALER_STUCK_SECONDS = 30.0


class Health(Out):
    """`ok` from /healthz, `ready` from /readyz; not ready is a 503 problem instead."""

    status: str


@get("/healthz", include_in_schema=True, sync_to_thread=False, security=[{}])
def healthz() -> Health:
    return Health(status="ok")


@get("/readyz", security=[{}])
async def readyz(runtime: NamedDependency[Runtime]) -> Response[Health]:
    try:
        async with asyncio.timeout(2.0), runtime.db.raw() as conn:
            backlog = await stats.seal_backlog(conn)
    except Exception:
        return _unready("database_unavailable", "the database does not answer")
    lag = asyncio.get_running_loop().time() - runtime.last_seal_ok
    if runtime.background_running and lag > SEALER_STUCK_SECONDS:
        return _unready("sealer_stuck", f"this process has not sealed for {lag:.0f} s")
    if runtime.background_running and backlog.oldest_seconds > SEALER_STUCK_SECONDS:
        detail = f"{backlog.entries} entries wait; the oldest for {backlog.oldest_seconds:.0f} s"
        return _unready("sealer_stuck", detail)
    return Response(Health(status="ready"))


def _unready(code: str, detail: str) -> Response[Any]:
    """A 503 problem (the document lists it for every route, `http.openapi`)."""
    return problem(503, code, detail)
