"""The lookup pool's hand-written reads answer exactly what the SQLAlchemy reads they stand in for answer."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mitapo.accounts import auth, principals, reads, residents
from mitapo.engine import chart, ledger
from mitapo.engine.commands import Command, Leg
from mitapo.runtime import Runtime
from mitapo.settings import Settings

START = date(2030, 1, 1)
lots = st.lists(st.tuples(st.integers(0, 5), st.integers(1, 10_000)), max_size=4)


async def _grant(runtime: Runtime, resident_id: str, grants: list[tuple[int, int]], money: int) -> None:
    budget, clearing = chart.program_budget("p").code, chart.channel_clearing("c")
    for days, points in grants:
        lot = chart.resident_lot(resident_id, START + timedelta(days=days))
        legs = (Leg(budget, chart.PT, points), Leg(lot.code, chart.PT, -points))
        await ledger.post(runtime.db, Command(kind="grant", accounts=(lot,), postings=legs))
    if money:
        wallet = chart.resident_money(resident_id)
        legs = (Leg(clearing.code, chart.JPY, money), Leg(wallet.code, chart.JPY, -money))
        await ledger.post(runtime.db, Command(kind="grant", accounts=(wallet, clearing), postings=legs))


async def _both_ways(
    runtime: Runtime, resident_id: str
) -> tuple[tuple[reads.ResidentView | None, reads.Wallet], tuple[object, object]]:
    owner = chart.resident_owner(resident_id)
    async with runtime.db.lookup() as conn:
        fast = await reads.with_wallet(conn, resident_id, owner)
    async with runtime.db.read() as conn:
        found = await reads.get(conn, resident_id)
        slow = (found, await reads.wallet(conn, owner) if found else reads.Wallet(0, ()))
    return fast, slow


def test_with_wallet_answers_what_get_and_wallet_answer(database_url: str, tmp_path: Path) -> None:
    with asyncio.Runner() as runner:
        runtime = Runtime(Settings(data_dir=tmp_path), database_url)
        runner.run(runtime.start(migrate_first=False, background=False))
        runner.run(ledger.fund_program(runtime.db, "p", 10_000_000))
        created = iter(range(10_000))

        @settings(max_examples=30, deadline=None)
        @given(grants=lots, money=st.integers(0, 50_000), known=st.booleans())
        def same(grants: list[tuple[int, int]], money: int, known: bool) -> None:
            resident_id = f"r{next(created)}"
            if known:
                made = runner.run(_make_resident(runtime, resident_id))
                runner.run(_grant(runtime, made, grants, money))
                resident_id = made
            fast, slow = runner.run(_both_ways(runtime, resident_id))
            assert fast == slow
            assert (fast[0] is not None) == known

        try:
            same()
        finally:
            runner.run(runtime.stop())


async def _make_resident(runtime: Runtime, name: str) -> str:
    return str((await residents.create(runtime.db, name))["id"])


def test_a_secret_is_found_until_its_principal_is_disabled(database_url: str, tmp_path: Path) -> None:
    async def main() -> None:
        runtime = Runtime(Settings(data_dir=tmp_path), database_url)
        await runtime.start(migrate_first=False, background=False)
        try:
            principal_id, secret = await auth.create_principal(runtime.db, "merchant", "shop")
            async with runtime.db.lookup() as conn:
                found = await principals.by_secret_hash(conn, auth.hash_secret(secret))
                assert found == principals.PrincipalView(principal_id, "merchant", "shop")
                assert await principals.by_secret_hash(conn, auth.hash_secret(secret + "x")) is None
            async with runtime.db.raw() as conn:
                await conn.execute("UPDATE principals SET disabled_at = now() WHERE id = $1", principal_id)
            async with runtime.db.lookup() as conn:
                assert await principals.by_secret_hash(conn, auth.hash_secret(secret)) is None
        finally:
            await runtime.stop()

    asyncio.run(main())
