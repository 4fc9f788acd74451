"""Donations: soonest-expiring points first, a public page that never names an anonymous donor, and matches
that never exceed their per-donation cap, their total or their program's budget."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta

import pytest

from mitapo.engine import clock
from tests.api.conftest import Api
from tests.api.test_money_support import Town, problem


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def days(n: int) -> object:
    return clock.tokyo_date(clock.now()) + timedelta(days=n)


def donor(town: Town, program_id: str, points: int, name: str = "三鷹 一郎") -> tuple[str, str]:
    resident_id, secret = town.resident(name)
    town.grant(program_id, resident_id, points, days(30))
    return resident_id, secret


def test_a_donation_takes_the_soonest_expiring_points_first(town: Town) -> None:
    program_id = town.program(funding=1_000)
    resident_id, secret = town.resident()
    town.grant(program_id, resident_id, 100, days(100))
    town.grant(program_id, resident_id, 100, days(10))
    town.grant(program_id, resident_id, 100, days(-1))
    recipient_id = town.recipient()
    answer = town.donate(secret, recipient_id, 150)
    assert answer.status_code == 201, answer.text
    assert answer.json()["matched_points"] == 0
    me = town.api.get("/v1/me", secret).json()
    assert me["points_expiring"] == [{"expires_on": str(days(100)), "points": 50}], "expired points stay put"
    [entry] = town.entries("donation")
    assert entry["id"] == answer.json()["entry_id"]
    assert sorted((p["account"], p["amount"]) for p in entry["postings"]) == [
        (f"recipient:{recipient_id}:received", -150),
        (f"resident:{resident_id}:points:{days(10)}", 100),
        (f"resident:{resident_id}:points:{days(100)}", 50),
    ]
    page = town.api.get(f"/v1/recipients/{recipient_id}", None).json()
    assert page["points_received"] == 150 and page["name"] == "井の頭 町会"
    assert town.verified()


def test_the_public_page_never_names_an_anonymous_donor(town: Town) -> None:
    program_id = town.program(funding=1_000)
    named_id, named = donor(town, program_id, 100, "公開 太郎")
    hidden_id, hidden = donor(town, program_id, 100, "匿名 花子")
    recipient_id = town.recipient()
    assert town.donate(named, recipient_id, 10, public_name=True).status_code == 201
    assert town.donate(hidden, recipient_id, 20, anonymous=True).status_code == 201
    page = town.api.get(f"/v1/recipients/{recipient_id}", None)
    assert page.status_code == 200
    assert page.json()["points_received"] == 30
    assert [(d["donor"], d["points"]) for d in page.json()["recent_donations"]] == [
        (None, 20),
        ("公開 太郎", 10),
    ]
    assert "匿名" not in page.text and hidden_id not in page.text and named_id not in page.text
    assert all(hidden_id not in entry["memo"] for entry in town.entries("donation"))


def test_refused_donations_write_nothing(town: Town) -> None:
    program_id = town.program(funding=1_000)
    _, secret = donor(town, program_id, 100)
    recipient_id = town.recipient()
    size = town.api.journal_size()
    problem(town.donate(secret, recipient_id, 101), 422, "insufficient_funds")
    problem(town.donate(secret, "rcp_missing", 10), 404, "not_found")
    problem(town.donate(secret, recipient_id, 0), 400, "validation_error")
    problem(town.donate(secret, recipient_id, 1.5), 400, "validation_error")
    problem(town.donate(secret, recipient_id, 10, anonymous="yes"), 400, "validation_error")
    problem(town.donate(secret, recipient_id, 10, key=None), 400, "idempotency_key_required")
    problem(town.donate(town.admin, recipient_id, 10), 403, "forbidden")
    problem(town.donate("mtp_res_unknown", recipient_id, 10), 401, "unauthorized")
    assert town.api.journal_size() == size
    assert town.count("donations") == 0


def test_a_donation_replays_with_its_key(town: Town) -> None:
    program_id = town.program(funding=1_000)
    _, secret = donor(town, program_id, 100)
    recipient_id = town.recipient()
    first = town.donate(secret, recipient_id, 40, key="d1")
    again = town.donate(secret, recipient_id, 40, key="d1")
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    problem(town.donate(secret, recipient_id, 41, key="d1"), 422, "idempotency_mismatch")
    assert town.api.get(f"/v1/recipients/{recipient_id}", None).json()["points_received"] == 40


def test_recipients_are_created_by_admin_and_read_by_anyone(town: Town) -> None:
    _, secret = town.resident()
    size = town.api.journal_size()
    problem(town.api.post("/v1/recipients", secret, {"name": "x"}), 403, "forbidden")
    problem(town.api.post("/v1/recipients", town.admin, {"name": ""}), 400, "validation_error")
    assert (town.api.journal_size(), town.count("recipients")) == (size, 0)
    problem(town.api.get("/v1/recipients/rcp_missing", None), 404, "not_found")
    recipient_id = town.recipient("杏林大学 基金")
    page = town.api.get(f"/v1/recipients/{recipient_id}", None).json()
    assert page == {"id": recipient_id, "name": "杏林大学 基金", "points_received": 0, "recent_donations": []}


def test_a_match_is_its_own_entry_drawing_on_the_program(town: Town) -> None:
    program_id = town.program(funding=1_000)
    matcher = town.program(funding=10_000)
    _, secret = donor(town, program_id, 100)
    recipient_id = town.recipient()
    town.matching(matcher, [recipient_id], rate_percent=100)
    answer = town.donate(secret, recipient_id, 60)
    assert answer.json()["matched_points"] == 60
    [match] = town.entries("match")
    assert sorted((p["account"], p["amount"]) for p in match["postings"]) == [
        (f"program:{matcher}:budget", 60),
        (f"recipient:{recipient_id}:received", -60),
    ]
    assert town.api.get(f"/v1/recipients/{recipient_id}", None).json()["points_received"] == 120
    assert town.program_view(matcher)["budget_remaining"] == 9_940


def test_a_match_stops_at_its_per_donation_cap_rate_and_chosen_recipients(town: Town) -> None:
    program_id = town.program(funding=1_000)
    matcher = town.program(funding=10_000)
    _, secret = donor(town, program_id, 500)
    chosen, other = town.recipient("chosen"), town.recipient("other")
    town.matching(matcher, [chosen], rate_percent=50, per_donation_cap=30)
    assert town.donate(secret, chosen, 40).json()["matched_points"] == 20
    assert town.donate(secret, chosen, 100).json()["matched_points"] == 30
    assert town.donate(secret, other, 100).json()["matched_points"] == 0


def test_an_exhausted_budget_matches_what_is_left_and_the_donation_stands(town: Town) -> None:
    program_id = town.program(funding=1_000)
    matcher = town.program(funding=50)
    _, secret = donor(town, program_id, 500)
    recipient_id = town.recipient()
    town.matching(matcher, [recipient_id])
    answers = [town.donate(secret, recipient_id, 40) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert [a.json()["matched_points"] for a in answers] == [40, 10, 0]
    assert town.api.get(f"/v1/recipients/{recipient_id}", None).json()["points_received"] == 170


def test_concurrent_donations_never_match_past_the_budget_or_the_total(town: Town) -> None:
    program_id = town.program(funding=10_000)
    small_budget, small_total = town.program(funding=250), town.program(funding=10_000)
    recipient_id = town.recipient()
    town.matching(small_budget, [recipient_id])
    town.matching(small_total, [recipient_id], total_cap=330)
    secrets = [donor(town, program_id, 100, f"donor {n}")[1] for n in range(10)]
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda s: town.donate(s, recipient_id, 100), secrets))
    assert {a.status_code for a in answers} == {201}
    assert sum(a.json()["matched_points"] for a in answers) == 250 + 330
    assert town.program_view(small_budget)["budget_remaining"] == 0
    assert town.program_view(small_total)["budget_remaining"] == 10_000 - 330
    assert town.api.get(f"/v1/recipients/{recipient_id}", None).json()["points_received"] == 1_000 + 580
    assert town.verified()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"recipient_ids": []}, 400, "validation_error"),
        ({"recipient_ids": ["rcp_missing"]}, 404, "not_found"),
        ({"program_id": "prg_missing"}, 404, "not_found"),
        ({"per_donation_cap": 0}, 400, "validation_error"),
        ({"rate_percent": 0}, 400, "validation_error"),
        ({"total_cap": -1}, 400, "validation_error"),
    ],
)
def test_bad_matchings_are_refused_and_write_nothing(
    town: Town, change: dict[str, object], status: int, code: str
) -> None:
    body = {
        "program_id": town.program(funding=100),
        "recipient_ids": [town.recipient()],
        "per_donation_cap": 10,
        **change,
    }
    size, offers = town.api.journal_size(), town.count("matchings")
    problem(town.api.post("/v1/matchings", town.admin, body), status, code)
    assert (town.api.journal_size(), town.count("matchings")) == (size, offers)
