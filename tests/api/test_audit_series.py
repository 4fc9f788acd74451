"""The auditor's monthly series count every kind where the catalog places it; a reversal counts where the
entry it reverses counted, negated; and the journal refuses a kind the catalog does not hold."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.payments_support import give_money, give_points, in_days, problem, resident, shop


def test_a_reversed_payment_is_no_longer_spent(api: Api, admin: str) -> None:
    rid, secret = resident(api, admin)
    give_points(api, rid, 400, in_days(30))
    give_money(api, rid, 1000)
    code = shop(api, admin)["qr_payload"]
    paid = api.post("/v1/payments", secret, {"qr_payload": code, "amount": 600, "funding": "points_first"})
    assert paid.status_code == 201, paid.text
    before = api.get("/v1/audit/monthly", admin).json()
    assert (before["points"]["spent"], before["money"]["spent"]) == ([400], [200])

    reversed_ = api.post(f"/v1/entries/{paid.json()['entry_id']}/reversal", admin, {"reason": "till error"})
    assert reversed_.status_code == 201, reversed_.text
    after = api.get("/v1/audit/monthly", admin).json()
    assert (after["points"]["spent"], after["money"]["spent"]) == ([0], [0])
    assert after["points"]["granted"] == [400] and after["money"]["charged"] == [1000]


def test_the_journal_takes_the_catalog_kinds_only(api: Api, admin: str) -> None:
    assert api.get("/v1/audit/journal?kind=reversal", admin).status_code == 200
    problem(api.get("/v1/audit/journal?kind=hold", admin), 400, "validation_error")
