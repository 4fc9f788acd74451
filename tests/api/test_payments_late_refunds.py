"""A refund after the shop was settled: accepted, the shop's receivable goes below zero for it, and the next
settlement nets it; a shop that ends a period owing is shown as owing, never as a negative transfer."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.payments_support import balances, give_money, give_points, in_days, resident, shop

BANK = {
    "bank_code": "0001",
    "branch_code": "247",
    "account_number": "1234567",
    "account_holder_kana": "ﾐﾀｶﾉｳｴﾝ",
}


def _pay(api: Api, secret: str, farm: dict, amount: int) -> str:
    paid = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": amount})
    assert paid.status_code == 201, paid.text
    return str(paid.json()["id"])


def _zengin_amounts(api: Api, admin: str, settlement_id: str) -> list[int]:
    content = api.get(f"/v1/settlements/{settlement_id}/payout.zengin", admin).content
    return [int(r[80:90]) for r in content.split(b"\r\n") if r[:1] == b"2"]


def test_a_refund_after_settlement_is_accepted_and_netted_by_the_next(api: Api, admin: str) -> None:
    farm = shop(api, admin, bank=BANK)
    rid, secret = resident(api, admin)
    give_money(api, rid, 3_000)
    first = _pay(api, secret, farm, 1_000)
    assert api.post("/v1/settlements", admin, {}).json()["lines"][0]["payout"] == 1_000
    refunded = api.post(f"/v1/payments/{first}/refunds", farm["api_key"], {"amount": 300})
    assert refunded.status_code == 201, refunded.text
    assert balances(api, admin)[(f"merchant:{farm['id']}:receivable", "JPY")] == 300  # owes 300
    _pay(api, secret, farm, 500)
    second = api.post("/v1/settlements", admin, {}).json()
    assert [(line["money"], line["payout"]) for line in second["lines"]] == [(200, 200)]
    assert _zengin_amounts(api, admin, second["id"]) == [200]
    assert (f"merchant:{farm['id']}:receivable", "JPY") not in balances(api, admin)  # settled to zero
    api.seal()
    assert api.get("/v1/audit/verify", admin).json()["ok"] is True


def test_a_shop_that_ends_a_period_owing_is_shown_owing_and_never_paid_negative(api: Api, admin: str) -> None:
    farm = shop(api, admin, bank=BANK)
    cafe = shop(api, admin, "カフェ", bank={**BANK, "account_holder_kana": "ｶﾌｴ"})
    rid, secret = resident(api, admin)
    give_money(api, rid, 5_000)
    first = _pay(api, secret, farm, 1_000)
    api.post("/v1/settlements", admin, {})
    api.post(f"/v1/payments/{first}/refunds", farm["api_key"], {"amount": 800})
    _pay(api, secret, farm, 300)  # 300 earned, 800 refunded: the shop owes 500
    _pay(api, secret, cafe, 400)
    settled = api.post("/v1/settlements", admin, {}).json()
    assert [line["merchant_id"] for line in settled["lines"]] == [cafe["id"]]
    assert settled["owed"] == [
        {
            "merchant_id": farm["id"],
            "party_kind": "merchant",
            "account": f"merchant:{farm['id']}:receivable",
            "amount": 500,
        }
    ]
    assert _zengin_amounts(api, admin, settled["id"]) == [400]
    _pay(api, secret, farm, 700)
    last = api.post("/v1/settlements", admin, {}).json()
    assert [line["payout"] for line in last["lines"]] == [200] and last["owed"] == []


def test_points_and_money_net_in_one_line(api: Api, admin: str) -> None:
    farm = shop(api, admin, bank=BANK, fee_bps=1_000)
    rid, secret = resident(api, admin)
    give_money(api, rid, 2_000)
    first = api.post(
        "/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 600, "funding": "money_only"}
    ).json()["id"]
    api.post("/v1/settlements", admin, {})  # 600 less the 10 % fee
    api.post(f"/v1/payments/{first}/refunds", farm["api_key"], {"amount": 100})
    give_points(api, rid, 500, in_days(30))
    api.post(
        "/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 500, "funding": "points_only"}
    )
    line = api.post("/v1/settlements", admin, {}).json()["lines"][0]
    assert (line["points"], line["money"], line["fee"], line["payout"]) == (500, -100, 40, 360)
    owed = balances(api, admin)
    assert not [key for key in owed if key[0].startswith("merchant:")]
    for asset in ("PT", "JPY"):
        assert sum(v for (_, a), v in owed.items() if a == asset) == 0
