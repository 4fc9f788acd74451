"""The group-commit writer in a process of its own, and the HTTP processes' handle on it.

Run in the HTTP process, every step of the writer's batch (BEGIN, the locks, the key look-up, the write,
COMMIT) resumed on the event loop behind the HTTP work queued meanwhile: at 32 payments in flight its batches
carried 15-16 of them, and two uvicorn workers each had a writer of their own, whose batches halved
(docs/benchmarks.md, issue 24). With `mitapo serve --writer process` one writer runs in a child process
(`mitapo.writer_process` starts it and restarts it when it dies) on its own event loop, and every HTTP worker
hands it commands over a Unix socket: `RemoteWriter` has the writer's `submit(command) -> Outcome`, so nothing
above the engine changes.

The guarantees are the writer's own: idempotency keys and spent tokens are decided inside its transaction, so
a request sent again after any failure is answered as a replay or decided once. If the writer's process dies
(or the socket breaks) with commands sent and not answered, each of them fails with `CommitUnknown`, the error
a lost database connection gives when whether the batch committed cannot be told: the HTTP layer answers 503
with Retry-After, and the client sends the request again with its Idempotency-Key. The next command waits
for the restarted process.

The wire (`engine.wire`): each side gathers the messages of one turn of its event loop into one frame, so a
batch costs a few writes and reads, not one per command. Messages: `(id, command)` one way, `(id, outcome)` or
`(id, _Failed)` the other.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from dataclasses import dataclass
from typing import Any, cast

import asyncpg
import structlog

from mitapo.engine import wire
from mitapo.engine.commands import Command, Outcome
from mitapo.engine.decide import WriteError
from mitapo.engine.failures import CommitUnknown, backoff, is_outage, is_refused_text
from mitapo.engine.writer import BatchObserver, Writer

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class _Failed:
    """A command the writer's process could not carry out: how it failed, as the HTTP layer tells failures
    apart (`engine.failures`), and the message."""

    kind: str  # "outage" | "refused_text" | "write" | "other"
    message: str

    @classmethod
    def of(cls, error: BaseException) -> _Failed:
        if is_outage(error):
            kind = "outage"
        elif is_refused_text(error):
            kind = "refused_text"
        elif isinstance(error, WriteError):
            kind = "write"
        else:
            kind = "other"
        return cls(kind, f"{type(error).__name__}: {error}")

    def error(self) -> Exception:
        if self.kind == "outage":
            return CommitUnknown(self.message)
        if self.kind == "refused_text":
            return asyncpg.CharacterNotInRepertoireError(self.message)
        if self.kind == "write":
            return WriteError(self.message)
        return RuntimeError(f"the writer's process: {self.message}")


class _Framed(asyncio.Protocol):
    """A stream of frames: messages written in one turn of the event loop go out as one frame."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._inbox = bytearray()
        self._outbox: list[Any] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        self._inbox += data
        for message in wire.unframe(self._inbox):
            self.received(message)

    def received(self, message: Any) -> None:
        raise NotImplementedError

    def send(self, message: Any) -> None:
        if not self._outbox:
            asyncio.get_running_loop().call_soon(self._flush)
        self._outbox.append(message)

    def unsendable(self, message: Any, error: Exception) -> Any | None:
        """What to send instead of a message that cannot be pickled (None: nothing)."""
        raise NotImplementedError

    def _flush(self) -> None:
        messages, self._outbox = self._outbox, []
        if self.transport is None or self.transport.is_closing():
            return
        try:
            data = wire.frame(messages)
        except Exception:  # one message that cannot cross must not hold up the others of its frame
            sendable = []
            for message in messages:
                try:
                    wire.frame([message])
                except Exception as exc:
                    log.exception("remote_writer.unsendable")
                    message = self.unsendable(message, exc)
                if message is not None:
                    sendable.append(message)
            data = wire.frame(sendable)
        self.transport.write(data)


class _Client(_Framed):
    def __init__(self, lost: asyncio.Future[None]) -> None:
        super().__init__()
        self.waiting: dict[int, asyncio.Future[Outcome]] = {}
        self.lost = lost

    def received(self, message: Any) -> None:
        number, answer = message
        future = self.waiting.pop(number, None)
        if future is None or future.done():
            return
        if isinstance(answer, _Failed):
            future.set_exception(answer.error())
        else:
            future.set_result(answer)

    def unsendable(self, message: Any, error: Exception) -> None:
        future = self.waiting.pop(message[0], None)
        if future is not None and not future.done():
            future.set_exception(WriteError(f"this command cannot reach the writer's process: {error!r}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        waiting, self.waiting = self.waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(
                    CommitUnknown("the writer's process ended or its socket broke with this command sent")
                )
        if not self.lost.done():
            self.lost.set_result(None)


class RemoteWriter:
    """The writer's interface (`submit`), served by the writer's process on the Unix socket at `path`."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._client: _Client | None = None
        self._connecting: asyncio.Future[_Client] | None = None
        self._numbers = itertools.count()

    async def start(self) -> None:
        """Connect if the writer's process listens already; otherwise the first command waits for it. A worker
        must not fail to start because the writer's process is restarting or waiting for the database: uvicorn
        stops the whole service when a worker fails to start."""
        try:
            await self._connect()
        except OSError as exc:
            log.warning("remote_writer.not_yet", error=repr(exc))

    async def stop(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.transport is not None:
            client.transport.close()
            with contextlib.suppress(asyncio.CancelledError):
                await client.lost

    async def submit(self, command: Command) -> Outcome:
        client = self._client
        if client is None or client.transport is None:
            client = await self._reconnect()
        number = next(self._numbers)
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        client.waiting[number] = future
        client.send((number, command))
        return await future

    async def _connect(self) -> _Client:
        loop = asyncio.get_running_loop()
        lost: asyncio.Future[None] = loop.create_future()
        _, client = await loop.create_unix_connection(lambda: _Client(lost), self._path)
        self._client = client
        return client

    async def _reconnect(self) -> _Client:
        """One connection attempt shared by the commands that find the socket gone, with backoff while the
        writer's process restarts (as the writer waits for a database that restarts)."""
        if self._connecting is None or self._connecting.done():
            self._connecting = asyncio.ensure_future(self._connect_with_backoff())
        return await asyncio.shield(self._connecting)

    async def _connect_with_backoff(self) -> _Client:
        delays = backoff()
        while True:
            try:
                return await self._connect()
            except OSError:
                await asyncio.sleep(next(delays))


class _Served(_Framed):
    """One HTTP process's connection, in the writer's process."""

    def __init__(self, writer: Writer) -> None:
        super().__init__()
        self._writer = writer

    def received(self, message: Any) -> None:
        number, command = message
        self._writer.enqueue(command).add_done_callback(lambda done: self._answer(number, done))

    def _answer(self, number: int, done: asyncio.Future[Outcome]) -> None:
        if done.cancelled():
            return
        error = done.exception()
        self.send((number, _Failed.of(error) if error is not None else done.result()))

    def unsendable(self, message: Any, error: Exception) -> Any:
        return (message[0], _Failed.of(error))

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve(url: str, path: str, *, batch_max: int, parent: int, observer: BatchObserver | None) -> None:
    """The writer's process: connect to the database (waiting for it), listen on `path`, write the commands of
    every connection in shared batches; until the parent is gone."""
    writer = Writer(url, batch_max=batch_max, observer=observer)
    delays = backoff()
    while True:
        try:
            await writer.start()
            break
        except OSError as exc:  # the database not up yet
            log.warning("writer_process.database_unreachable", error=repr(exc))
            await asyncio.sleep(next(delays))
        except asyncpg.CannotConnectNowError as exc:
            log.warning("writer_process.database_unreachable", error=repr(exc))
            await asyncio.sleep(next(delays))
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    server = await asyncio.get_running_loop().create_unix_server(lambda: _Served(writer), path)
    try:
        while True:  # the parent gone (killed without stopping us): leave
            await asyncio.sleep(0.5)
            if os.getppid() != parent:
                break
    finally:
        server.close()
        await writer.stop()
