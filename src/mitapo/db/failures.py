"""What a database outage looks like from here: a connection cut (`pg_terminate_backend`, a failover, the
network), a server shutting down or still starting, a connection left broken by either. The writer
reconnects and resolves its batch on these; the HTTP layer answers them 503 with Retry-After, since the
request may simply be sent again with its Idempotency-Key."""

from __future__ import annotations

import asyncpg
from asyncpg.exceptions import AdminShutdownError, CannotConnectNowError, CrashShutdownError

CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    AdminShutdownError,
    CrashShutdownError,
    CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a protocol left mid-operation by a cut connection
    OSError,
)


def is_outage(error: BaseException) -> bool:
    """Is `error`, or what caused it (SQLAlchemy wraps the driver's errors), a lost database?"""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, CONNECTION_LOST):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
