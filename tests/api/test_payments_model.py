"""A model of paying at shops against the real service: payments in any funding mode, refunds, settlements.

For any sequence Hypothesis draws, the service does what a few lines of model say: a payment takes the
soonest-expiring points first (or only points, or only money) and is refused exactly when the model cannot
pay; a refund gives money back first, then points into the lots they came from, and is refused exactly when
it would pass the payment (after a settlement too: the shop's receivable goes below zero); a settlement moves
every receivable that nets above zero into the city's payable less the shop's fee, and leaves a shop that
owes owing. After every step each wallet, lot and receivable is the model's,
and every asset still sums to zero over all accounts. One fresh database and one asyncio.Runner per machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mitapo.accounts import residents
from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import Command, Leg
from mitapo.payments import merchants, paying, refunds, settlement
from tests.stateful.service_machine import ServiceMachine

FEES = (0, 250)  # basis points of the two shops
MODES = ("points_first", "points_only", "money_only")


@dataclass
class Paid:
    id: str
    shop: int
    resident: int
    amount: int
    money: int
    lots: list[tuple[date, int]]
    refunded: int = 0


@dataclass
class Model:
    lots: list[dict[date, int]]
    money: list[int]
    owed: list[list[int]] = field(default_factory=lambda: [[0, 0] for _ in FEES])  # [points, money] per shop
    paid: list[Paid] = field(default_factory=list)
    payable: list[int] = field(default_factory=lambda: [0, 0])
    fees: int = 0

    def split(self, resident: int, amount: int, mode: str) -> tuple[list[tuple[date, int]], int] | None:
        """(lots taken, money) for a payment, or None when it cannot be paid that way."""
        spendable = sorted((d, p) for d, p in self.lots[resident].items() if p > 0)
        points = {"points_only": amount, "money_only": 0}.get(mode, min(amount, sum(p for _, p in spendable)))
        if points > sum(p for _, p in spendable) or amount - points > self.money[resident]:
            return None
        takes, left = [], points
        for day, available in spendable:
            if left:
                takes.append((day, min(available, left)))
                left -= takes[-1][1]
        return takes, amount - points


class PaymentsMachine(ServiceMachine):
    def __init__(self, server: str, template: str) -> None:
        super().__init__(server, template)
        db = self.runtime.db
        self.shops = [
            self._call(merchants.create, db, merchants.NewMerchant(name=f"店 {n}", fee_bps=fee))
            for n, fee in enumerate(FEES)
        ]
        self.residents = [self._call(residents.create, db, f"住民 {n}")["id"] for n in range(2)]
        today = clock.tokyo_date(clock.now())
        self.days = (today + timedelta(days=30), today + timedelta(days=90))
        self.model = Model(lots=[dict.fromkeys(self.days, 0) for _ in self.residents], money=[0, 0])
        for n, resident_id in enumerate(self.residents):
            self.fill(n, resident_id, points=(150, 250), money=400)

    def fill(self, n: int, resident_id: str, points: tuple[int, int], money: int) -> None:
        budget, clearing = chart.program_budget("model"), chart.channel_clearing("model")
        lots = [chart.resident_lot(resident_id, day) for day in self.days]
        wallet = chart.resident_money(resident_id)
        legs = [Leg(clearing.code, chart.JPY, money), Leg(wallet.code, chart.JPY, -money)]
        for lot, amount in zip(lots, points, strict=True):
            legs += [Leg(budget.code, chart.PT, amount), Leg(lot.code, chart.PT, -amount)]
        self._call(ledger.fund_program, self.runtime.db, "model", sum(points))
        self._call(
            ledger.post,
            self.runtime.db,
            Command(kind="grant", accounts=(*lots, wallet, clearing), postings=tuple(legs)),
        )
        for day, amount in zip(self.days, points, strict=True):
            self.model.lots[n][day] += amount
        self.model.money[n] += money

    @rule(
        resident=st.integers(0, 1),
        shop=st.integers(0, 1),
        amount=st.integers(1, 500),
        mode=st.sampled_from(MODES),
    )
    def pay(self, resident: int, shop: int, amount: int, mode: str) -> None:
        expected = self.model.split(resident, amount, mode)
        payload = self.shops[shop]["qr_payload"]
        code, written = self._attempt(paying.pay, self.db, self.residents[resident], payload, amount, mode)
        if expected is None:
            assert code == "insufficient_funds"
            return
        assert code is None, code
        takes, money = expected
        assert (written.result["points_used"], written.result["money_used"]) == (amount - money, money)
        for day, points in takes:
            self.model.lots[resident][day] -= points
        self.model.money[resident] -= money
        self.model.owed[shop][0] += amount - money
        self.model.owed[shop][1] += money
        self.model.paid.append(Paid(written.result["id"], shop, resident, amount, money, takes))

    @precondition(lambda self: self.model.paid)
    @rule(data=st.data(), amount=st.integers(1, 500))
    def refund(self, data: st.DataObject, amount: int) -> None:
        paid = data.draw(st.sampled_from(self.model.paid))
        code, _ = self._attempt(refunds.refund, self.runtime.db, self.shops[paid.shop]["id"], paid.id, amount)
        if paid.refunded + amount > paid.amount:
            assert code == "refund_exceeds_payment"
            return
        money = min(paid.refunded + amount, paid.money) - min(paid.refunded, paid.money)
        owed = self.model.owed[paid.shop]
        assert code is None, code
        points_back, skip = amount - money, paid.refunded - min(paid.refunded, paid.money)
        for day, taken in reversed(paid.lots):
            passed = min(skip, taken)
            skip -= passed
            give = min(taken - passed, points_back)
            self.model.lots[paid.resident][day] += give
            points_back -= give
        self.model.money[paid.resident] += money
        owed[0] -= amount - money
        owed[1] -= money
        paid.refunded += amount

    @rule()
    def settle(self) -> None:
        body, _ = self._call(settlement.settle, self.runtime.db, None)
        lines = {line.merchant_id: line for line in body.lines}
        for shop, fee_bps in enumerate(FEES):
            points, money = self.model.owed[shop]
            line = lines.get(self.shops[shop]["id"])
            if points + money <= 0:  # nothing, or the shop owes: no line, carried on
                assert line is None
                owing = {o.merchant_id: o.amount for o in body.owed}
                assert owing.get(self.shops[shop]["id"], 0) == -(points + money)
                continue
            assert line is not None
            fee = (points + money) * fee_bps // 10_000
            assert (line.points, line.money, line.fee) == (points, money, fee)
            assert line.payout == points + money - fee > 0
            fee_money = min(fee, max(money, 0))
            self.model.payable[0] += points - (fee - fee_money)
            self.model.payable[1] += money - fee_money
            self.model.fees += fee
            self.model.owed[shop] = [0, 0]

    def balances(self) -> dict[tuple[str, str], int]:
        async def read() -> dict[tuple[str, str], int]:
            async with self.runtime.db.raw() as conn:
                rows = await conn.fetch("SELECT account, asset, normal_sign * posted AS b FROM balances")
            return {(r["account"], r["asset"]): r["b"] for r in rows}

        return self._call(read)

    @invariant()
    def accounts_are_the_models(self) -> None:
        held = self.balances()
        for n, resident_id in enumerate(self.residents):
            assert held[(chart.resident_money(resident_id).code, chart.JPY)] == self.model.money[n]
            for day in self.days:
                assert held[(chart.resident_lot(resident_id, day).code, chart.PT)] == self.model.lots[n][day]
        for shop, (points, money) in zip(self.shops, self.model.owed, strict=True):
            receivable = chart.merchant_receivable(shop["id"]).code
            assert (held[(receivable, chart.PT)], held[(receivable, chart.JPY)]) == (points, money)
        assert held.get((chart.CITY_PAYABLE.code, chart.PT), 0) == self.model.payable[0]
        assert held.get((chart.CITY_PAYABLE.code, chart.JPY), 0) == self.model.payable[1]
        fees = held.get((chart.FEE_INCOME.code, chart.PT), 0) + held.get(
            (chart.FEE_INCOME.code, chart.JPY), 0
        )
        assert fees == self.model.fees

    @invariant()
    def every_asset_sums_to_zero(self) -> None:
        async def read() -> list[int]:
            async with self.runtime.db.raw() as conn:
                return [r[0] for r in await conn.fetch("SELECT sum(posted) FROM balances GROUP BY asset")]

        assert all(total == 0 for total in self._call(read))


@pytest.mark.slow
def test_payments_follow_the_model(pg_server: str, template_database: str) -> None:
    run_state_machine_as_test(
        lambda: PaymentsMachine(pg_server, template_database),
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
