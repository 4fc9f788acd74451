"""The group-commit writer: many commands, one transaction, one commit.

One entry per transaction pays a WAL flush and a round of locks per entry; on a hot account every writer then
waits for the one before it to commit. Like TigerBeetle's batches, the writer takes every command that queued
while the previous batch was committing, locks the balances they touch once (in a deterministic order, so two
writers in two processes cannot deadlock for long), decides each command in order in memory, writes all
accepted entries with a handful of set-based statements, and commits once. A refused command writes nothing;
the others in its batch are not affected.

Serialization failures, deadlocks and races on unique keys with another process roll the batch back and run it
again; they never reach the caller. When the connection is lost while committing, `txid_status` tells whether
the batch committed, so that a batch is never written twice nor reported lost when it was not. After a crash
it may not: a transaction id whose WAL never reached the disk is given out again, and its status is then
another transaction's (the bank run, tests/faults, caught a lost batch answered as written). So "committed"
is confirmed by the batch's first new entry, and a batch without one is answered CommitUnknown when the
server restarted in between.

This module holds the loop, the batching, the retries and the lost-commit resolution; the decisions are pure
functions in `engine.decide`, and the statements that lock, look up and write are in `engine.writer_sql`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import structlog

from mitapo.engine import writer_sql as sql
from mitapo.engine.commands import Command, Outcome, Rejected
from mitapo.engine.decide import (
    FOLLOWER,
    Batch,
    WriteError,
    answer_known_keys,
    answer_spent_tokens,
    decide_all,
    final,
    first_new_entry,
)
from mitapo.engine.failures import CONNECTION_LOST, CommitUnknown, backoff

log = structlog.get_logger(__name__)

RETRYABLE = (
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.UniqueViolationError,
    asyncpg.LockNotAvailableError,
)
MAX_ATTEMPTS = 50

__all__ = ["BatchObserver", "WriteError", "Writer"]  # WriteError lives in engine.decide, raised from here too


@dataclass(slots=True)
class _Pending:
    command: Command
    future: asyncio.Future[Outcome]


BatchObserver = Callable[[int, float], None]


class Writer:
    """Queues commands and writes them in batches on its one connection.

    A second connection taking every other batch was tried (docs/benchmarks.md): with 32 clients it halves the
    batches, and on the two-CPU development machine each entry cost more CPU while the entries per second did
    not rise; through HTTP neither (1,124 payments/s against 1,253 with one, 2026-12-04 night), nor did the
    writer on a thread of its own. Several processes, each with its own writer, share a database the same way.
    """

    def __init__(self, url: str, *, batch_max: int = 500, observer: BatchObserver | None = None) -> None:
        self._batch_max = batch_max
        self._observer = observer
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._lane = _Lane(url)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._lane.connect()
        self._task = asyncio.create_task(self._run(), name="mitapo-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        await self._lane.close()

    async def submit(self, command: Command) -> Outcome:
        return await self.enqueue(command)

    def enqueue(self, command: Command) -> asyncio.Future[Outcome]:
        """Queue `command`; the future holds its outcome. For the writer's process, which answers with a
        callback rather than a task per command (`engine.remote_writer`)."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(command, future))
        return future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            # One turn of the event loop first: the callers the previous batch answered are ready to run but
            # have not queued their next commands yet. Without it batches alternated between the few that
            # came in meanwhile and the many just answered (32 payments in flight: median batch 4, not 32).
            await asyncio.sleep(0)
            while len(batch) < self._batch_max and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            started = time.perf_counter()
            try:
                await self._lane.execute(batch)
            except Exception as exc:  # the writer must outlive any one batch
                log.exception("writer.batch_failed", size=len(batch))
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
            if self._observer is not None:
                self._observer(len(batch), time.perf_counter() - started)


class _Lane:
    """The writer's connection: runs a batch in one transaction, again when it loses a race."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: asyncpg.Connection | None = None
        self._server_started: datetime | None = None  # the server's start, to tell that it restarted

    async def connect(self) -> None:
        self._conn = await asyncpg.connect(self._url, server_settings=sql.LANE_SETTINGS)
        self._server_started = await self._conn.fetchval("SELECT pg_postmaster_start_time()")

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
        self._conn = None

    async def execute(self, batch: list[_Pending]) -> None:
        commands = [p.command for p in batch]
        for _attempt in range(MAX_ATTEMPTS):
            try:
                outcomes = await self._attempt(commands)
            except (*RETRYABLE, sql.RaceLost):
                continue
            except (asyncpg.PostgresError, WriteError):
                if len(batch) == 1:
                    raise
                for pending in batch:  # isolate the command the database refused
                    try:
                        await self.execute([pending])
                    except Exception as exc:
                        log.exception("writer.command_failed", kind=pending.command.kind)
                        if not pending.future.done():
                            pending.future.set_exception(exc)
                return
            for pending, outcome in zip(batch, outcomes, strict=True):
                if not pending.future.done():
                    pending.future.set_result(outcome)
            return
        raise RuntimeError(f"batch of {len(batch)} could not commit after {MAX_ATTEMPTS} attempts")

    async def _connection(self) -> asyncpg.Connection:
        """The connection, reconnecting with backoff while the database restarts."""
        delays = backoff()
        while self._conn is None or self._conn.is_closed():
            try:
                await self.connect()
            except (*CONNECTION_LOST, asyncpg.CannotConnectNowError):
                await asyncio.sleep(next(delays))
        return self._conn

    async def _attempt(self, commands: Sequence[Command]) -> list[Outcome]:
        conn = await self._connection()
        txid: int | None = None
        outcomes: list[Outcome] | None = None
        try:
            async with conn.transaction():
                txid, answered, state = await _prepare(conn, commands)
                outcomes = await _decide_and_write(conn, commands, answered, state)
        except CONNECTION_LOST:
            conn.terminate()  # it may be broken rather than closed
            self._conn = None
            if txid is None or outcomes is None or not await self._committed(txid, first_new_entry(outcomes)):
                raise sql.RaceLost from None
        assert outcomes is not None
        return outcomes

    async def _committed(self, txid: int, entry_id: uuid.UUID | None) -> bool:
        """After a lost connection: did the batch's transaction commit? Its first new entry is the proof."""
        started = self._server_started
        while True:
            try:
                conn = await self._connection()
                status = await conn.fetchval("SELECT txid_status($1)", txid)
                if status == "committed" and entry_id is not None:
                    return bool(
                        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM entries WHERE id = $1)", entry_id)
                    )
            except CONNECTION_LOST:
                self._conn = None
                continue
            except asyncpg.InvalidParameterValueError:  # "in the future": the id vanished in a crash
                return False
            if status == "committed" and self._server_started != started:
                raise CommitUnknown("the database restarted while a batch without entries committed")
            if status != "in progress":
                return bool(status == "committed")
            await asyncio.sleep(0.05)


async def _prepare(
    conn: asyncpg.Connection, commands: Sequence[Command]
) -> tuple[int, list[Outcome | None], Batch]:
    """Create missing accounts, lock what the batch touches and answer replays: the transaction's id, the
    commands answered already (a known key, a spent token), and the locked state.

    A twin of a command, committed by another process while this batch waited for the same balances, is not
    seen here (`writer_sql.PREPARE` looks up in the snapshot its statement began with): the write catches it
    if the command was accepted again, `_decide_and_write` if it was refused."""
    await sql.ensure_accounts(conn, [spec for c in commands for spec in c.accounts])
    txid, known, spent, state = await sql.prepare(conn, commands)
    answered: list[Outcome | None] = [None] * len(commands)
    answer_known_keys(commands, known, answered)
    answer_spent_tokens(commands, spent, answered)
    return txid, answered, state


async def _decide_and_write(
    conn: asyncpg.Connection, commands: Sequence[Command], outcomes: list[Outcome | None], state: Batch
) -> list[Outcome]:
    """Decide in memory, lock what the plans reached for and decide again if needed, then write once."""
    live = [i for i, o in enumerate(outcomes) if o is None]
    while True:
        accepted = decide_all(commands, live, outcomes, state)
        if not state.missing:
            break
        await sql.ensure_accounts(conn, state.extra_accounts.values())
        await sql.lock_more(conn, state)
    refused = [commands[i] for i in live if isinstance(o := outcomes[i], Rejected) and o.code != FOLLOWER]
    if await sql.refused_twins(conn, refused):
        raise sql.RaceLost  # a twin was answered meanwhile: run again, to answer as it was answered
    await sql.write(conn, accepted, state)
    return [final(i, outcomes[i], commands, accepted, state) for i in range(len(commands))]
