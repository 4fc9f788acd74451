"""Top-ups: a channel's reference credits once, the wallet has a ceiling, every refusal writes nothing."""

from __future__ import annotations

import concurrent.futures

import pytest

from tests.api.conftest import Api
from tests.api.test_money_support import Town, problem


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def test_top_up_credits_the_wallet_from_the_channel(town: Town) -> None:
    resident_id, secret = town.resident()
    first = town.top_up(resident_id, 3_000, channel="convenience_store")
    assert first.status_code == 201, first.text
    assert first.json()["money"] == 3_000 and first.json()["bonus_points"] == 0
    second = town.top_up(resident_id, 2_000, channel="card")
    assert second.json()["money"] == 5_000, "money is the wallet's balance after the top-up"
    assert town.api.get("/v1/me", secret).json()["balances"]["money"] == 5_000
    balances = town.balances()
    assert balances[("channel:convenience_store:clearing", "JPY")] == 3_000
    assert balances[("channel:card:clearing", "JPY")] == 2_000
    assert balances[(f"resident:{resident_id}:money", "JPY")] == -5_000
    [entry, _] = town.entries("topup")
    assert entry["id"] == first.json()["entry_id"]
    assert sorted((p["account"], p["amount"]) for p in entry["postings"]) == [
        ("channel:convenience_store:clearing", 3_000),
        (f"resident:{resident_id}:money", -3_000),
    ]
    assert town.verified()


def test_same_reference_and_data_answers_the_first_result_whatever_the_key(town: Town) -> None:
    resident_id, _ = town.resident()
    first = town.top_up(resident_id, 1_000, ref="BANK-0001")
    size = town.api.journal_size()
    again = town.top_up(resident_id, 1_000, ref="BANK-0001")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert town.api.journal_size() == size
    assert town.wallet(resident_id)["money"] == 1_000


def test_same_reference_with_other_data_is_refused_and_writes_nothing(town: Town) -> None:
    resident_id, _ = town.resident()
    other_id, _ = town.resident("other")
    town.top_up(resident_id, 1_000, ref="BANK-0002")
    size = town.api.journal_size()
    problem(town.top_up(resident_id, 1_001, ref="BANK-0002"), 409, "duplicate_external_ref")
    problem(town.top_up(other_id, 1_000, ref="BANK-0002"), 409, "duplicate_external_ref")
    assert town.api.journal_size() == size
    same_ref_other_channel = town.top_up(resident_id, 500, ref="BANK-0002", channel="card")
    assert same_ref_other_channel.status_code == 201, "a reference belongs to its channel"


def test_same_reference_sent_concurrently_with_different_keys_credits_once(town: Town) -> None:
    resident_id, _ = town.resident()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: town.top_up(resident_id, 700, ref="CONCURRENT-1"), range(8)))
    assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
    assert len({r.json()["entry_id"] for r in responses}) == 1
    assert town.wallet(resident_id)["money"] == 700
    assert len(town.entries("topup")) == 1


def test_ceiling_refuses_a_top_up_past_it_and_writes_nothing(town: Town) -> None:
    resident_id, _ = town.resident()
    assert town.top_up(resident_id, 99_000).status_code == 201
    size = town.api.journal_size()
    problem(town.top_up(resident_id, 1_001), 422, "balance_limit_exceeded")
    assert town.api.journal_size() == size
    assert town.top_up(resident_id, 1_000).json()["money"] == 100_000, "the ceiling itself may be reached"


def test_key_replay_and_mismatch(town: Town) -> None:
    resident_id, _ = town.resident()
    first = town.top_up(resident_id, 1_000, ref="R-1", key="k")
    again = town.top_up(resident_id, 1_000, ref="R-1", key="k")
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    size = town.api.journal_size()
    problem(town.top_up(resident_id, 1_000, ref="R-2", key="k"), 422, "idempotency_mismatch")
    assert town.api.journal_size() == size


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 0},
        {"amount": -5},
        {"amount": 10.5},
        {"amount": True},
        {"amount": 10_000_001},
        {"channel": "Bank Transfer"},
        {"channel": ""},
        {"external_ref": ""},
        {"external_ref": "a\nb"},
        {"resident_id": ""},
        {"extra": 1},
    ],
)
def test_bad_bodies_are_400_and_write_nothing(town: Town, change: dict[str, object]) -> None:
    resident_id, _ = town.resident()
    body = {"resident_id": resident_id, "amount": 1_000, "channel": "card", "external_ref": "X-1", **change}
    size = town.api.journal_size()
    problem(town.api.post("/v1/topups", town.admin, body), 400, "validation_error")
    assert town.api.journal_size() == size


def test_refusals_before_any_work_write_nothing(town: Town, api: Api) -> None:
    resident_id, secret = town.resident()
    body = {"resident_id": resident_id, "amount": 1_000, "channel": "card", "external_ref": "X-2"}
    size = api.journal_size()
    problem(api.post("/v1/topups", town.admin, body, key=None), 400, "idempotency_key_required")
    problem(api.post("/v1/topups", secret, body), 403, "forbidden")
    problem(api.post("/v1/topups", "mtp_adm_unknown", body), 401, "unauthorized")
    problem(town.top_up("res_nobody", 1_000), 404, "not_found")
    assert api.journal_size() == size
