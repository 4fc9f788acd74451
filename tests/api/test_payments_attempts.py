"""After a lost answer the app asks whether its payment attempt (the Idempotency-Key it sent) went through."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.payments_support import give_money, problem, resident, shop

PATH = "/v1/me/payment-attempt"


def test_a_paid_attempt_answers_the_payment_with_the_shop(api: Api, admin: str) -> None:
    farm = shop(api, admin, "三鷹農園")
    rid, secret = resident(api, admin)
    give_money(api, rid, 1000)
    paid = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 300}, key="tunnel-1")
    assert paid.status_code == 201, paid.text
    asked = api.get(PATH, secret, params={"idempotency_key": "tunnel-1"})
    assert asked.status_code == 200, asked.text
    body = asked.json()
    assert body["status"] == "paid"
    receipt = body["payment"]
    assert receipt["id"] == paid.json()["id"] and receipt["merchant_name"] == "三鷹農園"
    assert (receipt["amount"], receipt["points_used"], receipt["money_used"]) == (300, 0, 300)
    assert receipt["created_at"]


def test_an_attempt_never_written_is_unknown(api: Api, admin: str) -> None:
    _, secret = resident(api, admin)
    asked = api.get(PATH, secret, params={"idempotency_key": "never-sent"})
    assert asked.status_code == 200 and asked.json() == {"status": "unknown", "payment": None}


def test_another_residents_key_tells_nothing(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin, "一")
    _, other = resident(api, admin, "二")
    give_money(api, rid, 1000)
    api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 100}, key="mine")
    assert api.get(PATH, other, params={"idempotency_key": "mine"}).json()["status"] == "unknown"


def test_a_key_of_another_write_is_not_a_payment(api: Api, admin: str) -> None:
    rid, secret = resident(api, admin)
    give_money(api, rid, 10)
    api.post("/v1/payments", secret, {"qr_payload": "nonsense", "amount": 1}, key="refused")
    assert api.get(PATH, secret, params={"idempotency_key": "refused"}).json()["status"] == "unknown"


def test_the_question_needs_a_resident_and_a_key(api: Api, admin: str) -> None:
    _, secret = resident(api, admin)
    problem(api.get(PATH, secret), 400, "validation_error")
    problem(api.get(PATH, admin, params={"idempotency_key": "x"}), 403, "forbidden")
    problem(api.get(PATH, None, params={"idempotency_key": "x"}), 401, "unauthorized")
