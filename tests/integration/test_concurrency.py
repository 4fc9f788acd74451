"""Thousands of random transfers among ten accounts, in both directions at once, lose and invent nothing.

Two shapes of concurrency: 32 writers on 32 connections, as 32 processes would run them (each locks the
balances it touches, so they contend on ten rows), and 32 coroutines sharing one writer, whose batches then
decide many transfers under one set of locks. Either way no error reaches the caller (a refusal for
insufficient funds is an answer, not an error), every account ends exactly where the accepted transfers put
it, nothing is negative, every balance is the replay of its postings along an unbroken `balance_after` chain,
and once sealed the chain verifies in the service and offline.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mitapo.engine import ledger
from mitapo.engine.commands import AccountSpec, Command, Leg
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo.runtime import Runtime
from tests.integration.ledger_checks import journal_problems, running, seal_sign_and_verify

pytestmark = [pytest.mark.db, pytest.mark.slow]

ASSETS = ("PT", "JPY")
ISSUANCE = AccountSpec("issuance", "equity", ASSETS, may_go_negative=True)
ACCOUNTS = tuple(AccountSpec(f"wallet:{n}", "liability", ASSETS) for n in range(10))
OPENING = 1_000
WORKERS = 32
TRANSFERS_EACH = 100
LARGEST = 600  # large against the opening balances, so that some transfers are refused


@dataclass
class Tally:
    """What the callers were told: the transfers accepted, and how many were refused."""

    accepted: list[tuple[str, str, str, int]] = field(default_factory=list)
    refused: int = 0

    def expected_balances(self) -> Counter[tuple[str, str]]:
        balances: Counter[tuple[str, str]] = Counter(
            {(a.code, asset): OPENING for a in ACCOUNTS for asset in ASSETS}
        )
        for source, destination, asset, amount in self.accepted:
            balances[(source, asset)] -= amount
            balances[(destination, asset)] += amount
        return balances


async def open_and_fund(db: Database) -> None:
    await ledger.open_accounts(db, ISSUANCE, *ACCOUNTS)
    legs = [Leg(a.code, asset, -OPENING) for a in ACCOUNTS for asset in ASSETS]
    legs += [Leg(ISSUANCE.code, asset, OPENING * len(ACCOUNTS)) for asset in ASSETS]
    await ledger.post(db, Command(kind="funding", postings=tuple(legs)))


async def transfer_randomly(db: Database, seed: int, tally: Tally) -> None:
    rng = random.Random(seed)
    for _ in range(TRANSFERS_EACH):
        source, destination = (a.code for a in rng.sample(ACCOUNTS, 2))
        asset, amount = rng.choice(ASSETS), rng.randint(1, LARGEST)
        try:
            await ledger.transfer(db, source=source, destination=destination, asset=asset, amount=amount)
        except DomainError as refusal:
            if refusal.code != "insufficient_funds":
                raise
            tally.refused += 1
        else:
            tally.accepted.append((source, destination, asset, amount))


async def run_workers(databases: Sequence[Database]) -> Tally:
    """One worker per database handle; any exception other than a refusal fails the test."""
    tally = Tally()
    await asyncio.gather(*(transfer_randomly(db, seed, tally) for seed, db in enumerate(databases)))
    return tally


@asynccontextmanager
async def separate_writers(url: str, count: int) -> AsyncIterator[list[Database]]:
    """`count` databases, each with its own writer and connection. Only the writers start: the workers only
    write, and their read pools would take 32 more connections for nothing."""
    databases = [Database(url) for _ in range(count)]
    try:
        for db in databases:
            await db.writer.start()
        yield databases
    finally:
        for db in databases:
            await db.close()


async def assert_nothing_lost_or_invented(runtime: Runtime, tally: Tally) -> None:
    assert len(tally.accepted) + tally.refused == WORKERS * TRANSFERS_EACH
    assert tally.accepted and tally.refused, "both outcomes must occur for the test to mean anything"
    async with runtime.db.raw() as conn:
        rows = await conn.fetch(
            "SELECT account, asset, -posted AS balance FROM balances WHERE account LIKE 'wallet:%'"
        )
        entries = await conn.fetchval("SELECT count(*) FROM entries")
    assert Counter({(r["account"], r["asset"]): r["balance"] for r in rows}) == tally.expected_balances()
    assert entries == 1 + len(tally.accepted)
    assert await journal_problems(runtime.db) == []
    await seal_sign_and_verify(runtime)


def test_32_writers_on_32_connections(database_url: str, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(database_url, tmp_path) as runtime:
            await open_and_fund(runtime.db)
            async with separate_writers(database_url, WORKERS) as databases:
                tally = await run_workers(databases)
            await assert_nothing_lost_or_invented(runtime, tally)

    asyncio.run(main())


def test_32_coroutines_on_one_writer(database_url: str, tmp_path: Path) -> None:
    async def main() -> None:
        async with running(database_url, tmp_path) as runtime:
            await open_and_fund(runtime.db)
            tally = await run_workers([runtime.db] * WORKERS)
            await assert_nothing_lost_or_invented(runtime, tally)

    asyncio.run(main())
