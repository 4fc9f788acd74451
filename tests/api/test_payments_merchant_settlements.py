"""A shop's till lists its own settlements: points and money taken, the fee and the payout, newest first;
never another shop's, and only for the shop itself."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.payments_support import give_money, give_points, in_days, problem, resident, shop


def test_a_shop_sees_its_own_settlements_with_fees(api: Api, admin: str) -> None:
    bakery = shop(api, admin, "三鷹駅前ベーカリー", fee_bps=250)
    other = shop(api, admin, "野川そば")
    rid, secret = resident(api, admin)
    give_points(api, rid, 400, in_days(30))
    give_money(api, rid, 2_000)
    paid = api.post("/v1/payments", secret, {"qr_payload": bakery["qr_payload"], "amount": 1_000})
    assert paid.status_code == 201, paid.text
    assert (
        api.post("/v1/payments", secret, {"qr_payload": other["qr_payload"], "amount": 300}).status_code
        == 201
    )
    first = api.post("/v1/settlements", admin, {}).json()

    found = api.get("/v1/merchant/settlements", bakery["api_key"])
    assert found.status_code == 200, found.text
    assert found.json()["items"] == [
        {
            "settlement_id": first["id"],
            "period_start": None,
            "until": first["until"],
            "points": 400,
            "money": 600,
            "fee": 25,
            "payout": 975,
        }
    ]
    assert [
        line["payout"] for line in api.get("/v1/merchant/settlements", other["api_key"]).json()["items"]
    ] == [300]
    newcomer = shop(api, admin, "新しい店")
    assert api.get("/v1/merchant/settlements", newcomer["api_key"]).json() == {"items": []}


def test_only_a_shop_reads_its_settlements(api: Api, admin: str) -> None:
    _, secret = resident(api, admin)
    for other in (admin, api.token("auditor"), api.token("organizer"), secret):
        problem(api.get("/v1/merchant/settlements", other), 403, "forbidden")
    problem(api.get("/v1/merchant/settlements", None), 401, "unauthorized")
