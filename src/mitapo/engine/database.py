"""The database handle: a SQLAlchemy async engine for reads, asyncpg pools for the hot lookups every request
makes and for the background jobs, and the group-commit writer for every change to the ledger.

Neither the engine nor the lookup pool pings a connection before lending it (a round trip per request).
A connection PostgreSQL ended while it sat in the pool (`pg_terminate_backend`, a restart) is still replaced
before a request gets it, without a round trip: the driver already knows the socket was closed, and both
pools look at that when lending (asyncpg's own pool does; the engine's pool does in `_replace_if_closed`).
A request therefore does not fail on a connection that was dead before it sent anything; 503 is left for a
database that is really away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

import asyncpg
import structlog
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from mitapo.engine.commands import Command, Outcome
from mitapo.engine.failures import CONNECTION_LOST, backoff
from mitapo.engine.remote_writer import RemoteWriter
from mitapo.engine.urls import plain_url, sqlalchemy_url
from mitapo.engine.writer import BatchObserver, Writer

log = structlog.get_logger(__name__)


class Database:
    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 20,
        batch_max: int = 500,
        observer: BatchObserver | None = None,
        writer_socket: str | None = None,
    ) -> None:
        self.url = plain_url(url)
        self.engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(url), pool_size=pool_size, max_overflow=pool_size
        )
        event.listen(self.engine.sync_engine.pool, "checkout", _replace_if_closed)
        # the writer in this process, or the one of `mitapo serve --writer process` (`engine.remote_writer`)
        self.writer: Writer | RemoteWriter = (
            RemoteWriter(writer_socket)
            if writer_socket
            else Writer(self.url, batch_max=batch_max, observer=observer)
        )
        self._pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._lookups: asyncpg.Pool | None = None

    async def wait_until_reachable(self, seconds: float) -> None:
        """Returns once the database accepts a connection; raises its last failure after `seconds`. For a
        process starting while the database restarts, which should wait rather than fail at once."""
        deadline = time.monotonic() + seconds
        for delay in backoff():
            try:
                conn = await asyncpg.connect(self.url)
            except CONNECTION_LOST as exc:
                if time.monotonic() + delay > deadline:
                    raise
                log.warning("database.unreachable", error=repr(exc), retry_in=delay)
                await asyncio.sleep(delay)
            else:
                await conn.close()
                return

    async def start(self) -> None:
        self._pool = await asyncpg.create_pool(self.url, min_size=1, max_size=4)
        self._lookups = await asyncpg.create_pool(
            self.url, min_size=1, max_size=self._pool_size, reset=_keep_session
        )
        await self.writer.start()

    async def close(self) -> None:
        await self.writer.stop()
        for pool in (self._pool, self._lookups):
            if pool is not None:
                await pool.close()
        await self.engine.dispose()

    async def submit(self, command: Command) -> Outcome:
        return await self.writer.submit(command)

    @asynccontextmanager
    async def raw(self) -> AsyncIterator[asyncpg.Connection]:
        """A plain asyncpg connection for the sealer, checkpoints and streaming exports."""
        assert self._pool is not None, "Database.start() first"
        async with self._pool.acquire() as conn:
            yield cast(asyncpg.Connection, conn)

    @asynccontextmanager
    async def lookup(self) -> AsyncIterator[asyncpg.Connection]:
        """A plain asyncpg connection for the small reads on every request's path (secrets, a wallet): a
        fraction of the engine's cost, with no BEGIN, ROLLBACK or reset round trips. Read-only: nothing that
        changes the session may run on it, since the pool does not reset sessions."""
        assert self._lookups is not None, "Database.start() first"
        async with self._lookups.acquire() as conn:
            yield cast(asyncpg.Connection, conn)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn


def _replace_if_closed(
    dbapi_connection: object, _record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
) -> None:
    """The engine's pool, lending a connection: one whose socket the server closed is thrown away and another
    one is lent (the pool does that for a DisconnectionError raised here). Costs no round trip: asyncpg
    noticed the close when it happened."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if isinstance(driver, asyncpg.Connection) and driver.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


async def _keep_session(_: asyncpg.Connection) -> None:
    """The lookup pool's reset: lookups change no session state, so only asyncpg's own rollback of an open
    transaction is needed, not its reset query (a round trip per request)."""
