"""A retry never writes twice, wherever it lands: in the same batch as the first request, in a later batch, or
in another process's writer at the very same moment.

Two guards make a write happen once: an idempotency key (same key and body: the first answer again; other
body: `idempotency_mismatch`) and a `Once` token (a check-in, a pay code: same request: the first answer
again; another request: the token's own refusal). Each is driven the three ways below against a real
PostgreSQL, and the tables prove that exactly one entry, one key and one token were written.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

import asyncpg
import pytest

from mitapo.engine import ledger
from mitapo.engine.commands import AccountSpec, Command, Idempotency, Leg, Once, Outcome, Rejected, Written
from mitapo.engine.database import Database

pytestmark = pytest.mark.db

ISSUANCE = AccountSpec("issuance", "equity", ("PT",), may_go_negative=True)
WALLET = AccountSpec("wallet", "liability", ("PT",))
REFUSAL = {"key": "idempotency_mismatch", "token": "already_claimed"}
WAYS = ("one batch", "later batch", "two databases")


def gift(points: int, guard: str) -> Command:
    """A grant guarded by a key or a token (or by nothing); the request's body is its amount."""
    legs = (Leg("issuance", "PT", points), Leg("wallet", "PT", -points))
    return guarded(Command(kind="grant", postings=legs), guard, f"gift {points}")


def spend(points: int, guard: str) -> Command:
    """The wallet's points spent, guarded by a key or a token: refused once the wallet is empty."""
    legs = (Leg("wallet", "PT", points), Leg("issuance", "PT", -points))
    return guarded(Command(kind="payment", postings=legs), guard, f"spend {points}")


def guarded(command: Command, guard: str, body: str) -> Command:
    """`command` with the key or the token of the request `body` ("none": as it is)."""
    request_hash = hashlib.sha256(body.encode()).digest()
    if guard == "key":
        return replace(command, idempotency=Idempotency("resident:r1", f"k-{command.kind}", request_hash))
    if guard == "token":
        return replace(command, once=(Once(f"checkin:r1:{command.kind}", REFUSAL["token"], request_hash),))
    return command


@dataclass
class Writers:
    """Two writers on one database, as two processes have them, and a connection to look and to block with."""

    first: Database
    second: Database
    probe: asyncpg.Connection
    batch_sizes: list[int] = field(default_factory=list)

    async def written(self) -> tuple[int, int, int]:
        row = await self.probe.fetchrow(
            "SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM idempotency_keys), "
            "(SELECT count(*) FROM spent_tokens)"
        )
        return row[0], row[1], row[2]

    async def twice(self, way: str, one: Command, other: Command) -> list[Outcome]:
        if way == "one batch":
            self.batch_sizes.clear()
            outcomes = await asyncio.gather(self.first.submit(one), self.first.submit(other))
            assert self.batch_sizes == [2], "both requests must be decided in one batch"
            return list(outcomes)
        if way == "later batch":
            return [await self.first.submit(one), await self.first.submit(other)]
        return await self._raced(one, other)

    async def _raced(self, one: Command, other: Command) -> list[Outcome]:
        """Both writers read 'not written yet', then wait on the same balance; then both go on."""
        async with self.probe.transaction():
            await self.probe.execute("SELECT 1 FROM balances WHERE account = 'wallet' FOR UPDATE")
            submitted = [
                asyncio.ensure_future(self.first.submit(one)),
                asyncio.ensure_future(self.second.submit(other)),
            ]
            await asyncio.wait_for(self._waiting_for_locks(2), timeout=60)
        return list(await asyncio.gather(*submitted))

    async def _waiting_for_locks(self, count: int) -> None:
        query = (
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        while await self.probe.fetchval(query) < count:
            pass


@asynccontextmanager
async def two_writers(url: str) -> AsyncIterator[Writers]:
    sizes: list[int] = []
    first = Database(url, observer=lambda size, _seconds: sizes.append(size))
    second = Database(url)
    await first.start()
    await second.start()
    probe = await asyncpg.connect(url)
    try:
        await ledger.open_accounts(first, ISSUANCE, WALLET)
        yield Writers(first, second, probe, sizes)
    finally:
        await probe.close()
        await second.close()
        await first.close()


def split(outcomes: list[Outcome]) -> tuple[Written, Outcome]:
    """The outcome that wrote, and the other one (which must not have written)."""
    writes = [o for o in outcomes if isinstance(o, Written) and not o.replayed]
    assert len(writes) == 1, outcomes
    return writes[0], next(o for o in outcomes if o is not writes[0])


def one_write_more(before: tuple[int, int, int], guard: str) -> tuple[int, int, int]:
    """Entries, keys and tokens after exactly one write guarded by `guard`."""
    entries, keys, tokens = before
    return entries + 1, keys + (guard == "key"), tokens + (guard == "token")


@pytest.mark.parametrize("guard", ["key", "token"])
@pytest.mark.parametrize("way", WAYS)
def test_same_request_twice_writes_once_and_answers_the_same(database_url: str, way: str, guard: str) -> None:
    async def main() -> None:
        async with two_writers(database_url) as writers:
            before = await writers.written()
            first, again = split(await writers.twice(way, gift(100, guard), gift(100, guard)))
            assert isinstance(again, Written) and again.replayed
            assert (again.entry_id, again.result) == (first.entry_id, first.result)
            assert await writers.written() == one_write_more(before, guard)
            assert await wallet_points(writers.probe) == 100

    asyncio.run(main())


@pytest.mark.parametrize("guard", ["key", "token"])
@pytest.mark.parametrize("way", WAYS)
def test_same_guard_other_request_is_refused_and_writes_once(database_url: str, way: str, guard: str) -> None:
    async def main() -> None:
        async with two_writers(database_url) as writers:
            before = await writers.written()
            small, large = gift(100, guard), gift(250, guard)
            first, other = split(await writers.twice(way, small, large))
            assert isinstance(other, Rejected) and other.code == REFUSAL[guard]
            assert await writers.written() == one_write_more(before, guard)
            won = 100 if first.entry_id == small.entry_id else 250
            assert await wallet_points(writers.probe) == won

    asyncio.run(main())


def test_a_token_spent_without_a_request_hash_is_never_replayed(database_url: str) -> None:
    async def main() -> None:
        async with two_writers(database_url) as writers:
            legs = (Leg("issuance", "PT", 5), Leg("wallet", "PT", -5))
            spend = Command(kind="grant", postings=legs, once=(Once("pay-code:xyz", "code_invalid"),))
            first = await writers.first.submit(spend)
            again = await writers.first.submit(Command(kind="grant", postings=legs, once=spend.once))
            assert isinstance(first, Written) and not first.replayed
            assert again == Rejected("code_invalid", "already used: code_invalid")

    asyncio.run(main())


@pytest.mark.parametrize("guard", ["key", "token"])
def test_a_twin_that_spent_the_money_while_this_batch_waited_is_answered_not_refused(
    database_url: str, guard: str
) -> None:
    """The same spend in two processes' writers, both waiting for the wallet: the one that locks it second
    finds it empty. Its batch's look-up ran before its lock wait ended, so it decides the spend again and
    refuses it; it must look again and answer with its twin's answer."""

    async def main() -> None:
        async with two_writers(database_url) as writers:
            assert isinstance(await writers.first.submit(gift(100, "none")), Written)
            before = await writers.written()
            first, again = split(await writers.twice("two databases", spend(100, guard), spend(100, guard)))
            assert isinstance(again, Written) and again.replayed, again
            assert (again.entry_id, again.result) == (first.entry_id, first.result)
            assert await writers.written() == one_write_more(before, guard)
            assert await wallet_points(writers.probe) == 0

    asyncio.run(main())


async def wallet_points(conn: asyncpg.Connection) -> int:
    """The wallet's normal balance (a liability: minus its posted sum)."""
    return int(await conn.fetchval("SELECT -posted FROM balances WHERE account = 'wallet' AND asset = 'PT'"))
