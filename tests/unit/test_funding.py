"""How a resident pays, without PostgreSQL: points are taken soonest-expiring first, expired lots never,
exactly the amount asked or nothing; a payment is split between points and money as the resident's mode
says, and its postings balance."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mitapo.engine import chart, clock
from mitapo.engine.commands import BalanceState, Leg, PlanView, Refusal
from mitapo.engine.decide import balanced
from mitapo.engine.funding import FUNDING_MODES, FundingMode, credits, debits, split
from mitapo.engine.spending import money_available, spendable_points, take_points

RESIDENT = "r1"
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
TODAY = clock.tokyo_date(NOW)


def lot(expires_on: date | None, available: int, pending: int = 0) -> BalanceState:
    """A lot of the resident's points (a liability: its available points are -posted - pending)."""
    code = chart.resident_lot(RESIDENT, expires_on).code if expires_on else f"resident:{RESIDENT}:points"
    owner = chart.resident_owner(RESIDENT)
    return BalanceState(code, chart.PT, -1, False, owner, expires_on, -(available + pending), pending)


def wallet(available: int) -> BalanceState:
    code = chart.resident_money(RESIDENT).code
    return BalanceState(code, chart.JPY, -1, False, chart.resident_owner(RESIDENT), None, -available, 0)


@st.composite
def views(draw: st.DrawFn) -> PlanView:
    """A resident's lots (some expired, some held, one perhaps without expiry), a wallet, a stranger's lot."""
    balances: dict[tuple[str, str], BalanceState] = {}
    for offset in draw(st.lists(st.integers(-5, 30), max_size=6, unique=True)):
        held = draw(st.integers(0, 50))
        made = lot(TODAY + timedelta(days=offset), draw(st.integers(-held, 200)), held)
        balances[(made.account, made.asset)] = made
    if draw(st.booleans()):
        never = lot(None, draw(st.integers(0, 200)))
        balances[(never.account, never.asset)] = never
    if draw(st.booleans()):
        money = wallet(draw(st.integers(0, 500)))
        balances[(money.account, money.asset)] = money
    stranger = BalanceState("resident:r2:points", chart.PT, -1, False, "resident:r2", TODAY, -999, 0)
    balances[(stranger.account, stranger.asset)] = stranger
    return PlanView(balances=balances, holds={}, now=NOW)


def usable(view: PlanView) -> list[BalanceState]:
    """The lots that may be spent today, soonest expiry first, worked out the plain way."""
    mine = [
        b
        for b in view.balances.values()
        if b.owner == chart.resident_owner(RESIDENT) and b.asset == chart.PT and b.available > 0
    ]
    dated = [(b.expires_on, b) for b in mine if b.expires_on is not None and b.expires_on >= TODAY]
    return [b for _, b in sorted(dated, key=lambda pair: pair[0])]


@settings(deadline=None)
@given(views(), st.integers(1, 1200))
def test_points_are_taken_soonest_expiry_first_and_exactly(view: PlanView, points: int) -> None:
    lots = usable(view)
    if sum(b.available for b in lots) < points:
        with pytest.raises(Refusal) as refused:
            take_points(view, RESIDENT, points, TODAY)
        assert refused.value.code == "insufficient_funds"
        return
    takes = take_points(view, RESIDENT, points, TODAY)
    assert sum(t.points for t in takes) == points
    assert [t.lot for t in takes] == lots[: len(takes)]  # in expiry order, none skipped
    assert all(0 < t.points <= t.lot.available for t in takes)
    assert all(t.points == t.lot.available for t in takes[:-1])  # a later lot only once the earlier is empty


@settings(deadline=None)
@given(views())
def test_expired_held_and_undated_points_are_never_spendable(view: PlanView) -> None:
    assert spendable_points(view, RESIDENT, TODAY) == sum(b.available for b in usable(view))


def test_a_lot_expiring_today_is_spent_first_and_one_expired_yesterday_never() -> None:
    tomorrow = TODAY + timedelta(days=1)
    yesterday, today, later = lot(TODAY - timedelta(days=1), 50), lot(TODAY, 10), lot(tomorrow, 40)
    view = PlanView({(b.account, b.asset): b for b in (later, yesterday, today)}, {}, NOW)
    takes = take_points(view, RESIDENT, 30, TODAY)
    assert [(t.lot.expires_on, t.points) for t in takes] == [(TODAY, 10), (tomorrow, 20)]
    with pytest.raises(Refusal):
        take_points(view, RESIDENT, 51, TODAY)


@settings(deadline=None)
@given(views(), st.integers(1, 1500), st.sampled_from(FUNDING_MODES))
def test_a_payment_is_split_as_the_mode_says_or_refused(
    view: PlanView, amount: int, mode: FundingMode
) -> None:
    points = spendable_points(view, RESIDENT, TODAY)
    money = money_available(view, RESIDENT)
    wanted_points = {"points_first": min(amount, points), "points_only": amount, "money_only": 0}[mode]
    can_pay = wanted_points <= points and amount - wanted_points <= money
    if not can_pay:
        with pytest.raises(Refusal) as refused:
            split(view, RESIDENT, amount, mode)
        assert refused.value.code == "insufficient_funds"
        return
    funding = split(view, RESIDENT, amount, mode)
    assert (funding.points, funding.money) == (wanted_points, amount - wanted_points)
    assert funding.lots() == [(str(t.lot.expires_on), t.points) for t in funding.takes]
    legs = [*debits(RESIDENT, funding), *credits("merchant:m1:receivable", funding)]
    assert balanced(legs)
    assert sum(leg.amount for leg in legs if leg.asset == chart.PT) == 0
    assert all(leg.amount > 0 for leg in debits(RESIDENT, funding))  # a debit lowers what the resident holds


def test_money_only_takes_the_wallet_and_no_wallet_is_no_money() -> None:
    empty = PlanView({}, {}, NOW)
    assert money_available(empty, RESIDENT) == 0
    assert debits(RESIDENT, split(empty, RESIDENT, 0, "points_first")) == []
    money = wallet(5)
    view = PlanView({(money.account, money.asset): money}, {}, NOW)
    assert debits(RESIDENT, split(view, RESIDENT, 5, "money_only")) == [Leg(money.account, chart.JPY, 5)]
    assert credits("shop", split(view, RESIDENT, 5, "money_only")) == [Leg("shop", chart.JPY, -5)]
