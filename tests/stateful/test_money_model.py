"""A model of money and donations against the real service: top-ups (new and repeated references), premium
bonuses, donations with matches, and closures.

For any sequence Hypothesis draws: per asset the balances of all accounts sum to zero; every yen sits either
in a channel's clearing account or in a wallet, and each channel's clearing balance is what came in through it
less what was paid back through it; each wallet, recipient, budget and breakage holds what the model says;
bonuses never pass their cap nor matches their budget; a repeated reference answers its first result or is
refused; a closed resident ends with nothing and receives nothing. One fresh database and one asyncio.Runner
per machine.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from tests.stateful.service_machine import ServiceMachine

from mitapo.accounts import residents
from mitapo.engine import chart, clock
from mitapo.money import campaigns, closing, donations, matching, topups
from mitapo.points import programs

RESIDENTS = 3
RESIDENT = st.integers(0, RESIDENTS - 1)
RECIPIENT = st.integers(0, 1)
CHANNELS = ("bank_transfer", "card", "city_counter")
CHANNEL = st.sampled_from(CHANNELS)
CEILING = 20_000
BONUS_RATE, BONUS_CAP, BONUS_BUDGET = 10, 300, 700  # three residents can exhaust the budget
MATCH_CAP, MATCH_BUDGET = 200, 500  # recipient 0 is matched 100 %, recipient 1 is not


@dataclass
class Model:
    money: list[int] = field(default_factory=lambda: [0] * RESIDENTS)
    points: list[int] = field(default_factory=lambda: [0] * RESIDENTS)
    bonus_given: list[int] = field(default_factory=lambda: [0] * RESIDENTS)
    closed: set[int] = field(default_factory=set)
    clearing: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANNELS, 0))
    received: list[int] = field(default_factory=lambda: [0, 0])
    bonus_budget: int = BONUS_BUDGET
    match_budget: int = MATCH_BUDGET
    breakage: int = 0


@dataclass(frozen=True)
class SentTopUp:
    request: topups.TopUp
    answer: dict[str, Any]


class MoneyMachine(ServiceMachine):
    def __init__(self, server: str, template: str) -> None:
        super().__init__(server, template)
        self.residents = [self._call(residents.create, self.db, f"住民 {n}")["id"] for n in range(RESIDENTS)]
        self.recipients = [
            str(self._call(donations.create_recipient, self.db, f"NPO {n}", idempotency=None).result["id"])
            for n in range(2)
        ]
        self.bonus_program = self._program(BONUS_BUDGET)
        self.match_program = self._program(MATCH_BUDGET)
        now = clock.now()
        campaign = campaigns.NewCampaign(
            self.bonus_program,
            "プレミアム",
            BONUS_RATE,
            BONUS_CAP,
            now - timedelta(days=1),
            now + timedelta(days=30),
        )
        self._call(campaigns.create, self.db, campaign, idempotency=None)
        offer = matching.NewMatching(self.match_program, (self.recipients[0],), 100, MATCH_CAP)
        self._call(matching.create, self.db, offer, idempotency=None)
        self.sent: list[SentTopUp] = []
        self.model = Model()

    def _program(self, funding: int) -> str:
        program_id = str(self._call(programs.create, self.db, "model program", 180).result["id"])
        self._call(programs.fund, self.db, program_id, funding)
        return program_id

    # the rules

    @rule(resident=RESIDENT, amount=st.integers(1, 8_000), channel=CHANNEL)
    def top_up(self, resident: int, amount: int, channel: str) -> None:
        request = topups.TopUp(self.residents[resident], amount, channel, uuid.uuid4().hex)
        code, done = self._attempt(topups.top_up, self.db, request, ceiling=CEILING, idempotency=None)
        if resident in self.model.closed:
            assert code == "account_closed"
        elif self.model.money[resident] + amount > CEILING:
            assert code == "balance_limit_exceeded"
        else:
            assert code is None, code
            _, answer = done
            bonus = min(
                amount * BONUS_RATE // 100,
                BONUS_CAP - self.model.bonus_given[resident],
                self.model.bonus_budget,
            )
            self.model.money[resident] += amount
            self.model.clearing[channel] += amount
            self.model.points[resident] += bonus
            self.model.bonus_given[resident] += bonus
            self.model.bonus_budget -= bonus
            assert answer["money"] == self.model.money[resident] and answer["bonus_points"] == bonus
            self.sent.append(SentTopUp(request, answer))

    @precondition(lambda self: self.sent)
    @rule(data=st.data(), same=st.booleans())
    def repeat_reference(self, data: st.DataObject, same: bool) -> None:
        first = data.draw(st.sampled_from(self.sent))
        request = first.request
        if not same:
            request = topups.TopUp(
                request.resident_id, request.amount + 1, request.channel, request.external_ref
            )
        code, done = self._attempt(topups.top_up, self.db, request, ceiling=CEILING, idempotency=None)
        if same:
            assert code is None and done[1] == first.answer
        else:
            assert code == "duplicate_external_ref"

    @rule(resident=RESIDENT, recipient=RECIPIENT, points=st.integers(1, 400), anonymous=st.booleans())
    def donate(self, resident: int, recipient: int, points: int, anonymous: bool) -> None:
        code, done = self._attempt(
            donations.donate,
            self.db,
            self.residents[resident],
            self.recipients[recipient],
            points,
            public_name=not anonymous,
            idempotency=None,
        )
        if self.model.points[resident] < points:
            assert code == "insufficient_funds"
            return
        assert code is None, code
        matched = min(points, MATCH_CAP, self.model.match_budget) if recipient == 0 else 0
        assert done[1]["matched_points"] == matched
        self.model.points[resident] -= points
        self.model.received[recipient] += points + matched
        self.model.match_budget -= matched

    @rule(resident=RESIDENT, channel=CHANNEL)
    def close(self, resident: int, channel: str) -> None:
        code, done = self._attempt(
            closing.close, self.db, self.residents[resident], channel, idempotency=None
        )
        if resident in self.model.closed:
            assert code == "account_closed"
            return
        assert code is None, code
        assert done.result["money_paid"] == self.model.money[resident]
        assert done.result["points_forfeited"] == self.model.points[resident]
        self.model.clearing[channel] -= self.model.money[resident]
        self.model.breakage += self.model.points[resident]
        self.model.money[resident] = self.model.points[resident] = 0
        self.model.closed.add(resident)

    # what must always hold

    def _balances(self) -> dict[tuple[str, str], int]:
        """Every nonzero balance as a normal balance (what the account holds)."""

        async def read() -> dict[tuple[str, str], int]:
            async with self.db.raw() as conn:
                rows = await conn.fetch(
                    "SELECT account, asset, normal_sign * posted AS held FROM balances WHERE posted <> 0"
                )
            return {(r["account"], r["asset"]): r["held"] for r in rows}

        return self._call(read)

    def _raw_sums(self) -> dict[str, int]:
        async def read() -> dict[str, int]:
            async with self.db.raw() as conn:
                rows = await conn.fetch("SELECT asset, sum(posted) AS total FROM balances GROUP BY asset")
            return {r["asset"]: int(r["total"]) for r in rows}

        return self._call(read)

    @invariant()
    def each_asset_sums_to_zero(self) -> None:
        assert all(total == 0 for total in self._raw_sums().values())

    @invariant()
    def money_is_in_channels_or_wallets(self) -> None:
        held = {account: value for (account, asset), value in self._balances().items() if asset == chart.JPY}
        wallets = {chart.resident_money(r).code: self.model.money[n] for n, r in enumerate(self.residents)}
        channels = {chart.channel_clearing(c).code: self.model.clearing[c] for c in CHANNELS}
        expected = {account: value for account, value in (wallets | channels).items() if value}
        assert held == expected
        assert sum(channels.values()) == sum(wallets.values())

    @invariant()
    def points_are_where_the_model_says(self) -> None:
        held = {key: value for key, value in self._balances().items() if key[1] == chart.PT}
        for n, resident_id in enumerate(self.residents):
            owner = chart.resident_owner(resident_id) + ":"
            assert sum(v for (a, _), v in held.items() if a.startswith(owner)) == self.model.points[n]
            assert self.model.bonus_given[n] <= BONUS_CAP
        for n, recipient_id in enumerate(self.recipients):
            assert (
                held.get((chart.recipient_account(recipient_id).code, chart.PT), 0) == self.model.received[n]
            )
        assert (
            held.get((chart.program_budget(self.bonus_program).code, chart.PT), 0) == self.model.bonus_budget
        )
        assert (
            held.get((chart.program_budget(self.match_program).code, chart.PT), 0) == self.model.match_budget
        )
        assert held.get((chart.BREAKAGE.code, chart.PT), 0) == self.model.breakage
        assert self.model.match_budget >= 0 and self.model.bonus_budget >= 0


@pytest.mark.slow
def test_money_follows_the_model(pg_server: str, template_database: str) -> None:
    run_state_machine_as_test(
        lambda: MoneyMachine(pg_server, template_database),
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
