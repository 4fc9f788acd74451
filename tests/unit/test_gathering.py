"""Calls gathered into one statement (`engine.gathering`): the calls of one turn of the event loop go
together, each gets its own answer, and a call made while a statement is under way waits for the next one,
so that every answer comes from a statement sent after its call (a secret revoked before a request is refused
for it)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from mitapo.engine.gathering import Gathered


class Answering:
    """A `many` that records the lists it was sent and, while `held`, does not answer."""

    def __init__(self) -> None:
        self.sent: list[list[int]] = []
        self.asked = asyncio.Event()
        self.held = asyncio.Event()
        self.held.set()

    async def __call__(self, asked: Sequence[int]) -> list[int]:
        self.sent.append(list(asked))
        self.asked.set()
        await self.held.wait()
        return [x * 10 for x in asked]


def test_the_calls_of_one_turn_go_in_one_statement_and_each_gets_its_answer() -> None:
    async def scenario() -> tuple[list[int], list[list[int]]]:
        many = Answering()
        gathered = Gathered(many, "test")
        answers = await asyncio.gather(*(gathered(n) for n in range(5)))
        return list(answers), many.sent

    answers, sent = asyncio.run(scenario())
    assert answers == [0, 10, 20, 30, 40]
    assert sent == [[0, 1, 2, 3, 4]]


def test_a_call_made_while_a_statement_is_under_way_waits_for_the_next() -> None:
    async def scenario() -> tuple[list[int], list[list[int]]]:
        many = Answering()
        many.held.clear()
        gathered = Gathered(many, "test")
        first = asyncio.ensure_future(gathered(1))
        await many.asked.wait()  # the first statement is sent, and not answered yet
        second = asyncio.ensure_future(gathered(2))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert many.sent == [[1]]  # the second call did not join a statement already sent
        many.held.set()
        return [await first, await second], many.sent

    answers, sent = asyncio.run(scenario())
    assert answers == [10, 20]
    assert sent == [[1], [2]]


def test_a_failed_statement_fails_its_own_calls_only() -> None:
    async def scenario() -> tuple[BaseException | int, ...]:
        calls = 0

        async def many(asked: Sequence[int]) -> list[int]:
            nonlocal calls
            calls += 1
            if calls == 1:
                raise ConnectionError("the database went away")
            return list(asked)

        gathered = Gathered(many, "test")
        failed = await asyncio.gather(gathered(1), gathered(2), return_exceptions=True)
        return (*failed, await gathered(3))

    first, second, third = asyncio.run(scenario())
    assert isinstance(first, ConnectionError) and isinstance(second, ConnectionError)
    assert third == 3


@pytest.mark.parametrize("n", [1, 40])
def test_answers_keep_their_order_whatever_the_batch(n: int) -> None:
    async def scenario() -> list[int]:
        gathered = Gathered(Answering(), "test")
        return list(await asyncio.gather(*(gathered(i) for i in range(n))))

    assert asyncio.run(scenario()) == [i * 10 for i in range(n)]
