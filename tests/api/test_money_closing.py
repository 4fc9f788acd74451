"""Closing an account: money back through a channel, points to breakage, zero balances, a trail an auditor
can follow, and a closed resident who can neither sign in nor receive."""

from __future__ import annotations

import concurrent.futures
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import Command, HoldPlacement
from tests.api.conftest import Api
from tests.api.test_money_support import Town, problem


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def resident_accounts(town: Town, resident_id: str) -> dict[tuple[str, str], int]:
    owner = chart.resident_owner(resident_id) + ":"
    return {key: value for key, value in town.balances().items() if key[0].startswith(owner)}


def test_closing_pays_money_back_moves_points_to_breakage_and_leaves_zero(town: Town) -> None:
    program_id = town.program(funding=1_000)
    resident_id, secret = town.resident()
    today = clock.tokyo_date(clock.now())
    town.grant(program_id, resident_id, 70, today + timedelta(days=30))
    town.grant(program_id, resident_id, 30, today - timedelta(days=1))
    town.top_up(resident_id, 4_000, channel="bank_transfer")
    town.top_up(resident_id, 1_000, channel="convenience_store")
    assert town.api.get("/v1/me", secret).status_code == 200

    closed = town.close(resident_id, "bank_transfer")
    assert closed.status_code == 201, closed.text
    assert closed.json()["money_paid"] == 5_000 and closed.json()["points_forfeited"] == 100

    assert resident_accounts(town, resident_id) == {}
    balances = town.balances()
    assert balances[("channel:bank_transfer:clearing", "JPY")] == -1_000
    assert balances[("channel:convenience_store:clearing", "JPY")] == 1_000
    assert balances[("breakage", "PT")] == -100
    [entry] = town.entries("closure")
    assert entry["id"] == closed.json()["entry_id"] and resident_id in entry["memo"]
    assert sorted((p["account"], p["asset"], p["amount"]) for p in entry["postings"]) == [
        ("breakage", "PT", -100),
        ("channel:bank_transfer:clearing", "JPY", -5_000),
        (f"resident:{resident_id}:money", "JPY", 5_000),
        (f"resident:{resident_id}:points:{today - timedelta(days=1)}", "PT", 30),
        (f"resident:{resident_id}:points:{today + timedelta(days=30)}", "PT", 70),
    ]
    problem(town.api.get("/v1/me", secret), 401, "unauthorized")
    assert town.verified()


def test_a_closed_resident_receives_nothing_and_is_closed_once(town: Town) -> None:
    resident_id, _ = town.resident()
    town.top_up(resident_id, 1_000, ref="BEFORE")
    first = town.close(resident_id, key="c1")
    size = town.api.journal_size()
    problem(town.top_up(resident_id, 1_000), 409, "account_closed")
    problem(town.close(resident_id, key="c2"), 409, "account_closed")
    again = town.close(resident_id, key="c1")
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    replay = town.top_up(resident_id, 1_000, ref="BEFORE")
    assert replay.status_code == 201, "a retry of a top-up made before the closure still gets its answer"
    assert town.api.journal_size() == size
    assert resident_accounts(town, resident_id) == {}


def test_a_closed_resident_earns_no_bonus(town: Town) -> None:
    town.campaign(town.program(funding=10_000), rate=10)
    resident_id, _ = town.resident()
    town.close(resident_id)
    problem(town.top_up(resident_id, 1_000), 409, "account_closed")
    assert town.entries("bonus") == []


def test_closing_an_empty_account_writes_no_entry_but_closes(town: Town) -> None:
    resident_id, secret = town.resident()
    closed = town.close(resident_id)
    assert closed.json() == {"entry_id": None, "money_paid": 0, "points_forfeited": 0}
    problem(town.api.get("/v1/me", secret), 401, "unauthorized")
    assert town.count("closures") == 1


def test_top_ups_racing_a_closure_are_paid_back_or_refused(town: Town) -> None:
    resident_id, _ = town.resident()
    amounts = [100 + n for n in range(9)]
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        closing = pool.submit(town.close, resident_id, "card")
        answers = list(pool.map(lambda amount: town.top_up(resident_id, amount, channel="card"), amounts))
    credited = [amount for amount, a in zip(amounts, answers, strict=True) if a.status_code == 201]
    refused = [a.json()["code"] for a in answers if a.status_code != 201]
    assert set(refused) <= {"account_closed"}
    assert closing.result().json()["money_paid"] == sum(credited)
    assert resident_accounts(town, resident_id) == {}
    assert town.balances().get(("channel:card:clearing", "JPY"), 0) == 0


def test_closing_waits_for_pending_holds(town: Town) -> None:
    resident_id, _ = town.resident()
    town.top_up(resident_id, 1_000)
    hold = HoldPlacement(
        uuid.uuid4(),
        chart.resident_money(resident_id).code,
        chart.JPY,
        300,
        datetime.now(UTC) + timedelta(minutes=5),
    )
    town.api.run(ledger.post, town.api.runtime.db, Command(kind=None, holds=(hold,)))
    size = town.api.journal_size()
    problem(town.close(resident_id), 409, "holds_pending")
    assert (town.api.journal_size(), town.count("closures")) == (size, 0)


def test_refused_closures_write_nothing(town: Town) -> None:
    resident_id, secret = town.resident()
    town.top_up(resident_id, 1_000)
    size = town.api.journal_size()
    problem(town.close("res_missing"), 404, "not_found")
    problem(town.close(resident_id, "Bank!"), 400, "validation_error")
    problem(town.close(resident_id, key=None), 400, "idempotency_key_required")
    path = f"/v1/residents/{resident_id}/closure"
    problem(town.api.post(path, secret, {"channel": "card"}), 403, "forbidden")
    problem(town.api.post(path, town.admin, {}), 400, "validation_error")
    assert (town.api.journal_size(), town.count("closures")) == (size, 0)
    assert town.api.get("/v1/me", secret).status_code == 200
