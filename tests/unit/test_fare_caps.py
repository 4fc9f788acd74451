"""Fare properties that tests/unit/test_fares.py leaves open: a transfer never costs more than a fresh fare,
and the day's cap trims only what passes it (a day's charges are the cap or the sum of what its taps cost
after their discounts, whichever is less, in any upload order)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mitapo.engine.clock import TOKYO
from mitapo.transit.fares import CATEGORIES, FareRule, RecordedTap, Tap, decide

MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=TOKYO)

rules = st.builds(
    FareRule,
    id=st.just("fr_test"),
    default_adult_fare=st.integers(0, 2000),
    transfer_discount=st.integers(0, 500),
    transfer_window=st.integers(0, 180).map(lambda m: timedelta(minutes=m)),
    day_caps=st.fixed_dictionaries({c: st.integers(0, 3000) for c in CATEGORIES}),
)


@st.composite
def uploads(draw: st.DrawFn) -> tuple[FareRule, list[Tap]]:
    """A rule, and one resident's taps over three days in a random upload order, some uploaded twice."""
    category = draw(st.sampled_from(CATEGORIES))
    minutes = draw(st.lists(st.integers(0, 3 * 24 * 60), max_size=14))
    made = [
        Tap(f"t{i}", MORNING + timedelta(minutes=m), category, draw(st.none() | st.integers(0, 2000)))
        for i, m in enumerate(minutes)
    ]
    again = draw(st.lists(st.sampled_from(made), max_size=5)) if made else []
    return draw(rules), draw(st.permutations(made + again))


def upload(order: list[Tap], rule: FareRule) -> list[RecordedTap]:
    """Each tap decided against those recorded before it, and recorded once, as the service does."""
    recorded: list[RecordedTap] = []
    for tap in order:
        if all(r.id != tap.id for r in recorded):
            recorded.append(RecordedTap(tap.id, tap.tapped_at, decide(tap, recorded, rule)))
    return recorded


@settings(deadline=None)
@given(uploads())
def test_no_tap_costs_more_than_a_fresh_fare_on_an_empty_day(case: tuple[FareRule, list[Tap]]) -> None:
    rule, order = case
    recorded: list[RecordedTap] = []
    for tap in order:
        fresh = decide(tap, [], rule)
        charge = decide(tap, recorded, rule)
        assert charge.charged <= fresh.charged == min(fresh.fare, rule.cap(tap.category))
        if charge.discount:  # a transfer: cheaper than the fare itself
            assert charge.charged < charge.fare == fresh.fare
        if all(r.id != tap.id for r in recorded):
            recorded.append(RecordedTap(tap.id, tap.tapped_at, charge))


@settings(deadline=None)
@given(uploads())
def test_the_cap_trims_only_what_passes_it(case: tuple[FareRule, list[Tap]]) -> None:
    rule, order = case
    recorded = upload(order, rule)
    if not recorded:
        return
    cap = rule.cap(order[0].category)
    for day in {r.charge.service_day for r in recorded}:
        that_day = [r.charge for r in recorded if r.charge.service_day == day]
        owed = sum(c.fare - c.discount for c in that_day)
        assert sum(c.charged for c in that_day) == min(cap, owed)


def test_a_transfer_costs_the_fare_less_the_discount_and_never_below_zero() -> None:
    rule = FareRule(default_adult_fare=80, transfer_discount=100)
    first = Tap("a", MORNING, "adult")
    second = Tap("b", MORNING + timedelta(minutes=30), "adult")
    charges = [r.charge for r in upload([first, second], rule)]
    assert [(c.fare, c.discount, c.charged) for c in charges] == [(80, 0, 80), (80, 80, 0)]
