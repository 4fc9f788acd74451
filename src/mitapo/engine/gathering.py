"""Calls that arrive together answered by one statement, as the writer batches entries: a request's lookup on
the lookup pool costs a round trip, and under load most of that is the fixed cost of a statement (its send,
the backend's wake-up, parsing the answer), so the requests of one turn of the event loop share one.

Each call is answered by a statement sent after the call was made: calls that arrive while one is under way
wait for the next, never join one already sent. So a batch sees every commit that preceded each of its
calls, as a statement of its own would (a revoked secret is refused on the very next request)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Asked = TypeVar("Asked")
Answer = TypeVar("Answer")


class Gathered(Generic[Asked, Answer]):
    """`await gathered(x)` is `(await many([x, ...]))[0]`, with the calls of one turn of the loop in one list.
    `many` answers a list of calls with their answers in order; if it raises, every call of its list does."""

    def __init__(self, many: Callable[[Sequence[Asked]], Awaitable[Sequence[Answer]]], name: str) -> None:
        self._many, self._name = many, name
        self._waiting: list[tuple[Asked, asyncio.Future[Answer]]] = []
        self._asking: asyncio.Task[None] | None = None

    async def __call__(self, asked: Asked) -> Answer:
        answer: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((asked, answer))
        if self._asking is None:
            self._asking = asyncio.create_task(self._ask(), name=self._name)
        return await answer

    async def _ask(self) -> None:
        """Send the waiting calls, those that arrived meanwhile next, until none wait."""
        try:
            while self._waiting:
                await asyncio.sleep(0)  # the calls of this turn of the event loop join the statement
                batch, self._waiting = self._waiting, []
                try:
                    answers = await self._many([asked for asked, _ in batch])
                except Exception as exc:
                    for _, answer in batch:
                        if not answer.done():  # done: its request was cancelled
                            answer.set_exception(exc)
                    continue
                for (_, answer), value in zip(batch, answers, strict=True):
                    if not answer.done():
                        answer.set_result(value)
        finally:
            self._asking = None
