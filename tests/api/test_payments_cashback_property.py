"""What must hold over any sequence of payments, refunds, cashback runs and settlements (issue 21): per asset
the journal sums to zero, no resident's wallet or lot and no program's budget is negative, and for every
resident the cashback kept (credited less what refunds took back or left owed) is at most the campaign's rate
times what the resident bought at the campaign's shops less what was refunded."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule, run_state_machine_as_test

from mitapo.accounts import residents
from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import Command, Leg
from mitapo.payments import cashback, merchants, paying, refunds, settlement
from mitapo.points import programs
from tests.stateful.service_machine import ServiceMachine

RATE_BPS = 1_000
MODES = ("points_first", "points_only", "money_only")


def _month_end() -> datetime:
    first = clock.tokyo_date(clock.now()).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime(following.year, following.month, 1, 0, 5, tzinfo=clock.TOKYO)


class CashbackMachine(ServiceMachine):
    def __init__(self, server: str, template: str) -> None:
        super().__init__(server, template)
        db = self.runtime.db
        self.shops = [
            self._call(merchants.create, db, merchants.NewMerchant(name=name, mcc=mcc))
            for name, mcc in (("直売所", "5431"), ("カフェ", "5814"))
        ]
        created = self._call(programs.create, db, "地産地消", 180)
        self.program_id = str(created.result["id"])
        self._call(programs.fund, db, self.program_id, 300)  # small: the budget runs out sometimes
        today = clock.tokyo_date(clock.now())
        new = cashback.NewCampaign(
            "10 %", self.program_id, RATE_BPS, 250, today.replace(day=1), mccs=("5431",)
        )
        self._call(cashback.create, db, new)
        self.residents = [self._call(residents.create, db, f"住民 {n}")["id"] for n in range(2)]
        for resident_id in self.residents:
            self._fill(resident_id)
        self.payments: list[tuple[str, str]] = []  # (shop id, payment id)

    def _fill(self, resident_id: str) -> None:
        budget, clearing = chart.program_budget("grants"), chart.channel_clearing("test")
        lot = chart.resident_lot(resident_id, clock.tokyo_date(clock.now()) + timedelta(days=30))
        wallet = chart.resident_money(resident_id)
        self._call(ledger.fund_program, self.runtime.db, "grants", 200)
        legs = (
            Leg(clearing.code, chart.JPY, 3_000),
            Leg(wallet.code, chart.JPY, -3_000),
            Leg(budget.code, chart.PT, 200),
            Leg(lot.code, chart.PT, -200),
        )
        command = Command(kind="grant", accounts=(lot, wallet, clearing), postings=legs)
        self._call(ledger.post, self.runtime.db, command)

    @rule(
        resident=st.integers(0, 1),
        shop=st.integers(0, 1),
        amount=st.integers(1, 1_500),
        mode=st.sampled_from(MODES),
    )
    def pay(self, resident: int, shop: int, amount: int, mode: str) -> None:
        payload = self.shops[shop]["qr_payload"]
        code, written = self._attempt(paying.pay, self.db, self.residents[resident], payload, amount, mode)
        assert code in (None, "insufficient_funds"), code
        if written is not None:
            self.payments.append((self.shops[shop]["id"], str(written.result["id"])))

    @precondition(lambda self: self.payments)
    @rule(data=st.data(), amount=st.integers(1, 1_500))
    def refund(self, data: st.DataObject, amount: int) -> None:
        shop_id, payment_id = data.draw(st.sampled_from(self.payments))
        code, _ = self._attempt(refunds.refund, self.db, shop_id, payment_id, amount)
        assert code in (None, "refund_exceeds_payment"), code

    @rule()
    def run_cashback(self) -> None:
        self._call(cashback.run, self.db, _month_end())

    @rule()
    def settle(self) -> None:
        self._call(settlement.settle, self.db, None)

    def _fetch(self, sql: str, *args: object) -> list:
        async def read() -> list:
            async with self.runtime.db.raw() as conn:
                return list(await conn.fetch(sql, *args))

        return self._call(read)

    @invariant()
    def every_asset_sums_to_zero(self) -> None:
        assert all(r[0] == 0 for r in self._fetch("SELECT sum(posted) FROM balances GROUP BY asset"))

    @invariant()
    def no_wallet_lot_or_budget_is_negative(self) -> None:
        negative = self._fetch(
            "SELECT account, asset FROM balances WHERE normal_sign * posted < 0"
            " AND (account LIKE 'resident:%' OR account LIKE 'program:%:budget')"
        )
        assert negative == []

    @invariant()
    def cashback_kept_is_at_most_the_rate_of_net_purchases(self) -> None:
        for resident_id in self.residents:
            credited = self._fetch(
                "SELECT coalesce(sum(-p.amount), 0) FROM entries e JOIN postings p ON p.entry_id = e.id"
                " WHERE e.kind = 'cashback' AND p.account LIKE $1",
                f"resident:{resident_id}:points:%",
            )[0][0]
            taken = self._fetch(
                "SELECT coalesce(sum(points_clawed + points_owed), 0) FROM cashback_clawbacks"
                " WHERE resident_id = $1 AND refund_id IS NOT NULL",
                resident_id,
            )[0][0]
            net = self._fetch(
                "SELECT coalesce(sum(p.amount - coalesce((SELECT sum(r.amount) FROM refunds r"
                " WHERE r.payment_id = p.id), 0)), 0) FROM payments p WHERE p.resident_id = $1"
                " AND p.merchant_id = $2",
                resident_id,
                self.shops[0]["id"],
            )[0][0]
            assert (credited - taken) * 10_000 <= RATE_BPS * net, (credited, taken, net)


@pytest.mark.slow
def test_cashback_refunds_and_settlements_keep_the_books(pg_server: str, template_database: str) -> None:
    run_state_machine_as_test(
        lambda: CashbackMachine(pg_server, template_database),
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
