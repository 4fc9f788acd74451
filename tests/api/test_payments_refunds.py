"""Refunds: never more than was paid, money first, then points back into their lots (or to breakage)."""

from __future__ import annotations

import concurrent.futures
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from mitapo.payments import refunds
from mitapo.payments.reads import PaymentView
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


def paid(api: Api, admin: str) -> tuple[dict, dict, str]:
    """A payment of 600: 100 points expiring in 10 days, 200 in 200 days, then 300 yen."""
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_points(api, rid, 100, in_days(10))
    give_points(api, rid, 200, in_days(200))
    give_money(api, rid, 300)
    payment = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 600}).json()
    assert (payment["points_used"], payment["money_used"]) == (300, 300)
    return farm, payment, secret


def refund(api: Api, farm: dict, payment: dict, amount: int, **kw: object):
    return api.post(f"/v1/payments/{payment['id']}/refunds", farm["api_key"], {"amount": amount}, **kw)


def test_refunds_give_money_first_then_the_latest_lot(api: Api, admin: str) -> None:
    farm, payment, secret = paid(api, admin)
    first = refund(api, farm, payment, 250).json()
    assert (first["money_refunded"], first["points_refunded"]) == (250, 0)
    second = refund(api, farm, payment, 150).json()
    assert (second["money_refunded"], second["points_refunded"]) == (50, 100)
    assert wallet(api, secret) == {"points": 100, "money": 300, "lots": {in_days(200).isoformat(): 100}}
    third = refund(api, farm, payment, 200).json()
    assert (third["money_refunded"], third["points_refunded"]) == (0, 200)
    assert wallet(api, secret)["lots"] == {in_days(10).isoformat(): 100, in_days(200).isoformat(): 200}
    owed = balances(api, admin)
    assert owed.get((f"merchant:{farm['id']}:receivable", "PT"), 0) == 0
    assert owed.get((f"merchant:{farm['id']}:receivable", "JPY"), 0) == 0
    listed = api.get("/v1/merchant/payments", farm["api_key"]).json()["items"][0]
    assert listed["status"] == "refunded" and listed["refunded"] == 600


def test_a_refund_never_exceeds_the_payment_and_writes_nothing_when_refused(api: Api, admin: str) -> None:
    farm, payment, _ = paid(api, admin)
    assert refund(api, farm, payment, 500).status_code == 201
    before = api.journal_size()
    problem(refund(api, farm, payment, 101), 422, "refund_exceeds_payment")
    problem(refund(api, farm, payment, 0), 400, "validation_error")
    problem(refund(api, farm, payment, 10, key=None), 400, "idempotency_key_required")
    other = shop(api, admin, "別の店")
    problem(
        api.post(f"/v1/payments/{payment['id']}/refunds", other["api_key"], {"amount": 1}), 404, "not_found"
    )
    assert api.journal_size() == before
    assert refund(api, farm, payment, 100).status_code == 201


def test_a_retried_refund_replays(api: Api, admin: str) -> None:
    farm, payment, _ = paid(api, admin)
    first = refund(api, farm, payment, 600, key="r1")
    again = refund(api, farm, payment, 600, key="r1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_concurrent_refunds_never_pass_the_payment(api: Api, admin: str) -> None:
    farm, payment, secret = paid(api, admin)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: refund(api, farm, payment, 100), range(8)))
    assert sorted(a.status_code for a in answers) == [201] * 6 + [422] * 2
    done = [a.json() for a in answers if a.status_code == 201]
    assert sum(d["money_refunded"] for d in done) == 300
    assert sum(d["points_refunded"] for d in done) == 300
    assert wallet(api, secret)["points"] == 300 and wallet(api, secret)["money"] == 300


def test_points_whose_date_passed_go_to_breakage(api: Api, admin: str) -> None:
    farm, payment, secret = paid(api, admin)

    async def age_the_payment() -> None:  # as if the payment had been made long ago, from lots long expired
        async with api.runtime.db.raw() as conn:
            await conn.execute(
                'UPDATE payments SET lots = \'[["2020-01-31", 100], ["2020-06-30", 200]]\' WHERE id = $1',
                payment["id"],
            )

    api.run(age_the_payment)
    back = refund(api, farm, payment, 600).json()
    assert (back["money_refunded"], back["points_refunded"], back["points_expired"]) == (300, 300, 300)
    assert wallet(api, secret) == {"points": 0, "money": 300, "lots": {}}
    assert balances(api, admin)[("breakage", "PT")] == -300


def view(money: int, lots: list[int], refunded: int) -> PaymentView:
    dated = [(f"2030-01-{day + 1:02d}", points) for day, points in enumerate(lots)]
    amount = money + sum(lots)
    now = datetime.now(UTC)
    return PaymentView(1, "p", "m", "r", amount, sum(lots), money, dated, "e", now, refunded, 0)


@given(
    money=st.integers(0, 500),
    lots=st.lists(st.integers(1, 300), max_size=4),
    cuts=st.lists(st.integers(1, 400), max_size=6),
)
def test_split_returns_in_reverse_order_and_never_more_than_taken(
    money: int, lots: list[int], cuts: list[int]
) -> None:
    amount = money + sum(lots)
    refunded, money_back, lots_back = 0, 0, [0] * len(lots)
    for cut in cuts:
        cut = min(cut, amount - refunded)
        if cut == 0:
            break
        back_money, back_lots = refunds.split(view(money, lots, refunded), cut)
        assert back_money + sum(points for _, points in back_lots) == cut
        assert back_money == 0 or money_back + back_money <= money
        if back_lots:
            assert money_back + back_money == money  # points only once all the money is back
        for expires_on, points in back_lots:
            index = int(expires_on[-2:]) - 1
            assert all(lots_back[later] == lots[later] for later in range(index + 1, len(lots)))
            lots_back[index] += points
            assert lots_back[index] <= lots[index]
        money_back += back_money
        refunded += cut
