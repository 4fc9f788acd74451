"""Premium campaigns: the bonus is its own entry, rounded down, never past its cap or its budget, and a top-up
stands whether or not a bonus can be given."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta

import pytest

from mitapo.engine import clock
from tests.api.conftest import Api
from tests.api.test_money_support import Town, moment, problem


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def test_bonus_is_a_rounded_down_share_in_its_own_entry_and_lot(town: Town) -> None:
    program_id = town.program(funding=10_000, valid_days=90)
    town.campaign(program_id, rate=10)
    resident_id, secret = town.resident()
    answer = town.top_up(resident_id, 1_239)
    assert answer.status_code == 201, answer.text
    assert answer.json()["bonus_points"] == 123 and answer.json()["money"] == 1_239
    me = town.api.get("/v1/me", secret).json()
    expires_on = (clock.tokyo_date(clock.now()) + timedelta(days=90)).isoformat()
    assert me["balances"] == {"points": 123, "money": 1_239}
    assert me["points_expiring"] == [{"expires_on": expires_on, "points": 123}]
    [bonus] = town.entries("bonus")
    assert sorted((p["account"], p["amount"]) for p in bonus["postings"]) == [
        (f"program:{program_id}:budget", 123),
        (f"resident:{resident_id}:points:{expires_on}", -123),
    ]
    assert bonus["id"] != answer.json()["entry_id"]
    assert town.verified()


def test_bonus_stops_at_the_cap_per_resident_and_campaign(town: Town) -> None:
    program_id = town.program(funding=10_000)
    town.campaign(program_id, rate=10, cap=150)
    resident_id, _ = town.resident()
    other_id, _ = town.resident("other")
    bonuses = [town.top_up(resident_id, 1_000).json()["bonus_points"] for _ in range(3)]
    assert bonuses == [100, 50, 0], "up to the cap, then nothing"
    assert town.top_up(other_id, 1_000).json()["bonus_points"] == 100, "each resident has their own cap"
    assert town.wallet(resident_id) == {"points": 150, "money": 3_000}


def test_concurrent_top_ups_never_exceed_the_cap(town: Town) -> None:
    program_id = town.program(funding=100_000)
    town.campaign(program_id, rate=10, cap=250)
    resident_id, _ = town.resident()
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda _: town.top_up(resident_id, 1_000), range(10)))
    assert {a.status_code for a in answers} == {201}
    assert sum(a.json()["bonus_points"] for a in answers) == 250
    assert town.wallet(resident_id) == {"points": 250, "money": 10_000}
    assert sum(-p["amount"] for e in town.entries("bonus") for p in e["postings"] if p["amount"] < 0) == 250


def test_an_exhausted_budget_gives_what_is_left_and_the_top_up_stands(town: Town) -> None:
    program_id = town.program(funding=150)
    town.campaign(program_id, rate=10, cap=10_000)
    resident_id, _ = town.resident()
    answers = [town.top_up(resident_id, 1_000) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.json()["bonus_points"] for a in answers] == [100, 50, 0]
    assert town.wallet(resident_id) == {"points": 150, "money": 3_000}
    program = town.program_view(program_id)
    assert program["budget_remaining"] == 0


def test_only_a_running_campaign_gives_a_bonus(town: Town) -> None:
    program_id = town.program(funding=10_000)
    town.campaign(program_id, starts=1, ends=30)
    town.campaign(program_id, starts=-30, ends=-1)
    resident_id, _ = town.resident()
    assert town.top_up(resident_id, 1_000).json()["bonus_points"] == 0
    assert town.entries("bonus") == []


def test_campaigns_running_together_each_give_their_bonus(town: Town) -> None:
    town.campaign(town.program(funding=10_000), rate=10)
    town.campaign(town.program(funding=10_000), rate=5)
    resident_id, _ = town.resident()
    assert town.top_up(resident_id, 1_000).json()["bonus_points"] == 150
    assert len(town.entries("bonus")) == 2


def test_a_replayed_top_up_answers_the_same_bonus_and_gives_none_again(town: Town) -> None:
    program_id = town.program(funding=10_000)
    town.campaign(program_id, rate=10)
    resident_id, _ = town.resident()
    first = town.top_up(resident_id, 1_000, ref="REF-9")
    size = town.api.journal_size()
    again = town.top_up(resident_id, 1_000, ref="REF-9")
    assert again.json() == first.json() == {**first.json(), "bonus_points": 100}
    assert town.api.journal_size() == size
    assert len(town.entries("bonus")) == 1


def test_a_small_top_up_earns_no_fraction_of_a_point(town: Town) -> None:
    town.campaign(town.program(funding=10_000), rate=10)
    resident_id, _ = town.resident()
    assert town.top_up(resident_id, 9).json()["bonus_points"] == 0
    assert town.entries("bonus") == []


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"rate_percent": 0}, 400, "validation_error"),
        ({"rate_percent": 10.5}, 400, "validation_error"),
        ({"per_resident_cap": 0}, 400, "validation_error"),
        ({"starts_at": "2026-11-22T10:00:00"}, 400, "validation_error"),
        ({"ends_at": moment(-2)}, 400, "validation_error"),
        ({"program_id": "prg_missing"}, 404, "not_found"),
        ({"extra": True}, 400, "validation_error"),
    ],
)
def test_bad_campaigns_are_refused_and_write_nothing(
    town: Town, change: dict[str, object], status: int, code: str
) -> None:
    program_id = town.program(funding=1_000)
    body = {"program_id": program_id, "name": "x", "rate_percent": 10, "per_resident_cap": 100}
    body |= {"starts_at": moment(-1), "ends_at": moment(1), **change}
    size, campaigns = town.api.journal_size(), town.count("campaigns")
    problem(town.api.post("/v1/campaigns", town.admin, body), status, code)
    assert (town.api.journal_size(), town.count("campaigns")) == (size, campaigns)


def test_only_admin_creates_campaigns(town: Town) -> None:
    program_id = town.program(funding=1_000)
    _, secret = town.resident()
    body = {"program_id": program_id, "name": "x", "rate_percent": 10, "per_resident_cap": 100}
    body |= {"starts_at": moment(-1), "ends_at": moment(1)}
    problem(town.api.post("/v1/campaigns", secret, body), 403, "forbidden")
    problem(town.api.post("/v1/campaigns", None, body), 401, "unauthorized")
    assert town.count("campaigns") == 0
