"""A model of points against the real service: grants, gifts, shop spends, expiry runs and days passing.

For any sequence Hypothesis draws, the service does exactly what a few lines of model say: each grant is
refused with the model's code or lands in the model's lot; spends take the soonest-expiring unexpired points
first and never a point after its date; expiry moves exactly the expired points to breakage; the caps per
calendar month and fiscal year are never exceeded; and every program's budget plus what it granted equals
what it was funded. The clock is a value the services take, so months, fiscal years and expiry dates pass
in a few steps. One fresh database and one asyncio.Runner per machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
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
from mitapo.engine import chart, clock, ledger, spending
from mitapo.engine.commands import Command, Leg, Plan, PlanView
from mitapo.engine.database import Database
from mitapo.points import checkins, events, expiry, gifts, programs, reads

RESIDENTS = 3
RESIDENT = st.integers(0, RESIDENTS - 1)
DAILY_GIFT_LIMIT = 250
INITIAL_FUNDING = 1_500
SHOP = chart.merchant_receivable("model_shop")
START = datetime(2027, 3, 20, 1, 0, tzinfo=clock.TOKYO)  # a month end and a fiscal year end ahead


@dataclass(frozen=True)
class ProgramRule:
    valid_days: int
    monthly_cap: int | None
    annual_cap: int | None


PROGRAMS = (ProgramRule(5, 250, 400), ProgramRule(20, None, None))


@dataclass
class EventModel:
    id: str
    program: int
    points: int
    capacity: int | None
    starts_at: datetime
    ends_at: datetime
    claimed: set[int] = field(default_factory=set)


@dataclass
class Model:
    lots: list[dict[date, int]]
    funded: list[int]
    granted: list[int]
    counters: dict[str, int] = field(default_factory=dict)
    breakage: int = 0

    def spendable(self, resident: int, today: date) -> list[tuple[date, int]]:
        return sorted((d, p) for d, p in self.lots[resident].items() if d >= today and p > 0)

    def take(self, resident: int, points: int, today: date) -> list[tuple[date, int]]:
        takes, left = [], points
        for day, available in self.spendable(resident, today):
            taken = min(available, left)
            if taken:
                takes.append((day, taken))
                left -= taken
        for day, taken in takes:
            self.lots[resident][day] -= taken
        return takes


class PointsMachine(ServiceMachine):
    def __init__(self, server: str, template: str) -> None:
        super().__init__(server, template)
        self.now = START
        self.residents = [self._call(residents.create, self.db, f"住民 {n}")["id"] for n in range(RESIDENTS)]
        self.organizer = self._call(events.create_organizer, self.db, "model NPO")["id"]
        self.program_ids = [
            self._call(
                programs.create, self.db, f"program {n}", p.valid_days, p.monthly_cap, p.annual_cap
            ).result["id"]
            for n, p in enumerate(PROGRAMS)
        ]
        self._call(ledger.open_accounts, self.db, SHOP)
        for program_id in self.program_ids:
            self._call(programs.grant_organizer, self.db, program_id, self.organizer)
        for program_id in self.program_ids:
            self._call(programs.fund, self.db, program_id, INITIAL_FUNDING)
        self.events: list[EventModel] = []
        funded = [INITIAL_FUNDING] * len(PROGRAMS)
        self.model = Model(lots=[{} for _ in range(RESIDENTS)], funded=funded, granted=[0, 0])

    @property
    def today(self) -> date:
        return clock.tokyo_date(self.now)

    def _refusal(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> str | None:
        return self._attempt(fn, *args, **kw)[0]

    # the rules

    @rule(program=st.integers(0, 1), points=st.integers(1, 600))
    def fund(self, program: int, points: int) -> None:
        self._call(programs.fund, self.db, self.program_ids[program], points)
        self.model.funded[program] += points

    @rule(
        program=st.integers(0, 1),
        points=st.integers(1, 200),
        capacity=st.none() | st.integers(1, 3),
        days_open=st.integers(0, 3),
        resident=RESIDENT,
    )
    def take_part(
        self, program: int, points: int, capacity: int | None, days_open: int, resident: int
    ) -> None:
        """An event opens now and a resident checks in."""
        starts, ends = self.now - timedelta(hours=1), self.now + timedelta(days=days_open, hours=1)
        program_id = self.program_ids[program]
        written = self._call(
            events.create, self.db, self.organizer, program_id, "清掃", points, starts, ends, capacity
        )
        event = EventModel(written.result["id"], program, points, capacity, starts, ends)
        self.events.append(event)
        self._claim(event, resident)

    @precondition(lambda self: self.events)
    @rule(data=st.data(), resident=RESIDENT)
    def claim_again(self, data: st.DataObject, resident: int) -> None:
        """Another check-in at an event that opened earlier: maybe full, closed or claimed already."""
        self._claim(data.draw(st.sampled_from(self.events)), resident)

    def _claim(self, event: EventModel, resident: int) -> None:
        expected = self._expected_claim(event, resident)
        code = self._refusal(self._grant, self.residents[resident], event.id)
        assert code == expected, (code, expected)
        if expected is None:
            self._record_grant(event, resident)

    async def _grant(self, resident_id: str, event_id: str) -> None:
        async with self.db.read() as conn:
            found = await reads.event_and_program(conn, event_id)
        assert found is not None
        await checkins.grant(self.db, resident_id, found[0], found[1], self.now)

    def _cap_keys(self, event: EventModel, resident: int) -> list[tuple[str, int]]:
        rule_ = PROGRAMS[event.program]
        owner = f"{event.program}:{resident}"
        keys = []
        if rule_.monthly_cap is not None:
            keys.append((f"{owner}:{clock.month_key(self.now)}", rule_.monthly_cap))
        if rule_.annual_cap is not None:
            keys.append((f"{owner}:FY{clock.fiscal_year(self.now)}", rule_.annual_cap))
        return keys

    def _expected_claim(self, event: EventModel, resident: int) -> str | None:
        """The writer's order: window, a spent token, the limits in order, then the budget."""
        if not event.starts_at <= self.now < event.ends_at:
            return "event_not_open"
        if resident in event.claimed:
            return "already_claimed"
        if event.capacity is not None and len(event.claimed) >= event.capacity:
            return "event_full"
        for key, cap in self._cap_keys(event, resident):
            if self.model.counters.get(key, 0) + event.points > cap:
                return "cap_exceeded"
        if self.model.funded[event.program] - self.model.granted[event.program] < event.points:
            return "budget_exhausted"
        return None

    def _record_grant(self, event: EventModel, resident: int) -> None:
        event.claimed.add(resident)
        for key, _ in self._cap_keys(event, resident):
            self.model.counters[key] = self.model.counters.get(key, 0) + event.points
        self.model.granted[event.program] += event.points
        expires_on = self.today + timedelta(days=PROGRAMS[event.program].valid_days)
        lots = self.model.lots[resident]
        lots[expires_on] = lots.get(expires_on, 0) + event.points

    @rule(
        giver=st.integers(0, RESIDENTS - 1),
        receiver=st.integers(0, RESIDENTS - 1),
        points=st.integers(1, 300),
    )
    def gift(self, giver: int, receiver: int, points: int) -> None:
        if giver == receiver:
            return
        before = self._spendable_lots_in_db(giver)
        code = self._refusal(
            gifts.give,
            self.db,
            self.residents[giver],
            self.residents[receiver],
            points,
            self.now,
            enabled=True,
            daily_limit=DAILY_GIFT_LIMIT,
        )
        key = f"gift:{giver}:{self.today}"
        if sum(p for _, p in self.model.spendable(giver, self.today)) < points:
            assert code == "insufficient_funds"
        elif self.model.counters.get(key, 0) + points > DAILY_GIFT_LIMIT:
            assert code == "cap_exceeded"
        else:
            assert code is None
            self.model.counters[key] = self.model.counters.get(key, 0) + points
            for day, taken in self.model.take(giver, points, self.today):
                self.model.lots[receiver][day] = self.model.lots[receiver].get(day, 0) + taken
            self._check_soonest_first(before, self._spendable_lots_in_db(giver))

    @rule(resident=RESIDENT, points=st.integers(1, 300))
    def pay_shop(self, resident: int, points: int) -> None:
        before = self._spendable_lots_in_db(resident)
        code = self._refusal(spend_at_shop, self.db, self.residents[resident], points, self.today)
        if sum(p for _, p in self.model.spendable(resident, self.today)) < points:
            assert code == "insufficient_funds"
            return
        assert code is None
        self.model.take(resident, points, self.today)
        self._check_soonest_first(before, self._spendable_lots_in_db(resident))

    def run_expiry(self) -> None:
        report = self._call(expiry.run, self.db, self.today)
        expired = 0
        for lots in self.model.lots:
            for day in [d for d, p in lots.items() if d < self.today and p > 0]:
                expired += lots[day]
                lots[day] = 0
        assert report.points == expired
        self.model.breakage += expired

    @rule(data=st.data())
    def time_passes(self, data: st.DataObject) -> None:
        """A day, two, a month, or up to a lot's last valid day or the day after (the edges that matter);
        then the expiry job may run: until it does, expired points are still on the books, and unspendable."""
        edges = {(d - self.today).days + after for lots in self.model.lots for d in lots for after in (0, 1)}
        days = data.draw(st.sampled_from(sorted({1, 2, 31} | {n for n in edges if n > 0})))
        self.now += timedelta(days=days)
        for _ in range(data.draw(st.integers(0, 2))):  # not yet, once, or twice (the second moves nothing)
            self.run_expiry()

    # what must always hold

    def _db_lots(self, resident: int) -> dict[date, int]:
        owner = chart.resident_owner(self.residents[resident])

        async def read() -> dict[date, int]:
            async with self.db.raw() as conn:
                rows = await conn.fetch(
                    "SELECT expires_on, -posted - pending AS points FROM balances"
                    " WHERE owner = $1 AND asset = 'PT' AND posted <> 0",
                    owner,
                )
            return {r["expires_on"]: r["points"] for r in rows}

        return self._call(read)

    def _spendable_lots_in_db(self, resident: int) -> dict[date, int]:
        return {d: p for d, p in self._db_lots(resident).items() if d >= self.today}

    def _check_soonest_first(self, before: dict[date, int], after: dict[date, int]) -> None:
        """A spend touched only unexpired lots, and a later lot only once every earlier one was empty."""
        touched = [d for d in before if after.get(d, 0) != before[d]]
        assert all(d >= self.today for d in touched)
        if touched:
            last = max(touched)
            assert all(after.get(d, 0) == 0 for d in before if d < last)

    @invariant()
    def lots_match_the_model(self) -> None:
        for resident in range(RESIDENTS):
            expected = {d: p for d, p in self.model.lots[resident].items() if p}
            assert self._db_lots(resident) == expected

    @invariant()
    def budgets_add_up(self) -> None:
        for n, program_id in enumerate(self.program_ids):
            view = self._call(programs.describe, self.db, program_id)
            assert view["budget_remaining"] >= 0
            assert view["budget_remaining"] + view["granted_total"] == self.model.funded[n]
            assert view["granted_total"] == self.model.granted[n]

    @invariant()
    def caps_hold(self) -> None:
        async def read() -> list[tuple[str, int]]:
            async with self.db.raw() as conn:
                rows = await conn.fetch("SELECT key, value FROM counters WHERE key LIKE 'cap:%'")
            return [(r["key"], r["value"]) for r in rows]

        for key, value in self._call(read):
            program_id = key.split(":")[1]
            rule_ = PROGRAMS[self.program_ids.index(program_id)]
            cap = rule_.annual_cap if key.split(":")[-1].startswith("FY") else rule_.monthly_cap
            assert cap is not None and value <= cap

    @invariant()
    def breakage_is_what_expired(self) -> None:
        async def read() -> int:
            async with self.db.raw() as conn:
                posted = await conn.fetchval(
                    "SELECT posted FROM balances WHERE account = 'breakage' AND asset = 'PT'"
                )
            return -int(posted or 0)

        assert self._call(read) == self.model.breakage


async def spend_at_shop(db: Database, resident_id: str, points: int, today: date) -> None:
    """A shop payment in points, as any spender does it: `take_points` under the resident's locks."""

    def plan(view: PlanView) -> Plan:
        takes = spending.take_points(view, resident_id, points, today)
        return Plan(postings=(*spending.debit_legs(takes), Leg(SHOP.code, chart.PT, -points)))

    await ledger.post(
        db, Command(kind="payment", plan=plan, lock_owners=(chart.resident_owner(resident_id),))
    )


@pytest.mark.slow
def test_points_follow_the_model(pg_server: str, template_database: str) -> None:
    class OnThisServer(PointsMachine):
        def __init__(self) -> None:
            super().__init__(pg_server, template_database)

    run_state_machine_as_test(
        OnThisServer,
        settings=settings(
            max_examples=25,
            stateful_step_count=60,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
