"""The abuse limits' buckets, taken for many requests in one statement (`rate_take_many`, migration 0014), and
the Limiter that gathers the takes of concurrent requests into such statements. A batch must decide exactly as
the same requests one at a time would: in order, all or nothing per request, a bucket never overdrawn."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from mitapo.engine.database import Database
from mitapo.engine.urls import plain_url
from mitapo.limits import buckets
from mitapo.limits.rules import Limited, Limiter, Policy

pytestmark = pytest.mark.db

THREE_A_MINUTE = 20.0, 60.0  # step, burst: three at once, then one every 20 s


def bucket(key: str) -> buckets.Bucket:
    return buckets.Bucket(key, *THREE_A_MINUTE)


async def take(url: str, requests: list[list[buckets.Bucket]]) -> list[float]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        return await buckets.take_many(conn, requests)
    finally:
        await conn.close()


def test_one_call_admits_a_bucket_only_as_far_as_it_reaches(database_url: str) -> None:
    waits = asyncio.run(take(database_url, [[bucket("a")] for _ in range(5)]))
    assert waits[:3] == [0.0, 0.0, 0.0]
    assert [round(w) for w in waits[3:]] == [20, 20]  # the fourth and fifth wait for the next refill
    later = asyncio.run(take(database_url, [[bucket("a")]]))
    assert later[0] > 19  # the refused ones were not charged, the admitted ones were


def test_a_request_is_admitted_by_all_its_buckets_or_charged_to_none(database_url: str) -> None:
    waits = asyncio.run(
        take(
            database_url,
            [
                [bucket("full")],
                [bucket("full")],
                [bucket("full")],
                [bucket("full"), bucket("roomy")],  # refused by "full": "roomy" is not charged
                [bucket("roomy")],
                [],  # no bucket: nothing to refuse it
                [bucket("roomy")],
                [bucket("roomy")],
                [bucket("roomy")],
            ],
        )
    )
    assert waits[3] > 0
    assert waits[4:8] == [0.0, 0.0, 0.0, 0.0]
    assert waits[8] > 0  # "roomy" had exactly three


def test_concurrent_requests_through_the_limiter_never_overdraw(database_url: str) -> None:
    async def main() -> list[BaseException | None]:
        db = Database(database_url)
        await db.start()
        try:
            policy = Policy(per_principal=10, per_address=0, bad_secrets=0, bad_secrets_seconds=60)
            limiter = Limiter(db, policy)
            return await asyncio.gather(
                *(limiter.admit("payments", "resident-1", "192.0.2.1") for _ in range(40)),
                return_exceptions=True,
            )
        finally:
            await db.close()

    answers = asyncio.run(main())
    assert sum(answer is None for answer in answers) == 10
    refused = [answer for answer in answers if answer is not None]
    assert len(refused) == 30
    assert all(isinstance(r, Limited) and r.code == "rate_limited" for r in refused)
