"""How the database fails, as its callers must tell the failures apart.

An outage: a connection cut (`pg_terminate_backend`, a failover, the network), a server shutting down or still
starting, a connection left broken by either. The writer reconnects and resolves its batch on these; the HTTP
layer answers them 503 with Retry-After, since the request may simply be sent again with its Idempotency-Key.

Refused text: a value PostgreSQL cannot hold as text (NUL, a byte sequence that is not UTF-8), which only a
caller can have sent; the HTTP layer answers it 400 rather than 500.
"""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
from asyncpg.exceptions import AdminShutdownError, CannotConnectNowError, CrashShutdownError


class CommitUnknown(Exception):
    """The connection was lost while a batch committed, and whether it did cannot be told: the caller should
    send the request again with its Idempotency-Key."""


CONNECTION_LOST = (
    asyncpg.PostgresConnectionError,
    AdminShutdownError,
    CrashShutdownError,
    CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a protocol left mid-operation by a cut connection
    OSError,
)
REFUSED_TEXT = (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError)


def backoff(first: float = 0.05, most: float = 2.0) -> Iterator[float]:
    """The seconds to wait before each next attempt to reach a database that is down: doubling, capped."""
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, most)


def is_outage(error: BaseException) -> bool:
    return _caused_by(error, (*CONNECTION_LOST, CommitUnknown))


def is_refused_text(error: BaseException) -> bool:
    return _caused_by(error, REFUSED_TEXT)


def _caused_by(error: BaseException, kinds: tuple[type[BaseException], ...]) -> bool:
    """Is `error`, or what caused it (SQLAlchemy wraps the driver's errors), one of `kinds`?"""
    seen: BaseException | None = error
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kinds):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
