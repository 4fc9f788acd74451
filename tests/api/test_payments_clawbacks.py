"""Cashback taken back by a refund after the credit: the refunded part's cashback goes back to the program's
budget from the resident's points; what the resident already spent is owed and paid down by the next
cashback."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.payments_support import balances, give_money, resident, rows, shop
from tests.api.test_payments_cashback import campaign, next_month_start, program, run


def _farm_month(
    api: Api, admin: str, amount: int = 10_000, cap: int = 5_000
) -> tuple[dict, str, str, str, str]:
    """A 10 % farm stand campaign; a resident bought `amount` there and was credited at month end."""
    farm = shop(api, admin, "大沢の農家直売所", mcc="5431")
    funded = program(api, admin, 20_000)
    campaign(api, admin, funded, mccs=["5431"], monthly_cap=cap)
    rid, secret = resident(api, admin)
    give_money(api, rid, amount)
    paid = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": amount}).json()
    assert [c["points"] for c in run(api, next_month_start())] == [min(amount // 10, cap)]
    return farm, funded, rid, secret, paid["id"]


def _points(api: Api, secret: str) -> int:
    return int(api.get("/v1/me", secret).json()["balances"]["points"])


def _budget(api: Api, admin: str, program_id: str) -> int:
    return -balances(api, admin)[(f"program:{program_id}:budget", "PT")]


def test_a_full_refund_after_the_credit_takes_the_cashback_back_to_the_budget(api: Api, admin: str) -> None:
    farm, funded, _, secret, payment = _farm_month(api, admin)
    assert _points(api, secret) == 1_000 and _budget(api, admin, funded) == 19_000
    refunded = api.post(f"/v1/payments/{payment}/refunds", farm["api_key"], {"amount": 10_000})
    assert refunded.status_code == 201, refunded.text
    assert _points(api, secret) == 0 and _budget(api, admin, funded) == 20_000
    api.seal()
    assert api.get("/v1/audit/verify", admin).json()["ok"] is True


def test_a_partial_refund_takes_back_the_cashback_of_the_refunded_part_only(api: Api, admin: str) -> None:
    farm, funded, _, secret, payment = _farm_month(api, admin)
    api.post(f"/v1/payments/{payment}/refunds", farm["api_key"], {"amount": 2_000})
    assert _points(api, secret) == 800 and _budget(api, admin, funded) == 19_200
    api.post(f"/v1/payments/{payment}/refunds", farm["api_key"], {"amount": 3_000})
    assert _points(api, secret) == 500 and _budget(api, admin, funded) == 19_500


def test_a_refund_within_the_cap_takes_nothing_back(api: Api, admin: str) -> None:
    farm, funded, _, secret, payment = _farm_month(api, admin, cap=300)
    api.post(f"/v1/payments/{payment}/refunds", farm["api_key"], {"amount": 5_000})  # 5,000 still earns 300
    assert _points(api, secret) == 300 and _budget(api, admin, funded) == 19_700


def _owing_600(api: Api, admin: str) -> tuple[dict, str, str]:
    """A resident who spent 600 of a 1,000-point cashback at a cafe before its payment was refunded: 400
    went back to the budget, 600 is owed. Answers the cafe, the program and the resident's secret."""
    farm, funded, rid, secret, payment = _farm_month(api, admin)
    cafe = shop(api, admin, "カフェ", mcc="5814")
    give_money(api, rid, 1_000)
    spent = {"qr_payload": cafe["qr_payload"], "amount": 600, "funding": "points_only"}
    assert api.post("/v1/payments", secret, spent).status_code == 201
    api.post(f"/v1/payments/{payment}/refunds", farm["api_key"], {"amount": 10_000})
    return cafe, funded, secret


def test_spent_cashback_becomes_a_debt_the_next_cashback_pays_down(api: Api, admin: str) -> None:
    cafe, funded, secret = _owing_600(api, admin)
    assert _points(api, secret) == 0 and _budget(api, admin, funded) == 19_400  # 400 back, 600 owed
    assert rows(api, "cashback_clawbacks") == 1
    campaign(api, admin, funded, merchant_ids=[cafe["id"]], rate_bps=5_000, monthly_cap=1_000)
    api.post(
        "/v1/payments", secret, {"qr_payload": cafe["qr_payload"], "amount": 1_000, "funding": "money_only"}
    )
    credited = run(api, next_month_start())  # half of 600 + 1,000: 800, of which 600 pays the debt
    assert [(c["points"], c["debt_paid"]) for c in credited] == [(200, 600)]
    assert _points(api, secret) == 200 and _budget(api, admin, funded) == 19_200
    assert rows(api, "cashback_clawbacks") == 2


def test_a_debt_is_paid_down_once_when_two_cashbacks_are_credited_in_one_run(api: Api, admin: str) -> None:
    cafe, funded, secret = _owing_600(api, admin)
    for _ in range(2):
        campaign(api, admin, funded, merchant_ids=[cafe["id"]], rate_bps=5_000, monthly_cap=1_000)
    api.post(
        "/v1/payments", secret, {"qr_payload": cafe["qr_payload"], "amount": 1_000, "funding": "money_only"}
    )
    credited = run(api, next_month_start())  # each campaign earns 800; the first pays the 600 owed
    assert sorted((c["points"], c["debt_paid"]) for c in credited) == [(200, 600), (800, 0)]
    assert _points(api, secret) == 1_000 and _budget(api, admin, funded) == 18_400
    assert rows(api, "cashback_clawbacks") == 2
