"""Payments at shops through HTTP: dynamic and static codes, charges of pay codes, funding, refusals."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta

from mitapo.engine import clock, codes
from mitapo.payments import paycodes, paying
from tests.api.conftest import Api
from tests.api.payments_support import (
    balances,
    give_money,
    give_points,
    in_days,
    problem,
    resident,
    shop,
    wallet,
)


def request(api: Api, key: str, amount: int, **fields: object) -> dict:
    created = api.post("/v1/payment-requests", key, {"amount": amount, **fields}, key=None)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_dynamic_code_spends_soonest_points_first_then_money(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_points(api, rid, 300, in_days(200))
    give_points(api, rid, 200, in_days(10))
    give_money(api, rid, 1000)
    asked = request(api, farm["api_key"], 700, reference="receipt-1")
    paid = api.post("/v1/payments", secret, {"qr_payload": asked["qr_payload"]})
    assert paid.status_code == 201, paid.text
    body = paid.json()
    assert (body["amount"], body["points_used"], body["money_used"]) == (700, 500, 200)
    assert body["merchant_id"] == farm["id"] and body["status"] == "succeeded"
    assert wallet(api, secret) == {"points": 0, "money": 800, "lots": {}}
    owed = balances(api, admin)
    assert owed[(f"merchant:{farm['id']}:receivable", "PT")] == -500
    assert owed[(f"merchant:{farm['id']}:receivable", "JPY")] == -200
    state = api.get(f"/v1/payment-requests/{asked['id']}", farm["api_key"]).json()
    assert state["status"] == "paid" and state["payment_id"] == body["id"]


def test_the_soonest_lot_goes_first_and_the_rest_stays(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_points(api, rid, 300, in_days(200))
    give_points(api, rid, 200, in_days(10))
    paid = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 250})
    assert paid.status_code == 201, paid.text
    assert wallet(api, secret)["lots"] == {in_days(200).isoformat(): 250}


def test_a_request_is_paid_once_and_a_retry_replays(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 1000)
    asked = request(api, farm["api_key"], 100)
    first = api.post("/v1/payments", secret, {"qr_payload": asked["qr_payload"]}, key="k1")
    again = api.post("/v1/payments", secret, {"qr_payload": asked["qr_payload"]}, key="k1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    before = api.journal_size()
    problem(api.post("/v1/payments", secret, {"qr_payload": asked["qr_payload"]}), 409, "code_used")
    assert api.journal_size() == before
    assert wallet(api, secret)["money"] == 900


def test_racing_phones_pay_one_request_once(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    asked = request(api, farm["api_key"], 100)
    phones = []
    for n in range(8):
        rid, secret = resident(api, admin, f"住民 {n}")
        give_money(api, rid, 100)
        phones.append(secret)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda s: api.post("/v1/payments", s, {"qr_payload": asked["qr_payload"]}), phones)
        )
    assert sorted(a.status_code for a in answers) == [201] + [409] * 7
    assert {a.json()["code"] for a in answers if a.status_code == 409} == {"code_used"}
    assert balances(api, admin)[(f"merchant:{farm['id']}:receivable", "JPY")] == -100
    assert sum(wallet(api, s)["money"] for s in phones) == 700


def test_refusals_write_nothing(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_points(api, rid, 50, in_days(30))
    give_money(api, rid, 30)
    before = api.journal_size()
    pay = {"qr_payload": farm["qr_payload"]}
    problem(api.post("/v1/payments", secret, {**pay, "amount": 81}), 422, "insufficient_funds")
    problem(
        api.post("/v1/payments", secret, {**pay, "amount": 51, "funding": "points_only"}),
        422,
        "insufficient_funds",
    )
    problem(
        api.post("/v1/payments", secret, {**pay, "amount": 31, "funding": "money_only"}),
        422,
        "insufficient_funds",
    )
    problem(api.post("/v1/payments", secret, pay), 400, "validation_error")
    problem(api.post("/v1/payments", secret, {**pay, "amount": 1.5}), 400, "validation_error")
    problem(
        api.post("/v1/payments", secret, {**pay, "amount": 10}, key=None), 400, "idempotency_key_required"
    )
    tampered = farm["qr_payload"][:-4] + ("0000" if not farm["qr_payload"].endswith("0000") else "1111")
    problem(api.post("/v1/payments", secret, {"qr_payload": tampered, "amount": 10}), 422, "code_invalid")
    problem(api.post("/v1/payments", secret, {"qr_payload": "hello", "amount": 10}), 422, "code_invalid")
    problem(api.post("/v1/payments", farm["api_key"], {**pay, "amount": 10}), 403, "forbidden")
    assert api.journal_size() == before
    paid = api.post("/v1/payments", secret, {**pay, "amount": 80})
    assert paid.status_code == 201 and paid.json()["points_used"] == 50


def test_funding_choices(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_points(api, rid, 100, in_days(30))
    give_money(api, rid, 100)
    pay = {"qr_payload": farm["qr_payload"], "amount": 60}
    money_only = api.post("/v1/payments", secret, {**pay, "funding": "money_only"}).json()
    points_only = api.post("/v1/payments", secret, {**pay, "funding": "points_only"}).json()
    assert (money_only["points_used"], money_only["money_used"]) == (0, 60)
    assert (points_only["points_used"], points_only["money_used"]) == (60, 0)


def test_an_expired_request_is_refused(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 100)
    written = api.run(paying.create_request, api.runtime.db, farm["id"], 50, None, -1)
    before = api.journal_size()
    problem(
        api.post("/v1/payments", secret, {"qr_payload": written.result["qr_payload"]}), 422, "code_expired"
    )
    assert api.journal_size() == before
    assert (
        api.get(f"/v1/payment-requests/{written.result['id']}", farm["api_key"]).json()["status"] == "expired"
    )


def test_a_pay_code_is_charged_once(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 1000)
    code = api.get("/v1/me/pay-code", secret).json()
    charged = api.post("/v1/charges", farm["api_key"], {"pay_code": code["payload"], "amount": 300})
    assert charged.status_code == 201, charged.text
    assert charged.json()["money_used"] == 300
    before = api.journal_size()
    replayed = api.post("/v1/charges", farm["api_key"], {"pay_code": code["payload"], "amount": 300})
    problem(replayed, 409, "code_used")
    assert api.journal_size() == before
    assert wallet(api, secret)["money"] == 700


def test_forged_expired_and_foreign_pay_codes_are_refused(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, _ = resident(api, admin)
    give_money(api, rid, 1000)
    keys = api.runtime.keys
    old = paycodes.issue(keys, rid, clock.now() - timedelta(seconds=61), 60)["payload"]
    checkin = codes.encode(keys, codes.CHECKIN, rid, 1)
    fresh = paycodes.issue(keys, rid, clock.now(), 60)["payload"]
    forged = fresh[:-8] + ("A" * 8 if not fresh.endswith("A" * 8) else "B" * 8)
    before = api.journal_size()
    charge = {"amount": 10}
    problem(api.post("/v1/charges", farm["api_key"], {**charge, "pay_code": old}), 422, "code_expired")
    problem(api.post("/v1/charges", farm["api_key"], {**charge, "pay_code": checkin}), 422, "code_invalid")
    problem(api.post("/v1/charges", farm["api_key"], {**charge, "pay_code": forged}), 422, "code_invalid")
    problem(
        api.post("/v1/charges", farm["api_key"], {**charge, "pay_code": "MTP1C.xyz"}), 422, "code_invalid"
    )
    assert api.journal_size() == before


def test_merchant_lists_its_payments_page_by_page(api: Api, admin: str) -> None:
    farm, other = shop(api, admin), shop(api, admin, "別の店")
    rid, secret = resident(api, admin)
    give_money(api, rid, 1000)
    for amount in (1, 2, 3):
        api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": amount})
    api.post("/v1/payments", secret, {"qr_payload": other["qr_payload"], "amount": 9})
    first = api.get("/v1/merchant/payments", farm["api_key"], params={"limit": 2}).json()
    assert [p["amount"] for p in first["items"]] == [3, 2]
    rest = api.get("/v1/merchant/payments", farm["api_key"], params={"cursor": first["next_cursor"]}).json()
    assert [p["amount"] for p in rest["items"]] == [1] and rest["next_cursor"] is None
    problem(
        api.get("/v1/merchant/payments", farm["api_key"], params={"cursor": "x"}), 400, "validation_error"
    )


def test_another_shops_request_is_not_found(api: Api, admin: str) -> None:
    farm, other = shop(api, admin), shop(api, admin, "別の店")
    asked = request(api, farm["api_key"], 100)
    problem(api.get(f"/v1/payment-requests/{asked['id']}", other["api_key"]), 404, "not_found")


def test_the_shops_list_shows_each_payments_slip_number(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 1000)
    asked = request(api, farm["api_key"], 100, reference="R-0001")
    assert api.post("/v1/payments", secret, {"qr_payload": asked["qr_payload"]}).status_code == 201
    code = api.get("/v1/me/pay-code", secret).json()["payload"]
    charge = {"pay_code": code, "amount": 200, "reference": "R-0002"}
    assert api.post("/v1/charges", farm["api_key"], charge).status_code == 201
    static = {"qr_payload": farm["qr_payload"], "amount": 300}
    assert api.post("/v1/payments", secret, static).status_code == 201
    listed = api.get("/v1/merchant/payments", farm["api_key"]).json()["items"]
    assert [(p["amount"], p["reference"]) for p in listed] == [(300, None), (200, "R-0002"), (100, "R-0001")]
