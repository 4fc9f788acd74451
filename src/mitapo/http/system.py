"""Health: `/healthz` says the process is up; `/readyz` that the database answers and the sealer keeps up."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Response, get

from mitapo.engine import stats
from mitapo.http.errors import problem
from mitapo.runtime import Runtime

SEALER_STUCK_SECONDS = 30.0


@get("/healthz", include_in_schema=True, sync_to_thread=False, security=[{}])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", security=[{}])
async def readyz(runtime: Runtime) -> Response[dict[str, Any]]:
    try:
        async with asyncio.timeout(2.0), runtime.db.raw() as conn:
            backlog = await stats.seal_backlog(conn)
    except Exception:
        return problem(503, "database_unavailable", "the database does not answer")
    lag = asyncio.get_running_loop().time() - runtime.last_seal_ok
    if runtime.background_running and lag > SEALER_STUCK_SECONDS:
        return problem(503, "sealer_stuck", f"this process has not sealed for {lag:.0f} s")
    if runtime.background_running and backlog.oldest_seconds > SEALER_STUCK_SECONDS:
        detail = f"{backlog.entries} entries wait; the oldest for {backlog.oldest_seconds:.0f} s"
        return problem(503, "sealer_stuck", detail)
    return Response({"status": "ready"})
