"""The resident's statement: their entries newest first, their own net change, which event or shop, page by
page, and never another resident's entries."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import Command, Leg
from mitapo.points import checkins, expiry, reads
from tests.api.conftest import Api
from tests.api.test_points_town import HOUR, Town, now, problem


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def _statement(town: Town, resident: str, **params: Any) -> dict[str, Any]:
    response = town.api.get("/v1/me/entries", resident, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _pay_shop(town: Town, resident_id: str, points: int) -> str:
    """A shop of the merchants' service, paid in points as a payment entry records it (the shop in meta)."""
    created = town.api.post("/v1/merchants", town.admin, {"name": "三鷹の八百屋"})
    assert created.status_code == 201, created.text
    merchant_id: str = created.json()["id"]
    lot = chart.resident_lot(resident_id, clock.tokyo_date(clock.now()) + timedelta(days=180))
    shop = chart.merchant_receivable(merchant_id)
    command = Command(
        kind="payment",
        accounts=(shop,),
        postings=(Leg(lot.code, chart.PT, points), Leg(shop.code, chart.PT, -points)),
        meta={"merchant_id": merchant_id},
    )
    town.api.run(ledger.post, town.api.runtime.db, command)
    return merchant_id


def test_the_statement_says_what_each_entry_was(town: Town) -> None:
    program = town.program(valid_days=180)
    _, organizer = town.organizer()
    event = town.event(organizer, program, points=100, title="井の頭公園 清掃")
    giver_id, giver = town.resident("贈る人")
    receiver_id, receiver = town.resident("受け取る人")
    granted = town.checked_in(organizer, event, giver)
    gift = town.api.post("/v1/gifts", giver, {"to_resident_id": receiver_id, "points": 30}).json()
    shop_id = _pay_shop(town, giver_id, 20)
    items = _statement(town, giver)["items"]
    assert [(i["kind"], i["points"], i["money"], i["description"]) for i in items] == [
        ("payment", -20, 0, "三鷹の八百屋"),
        ("gift", -30, 0, "gift"),
        ("grant", 100, 0, "井の頭公園 清掃"),
    ]
    assert items[0]["shop"] == {"id": shop_id, "name": "三鷹の八百屋"}
    assert items[1]["entry_id"] == gift["entry_id"]
    assert items[2]["entry_id"] == granted["entry_id"]
    assert items[2]["event"] == {"id": event, "title": "井の頭公園 清掃"}
    assert items[0]["created_at"] >= items[1]["created_at"] >= items[2]["created_at"]
    theirs = _statement(town, receiver)
    assert [(i["kind"], i["points"], i["entry_id"]) for i in theirs["items"]] == [
        ("gift", 30, gift["entry_id"])
    ]
    assert theirs["next_cursor"] is None


def test_expiry_shows_as_points_lost(town: Town) -> None:
    program = town.program(valid_days=10)
    event = town.event(town.admin, program, starts_at=now() - timedelta(days=30), ends_at=now() + HOUR)
    resident_id, resident = town.resident()
    town.grant_at(resident_id, event, now() - timedelta(days=20))
    town.api.run(expiry.run, town.api.runtime.db, clock.tokyo_date(clock.now()))
    items = _statement(town, resident)["items"]
    assert [(i["kind"], i["points"], i["description"]) for i in items] == [
        ("expiry", -100, "points expired"),
        ("grant", 100, "井の頭公園 清掃"),
    ]


def test_pages_follow_each_other_to_the_end(town: Town) -> None:
    program = town.program(funding=100_000)
    _, organizer = town.organizer()
    resident_id, resident = town.resident()
    for n in range(5):
        town.checked_in(organizer, town.event(organizer, program, points=10 + n), resident)
    db = town.api.runtime.db
    events = [town.event(organizer, program, points=1) for _ in range(4)]

    async def in_one_batch() -> None:
        """Submitted together, they share a batch and its created_at: pages then turn on the entry id."""
        async with db.read() as conn:
            found = [await reads.event_and_program(conn, e) for e in events]
        await asyncio.gather(*(checkins.grant(db, resident_id, *f, now()) for f in found if f))

    town.api.run(in_one_batch)
    everything = _statement(town, resident, limit=200)["items"]
    assert len(everything) == 9
    assert len({i["created_at"] for i in everything}) < 9
    pages, cursor = [], None
    while True:
        page = _statement(town, resident, limit=2, **({"cursor": cursor} if cursor else {}))
        pages.extend(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == everything
    assert len({i["entry_id"] for i in pages}) == 9


def test_an_empty_statement(town: Town) -> None:
    _, resident = town.resident()
    assert _statement(town, resident) == {"items": [], "next_cursor": None}


def test_bad_cursors_and_limits_are_refused(town: Town) -> None:
    _, resident = town.resident()
    for params in ({"cursor": "nonsense"}, {"cursor": "W10"}, {"limit": 0}, {"limit": 201}, {"limit": "x"}):
        problem(town.api.get("/v1/me/entries", resident, params=params), 400, "validation_error")


def test_only_residents_read_statements(town: Town) -> None:
    _, organizer = town.organizer()
    problem(town.api.get("/v1/me/entries", town.admin), 403, "forbidden")
    problem(town.api.get("/v1/me/entries", organizer), 403, "forbidden")
    problem(town.api.get("/v1/me/entries", None), 401, "unauthorized")
