"""Secrets looked up many at once, with their routes' abuse limits taken in the same statement
(`principals.admit_many`, for the requests that arrive together): each answer is the one the secret alone
gets, in the order asked, whatever else is in the batch (a current secret, one rotated within its grace and
past it, a revoked principal's, an unknown one, the same twice); the buckets are taken only for a valid
principal of one of the route's roles, in order, and a request that finds a bucket empty takes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest

from mitapo.accounts import auth, credentials, principals
from mitapo.accounts.principals import Admission, Asked, PrincipalView, RevokedSecret
from mitapo.engine.database import Database
from mitapo.engine.urls import plain_url

pytestmark = pytest.mark.db

TWO_A_MINUTE = 30.0, 60.0  # step, burst


def limited(address: str) -> tuple[tuple[str, float, float], ...]:
    return (("pay:principal:{principal}", *TWO_A_MINUTE), (f"pay:address:{address}", 1.0, 1000.0))


async def lookups(url: str) -> tuple[list[Admission], list[object], list[object], list[object]]:
    db = Database(url)
    await db.start()
    try:
        admin_id, admin = await auth.create_principal(db, "admin", "市の管理者")
        shop_id, first_key = await auth.create_principal(db, "merchant", "駅前書店")
        kept_id, kept_old = await auth.create_principal(db, "operator", "バス会社")
        gone_id, revoked = await auth.create_principal(db, "organizer", "夏祭り")
        await credentials.rotate(db, shop_id, timedelta(0), actor=admin_id)  # first_key retired at once
        rotated = await credentials.rotate(db, kept_id, timedelta(hours=1), actor=admin_id)
        await credentials.revoke(db, gone_id, actor=admin_id, reason="test")
        asked = [admin, "mtp_adm_unknown", first_key, kept_old, rotated.token, revoked, admin]
        hashes = [auth.hash_secret(s) for s in asked]
        async with db.lookup() as conn:
            together = await principals.admit_many(conn, [Asked(h) for h in hashes])
            alone = [await principals.by_secret_hash(conn, h) for h in hashes]
        authenticate = auth.Authenticator(db)  # one, as the app has: the calls go in one statement
        gathered = await asyncio.gather(*(authenticate(s) for s in asked))
        admin_view, operator = (
            PrincipalView(admin_id, "admin", "市の管理者"),
            PrincipalView(kept_id, "operator", "バス会社"),
        )
        expected = [
            admin_view,
            None,
            RevokedSecret(shop_id),
            operator,
            operator,
            RevokedSecret(gone_id),
            admin_view,
        ]
        return together, alone, list(gathered), expected
    finally:
        await db.close()


def test_many_secrets_in_one_statement_answer_as_each_alone(database_url: str) -> None:
    together, alone, gathered, expected = asyncio.run(lookups(database_url))
    assert alone == expected
    assert [a.found for a in together] == expected
    assert gathered == expected
    assert all(a.wait == 0 for a in together)


async def takes(url: str) -> tuple[list[Admission], dict[str, bool], str]:
    db = Database(url)
    await db.start()
    try:
        admin_id, admin = await auth.create_principal(db, "admin", "市の管理者")
        resident_id, resident = await auth.create_principal(db, "resident", "三鷹 花子")
        gone_id, revoked = await auth.create_principal(db, "merchant", "閉店")
        await credentials.revoke(db, gone_id, actor=admin_id, reason="test")
        pay = ("resident",)
        asked = [
            Asked(auth.hash_secret(resident), pay, limited("10.0.0.1")),
            Asked(auth.hash_secret(admin), pay, limited("10.0.0.2")),  # not a resident: 403, nothing taken
            Asked(auth.hash_secret(revoked), ("merchant",), limited("10.0.0.3")),  # revoked: nothing taken
            Asked(auth.hash_secret("mtp_res_unknown"), pay, limited("10.0.0.4")),
            Asked(auth.hash_secret(resident), pay, limited("10.0.0.1")),
            Asked(auth.hash_secret(resident), pay, limited("10.0.0.5")),  # the third in a minute: waits
        ]
        async with db.lookup() as conn:
            answers = await principals.admit_many(conn, asked)
    finally:
        await db.close()
    conn = await asyncpg.connect(plain_url(url))
    try:
        rows = await conn.fetch("SELECT key, tat > clock_timestamp() AS charged FROM rate_limits")
    finally:
        await conn.close()
    return answers, {r["key"]: r["charged"] for r in rows}, resident_id


def test_the_limits_are_taken_in_the_same_statement_only_for_an_admitted_principal(database_url: str) -> None:
    answers, buckets, resident_id = asyncio.run(takes(database_url))
    waits = [round(a.wait) for a in answers]
    assert waits[:5] == [0, 0, 0, 0, 0]
    assert waits[5] == 30  # two a minute: the third waits for the next refill, and took nothing
    assert isinstance(answers[1].found, PrincipalView) and answers[1].found.role == "admin"
    assert isinstance(answers[2].found, RevokedSecret)
    assert answers[3].found is None
    # only the resident's buckets; those of the refused third request were made full, never charged
    assert buckets == {
        "pay:address:10.0.0.1": True,
        "pay:address:10.0.0.5": False,
        f"pay:principal:{resident_id}": True,
    }
