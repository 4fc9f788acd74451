"""The reads the pages add to the API: a point's trail, the filtered journal, monthly volumes, fairness,
budgets, an event's attendance, the recipients list and the till's own shop; and the pages themselves."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.conftest import Api
from tests.api.payments_support import give_money, give_points, in_days, problem, resident, shop, today


def _event(api: Api, admin: str, points: int = 150) -> tuple[str, str, str]:
    """A funded program, an organizer and an open event; (program id, organizer secret, event id)."""
    program = api.post(
        "/v1/programs", admin, {"name": "読み聞かせ", "points_valid_days": 365}, key=None
    ).json()
    assert api.post(f"/v1/programs/{program['id']}/funding", admin, {"points": 10_000}).status_code == 201
    organizer = api.post("/v1/organizers", admin, {"name": "三鷹図書館"}, key=None).json()
    grant = {"organizer_id": organizer["id"]}
    assert api.post(f"/v1/programs/{program['id']}/organizers", admin, grant, key=None).status_code == 201
    now = datetime.now(UTC)
    body = {
        "program_id": program["id"],
        "title": "おはなし会",
        "points": points,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
    }
    event = api.post("/v1/events", organizer["token"], body, key=None).json()
    return program["id"], organizer["token"], event["id"]


def _check_in(api: Api, organizer: str, event_id: str, secret: str) -> None:
    code = api.get(f"/v1/events/{event_id}/checkin-code", organizer).json()["payload"]
    assert api.post("/v1/checkins", secret, {"payload": code}).status_code == 201


def _pay(api: Api, secret: str, code: str, amount: int, funding: str = "points_only") -> dict[str, Any]:
    paid = api.post("/v1/payments", secret, {"qr_payload": code, "amount": amount, "funding": funding})
    assert paid.status_code == 201, paid.text
    return dict(paid.json())


def _trail(api: Api, admin: str, entry_id: str, point: int = 0) -> dict[str, Any]:
    found = api.get(f"/v1/audit/trail/{entry_id}?point={point}", admin)
    assert found.status_code == 200, found.text
    return dict(found.json())


def test_a_point_is_followed_from_the_funding_to_the_settlement(api: Api, admin: str) -> None:
    _, organizer, event_id = _event(api, admin)
    rid, secret = resident(api, admin)
    _check_in(api, organizer, event_id, secret)
    bakery = shop(api, admin, "三鷹駅前ベーカリー")
    paid = _pay(api, secret, bakery["qr_payload"], 120)
    assert api.post("/v1/settlements", admin, {}).status_code == 201
    api.seal()

    trail = _trail(api, admin, paid["entry_id"], 119)
    assert [step["entry"]["kind"] for step in trail["steps"]] == ["funding", "grant", "payment", "settlement"]
    assert trail["origin"] == "city:issuance" and trail["rests_in"] == "city:payable"
    assert trail["points_in_entry"] == 120
    hops = [(step["from"], step["to"]) for step in trail["steps"]]
    assert all(one[1] == next_[0] for one, next_ in itertools.pairwise(hops))
    assert hops[2] == (f"resident:{rid}:points:{in_days(365)}", f"merchant:{bakery['id']}:receivable")
    assert trail["steps"][1]["event"] == {"id": event_id, "title": "おはなし会"}
    assert trail["steps"][2]["shop"] == {"id": bakery["id"], "name": "三鷹駅前ベーカリー"}
    sealed = {e["id"]: e for e in api.get("/v1/audit/entries", admin).json()["items"]}
    for step in trail["steps"]:
        assert step["entry"] == sealed[step["entry"]["id"]]


def test_points_leave_an_account_in_the_order_they_came_in(api: Api, admin: str) -> None:
    rid, secret = resident(api, admin)
    give_points(api, rid, 100, in_days(30))
    give_points(api, rid, 200, in_days(30))
    paid = _pay(api, secret, shop(api, admin)["qr_payload"], 250)
    api.seal()
    first, later = _trail(api, admin, paid["entry_id"], 99), _trail(api, admin, paid["entry_id"], 100)
    assert [s["entry"]["kind"] for s in first["steps"]] == ["funding", "grant", "payment"]
    grants = [trail["steps"][1]["entry"] for trail in (first, later)]
    assert [g["postings"][0]["amount"] for g in grants] == [100, 200]
    fundings = [trail["steps"][0]["entry"] for trail in (first, later)]
    assert fundings[0]["id"] != fundings[1]["id"]
    assert first["rests_in"] == later["rests_in"] == f"merchant:{paid['merchant_id']}:receivable"


def test_a_trail_refuses_what_it_cannot_follow(api: Api, admin: str) -> None:
    rid, secret = resident(api, admin)
    give_points(api, rid, 10, in_days(30))
    give_money(api, rid, 500)
    paid = _pay(api, secret, shop(api, admin)["qr_payload"], 300, "money_only")
    before = api.journal_size()
    problem(api.get(f"/v1/audit/trail/{uuid.uuid4()}", admin), 404, "not_found")
    problem(api.get("/v1/audit/trail/not-an-entry", admin), 404, "not_found")
    problem(api.get(f"/v1/audit/trail/{paid['entry_id']}", admin), 400, "validation_error")
    problem(api.get(f"/v1/audit/trail/{paid['entry_id']}?point=-1", admin), 400, "validation_error")
    problem(api.get(f"/v1/audit/trail/{paid['entry_id']}", secret), 403, "forbidden")
    problem(api.get(f"/v1/audit/trail/{paid['entry_id']}", None), 401, "unauthorized")
    assert api.journal_size() == before


def test_the_journal_is_filtered_by_shop_resident_kind_account_and_day(api: Api, admin: str) -> None:
    auditor = api.token("auditor")
    (alice, alice_secret), (bob, bob_secret) = resident(api, admin, "A"), resident(api, admin, "B")
    for rid in (alice, bob):
        give_points(api, rid, 500, in_days(30))
    bakery, farm = shop(api, admin, "ベーカリー"), shop(api, admin, "直売所")
    _pay(api, alice_secret, bakery["qr_payload"], 100)
    _pay(api, bob_secret, farm["qr_payload"], 200)
    _pay(api, alice_secret, farm["qr_payload"], 300)
    api.seal()

    def amounts(query: str) -> list[int]:
        found = api.get(f"/v1/audit/journal?{query}", auditor)
        assert found.status_code == 200, found.text
        return [max(p["amount"] for p in e["postings"]) for e in found.json()["items"]]

    assert amounts(f"kind=payment&shop={farm['id']}") == [300, 200]
    assert amounts(f"kind=payment&resident={alice}") == [300, 100]
    assert amounts(f"resident={alice}&shop={farm['id']}") == [300]
    assert amounts(f"account=merchant:{bakery['id']}") == [100]
    assert amounts(f"kind=grant&account=resident:{bob}") == [500]
    assert amounts(f"kind=payment&from={today()}&to={today()}") == [300, 200, 100]
    assert amounts(f"kind=payment&from={today() + timedelta(days=1)}") == []
    page = api.get("/v1/audit/journal?kind=payment&limit=2", auditor).json()
    rest = api.get(f"/v1/audit/journal?kind=payment&before_seq={page['next_before_seq']}", auditor).json()
    assert [e["seq"] for e in page["items"] + rest["items"]] == sorted(
        (e["seq"] for e in page["items"] + rest["items"]), reverse=True
    )
    assert len(rest["items"]) == 1 and rest["next_before_seq"] is None
    problem(api.get(f"/v1/audit/journal?from={today()}&to={in_days(-1)}", auditor), 400, "validation_error")
    problem(api.get("/v1/audit/journal?from=yesterday", auditor), 400, "validation_error")
    problem(api.get("/v1/audit/journal?limit=0", auditor), 400, "validation_error")


def test_monthly_volumes_and_budgets_add_up(api: Api, admin: str) -> None:
    rid, secret = resident(api, admin)
    give_points(api, rid, 400, in_days(30))
    give_money(api, rid, 1000)
    _pay(api, secret, shop(api, admin)["qr_payload"], 600, "points_first")
    monthly = api.get("/v1/audit/monthly", admin).json()
    assert monthly["months"] == [today().strftime("%Y-%m")]
    assert {name: values[0] for name, values in monthly["points"].items()} == {
        "funded": 400,
        "granted": 400,
        "spent": 400,
        "donated": 0,
        "expired": 0,
    }
    assert monthly["money"] == {"charged": [1000], "spent": [200]}
    program_id, _, _ = _event(api, admin)
    budgets = {b["id"]: b for b in api.get("/v1/audit/budgets", admin).json()["items"]}
    assert budgets["test"] | {"name": ""} == budgets["test"] | {
        "name": "",
        "funded": 400,
        "drawn": 400,
        "budget_remaining": 0,
    }
    assert budgets[program_id]["funded"] == 10_000 and budgets[program_id]["budget_remaining"] == 10_000


def test_fairness_flags_a_resident_far_above_the_median(api: Api, admin: str) -> None:
    program_id, organizer, event_id = _event(api, admin, points=100)
    people = [resident(api, admin, f"住民{n}") for n in range(5)]
    for _, secret in people:
        _check_in(api, organizer, event_id, secret)

    def flags() -> dict[str, Any]:
        programs = api.get("/v1/audit/fairness", admin).json()["programs"]
        return next(p for p in programs if p["id"] == program_id)

    even = flags()
    assert (even["residents"], even["median"], even["max"], even["flagged"]) == (5, 100, 100, 0)
    now = datetime.now(UTC)
    second = {
        "program_id": program_id,
        "title": "二回目",
        "points": 250,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
    }
    _check_in(api, organizer, api.post("/v1/events", organizer, second, key=None).json()["id"], people[0][1])
    uneven = flags()
    assert {i["resident_id"]: i["flag"] for i in uneven["items"]} == {
        rid: "above_3x_median" if rid == people[0][0] else None for rid, _ in people
    }
    assert uneven["items"][0] == {
        "resident_id": people[0][0],
        "name": "住民0",
        "points": 350,
        "flag": "above_3x_median",
    }
    problem(api.get("/v1/audit/fairness", people[0][1]), 403, "forbidden")


def test_attendance_counts_check_ins_for_the_events_organizer_only(api: Api, admin: str) -> None:
    _, organizer, event_id = _event(api, admin)
    _, stranger, _ = _event(api, admin)
    assert api.get(f"/v1/events/{event_id}/attendance", organizer).json() == {
        "event_id": event_id,
        "count": 0,
        "points": 0,
        "capacity": None,
    }
    _check_in(api, organizer, event_id, resident(api, admin)[1])
    assert api.get(f"/v1/events/{event_id}/attendance", organizer).json()["count"] == 1
    assert api.get(f"/v1/events/{event_id}/attendance", admin).json()["points"] == 150
    problem(api.get(f"/v1/events/{event_id}/attendance", stranger), 404, "not_found")
    problem(api.get("/v1/events/evt_nope/attendance", admin), 404, "not_found")
    problem(api.get(f"/v1/events/{event_id}/attendance", resident(api, admin)[1]), 403, "forbidden")


def test_recipients_are_public_and_a_till_reads_its_own_shop(api: Api, admin: str) -> None:
    created = api.post("/v1/recipients", admin, {"name": "こども食堂"}, key=None).json()
    assert api.client.get("/v1/recipients").json() == {"items": [{"id": created["id"], "name": "こども食堂"}]}
    bakery = shop(api, admin, "三鷹駅前ベーカリー")
    mine = api.get("/v1/merchant", bakery["api_key"]).json()
    assert mine == {
        "id": bakery["id"],
        "name": "三鷹駅前ベーカリー",
        "city": "三鷹市",
        "qr_payload": bakery["qr_payload"],
    }
    problem(api.get("/v1/merchant", admin), 403, "forbidden")


def test_pages_speak_japanese_first_and_remember_english(api: Api) -> None:
    page = api.client.get("/app")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="ja">' in page.text and "Content-Security-Policy" in page.headers
    assert "set-cookie" not in page.headers
    english = api.client.get("/app?lang=en")
    assert '<html lang="en">' in english.text and "mitapo_lang=en" in english.headers["set-cookie"]
    assert '<html lang="en">' in api.client.get("/audit").text  # the client kept the cookie
    assert '<html lang="ja">' in api.client.get("/audit?lang=ja").text
    api.client.cookies.set("mitapo_lang", "ja")
    assert '<html lang="ja">' in api.client.get("/audit?lang=xx").text
    worker = api.client.get("/app/sw.js")
    assert worker.headers["service-worker-allowed"] == "/app"
    manifest = api.client.get("/app/manifest.webmanifest").json()
    assert manifest["start_url"] == "/app" and {i["sizes"] for i in manifest["icons"]} == {
        "192x192",
        "512x512",
    }
    for icon in manifest["icons"]:
        assert api.client.get(icon["src"]).headers["content-type"] == "image/png"
    problem(api.client.get("/v1/nowhere"), 404, "not_found")
