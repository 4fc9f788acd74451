"""The fare engine's promises, for any taps in any upload order: the day's cap holds, fares are never
negative, reduced fares round up to ¥10, a duplicate upload is charged once, and in time order the transfer
rule is docs/api.md's "within 60 minutes of the last charged tap"."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mitapo.engine.clock import TOKYO
from mitapo.transit.fares import (
    CATEGORIES,
    DEFAULT_RULE,
    Charge,
    FareRule,
    RecordedTap,
    Tap,
    decide,
    relevant_span,
    service_day,
)

MORNING = datetime(2026, 11, 22, 6, 0, tzinfo=TOKYO)

rules = st.builds(
    FareRule,
    id=st.just("fr_test"),
    default_adult_fare=st.integers(0, 2000),
    transfer_discount=st.integers(0, 500),
    transfer_window=st.integers(0, 180).map(lambda m: timedelta(minutes=m)),
    day_caps=st.fixed_dictionaries({c: st.integers(0, 3000) for c in CATEGORIES}),
)
taps = st.lists(
    st.builds(
        lambda minute, fare: (MORNING + timedelta(minutes=minute), fare),
        st.integers(0, 3 * 24 * 60),
        st.none() | st.integers(0, 2000),
    ),
    max_size=14,
)


def upload(order: list[Tap], rule: FareRule) -> tuple[list[RecordedTap], list[tuple[Tap, Charge]]]:
    """Feed taps to the engine one at a time, as the service does: each decided against those recorded."""
    recorded: list[RecordedTap] = []
    answers: list[tuple[Tap, Charge]] = []
    for tap in order:
        charge = decide(tap, recorded, rule)
        answers.append((tap, charge))
        if all(r.id != tap.id for r in recorded):
            recorded.append(RecordedTap(tap.id, tap.tapped_at, charge))
    return recorded, answers


@st.composite
def uploads(draw: st.DrawFn) -> tuple[FareRule, list[Tap]]:
    """A rule, and one resident's taps in a random upload order, some uploaded more than once."""
    rule = draw(rules)
    category = draw(st.sampled_from(CATEGORIES))
    made = [Tap(f"t{i}", at, category, fare) for i, (at, fare) in enumerate(draw(taps))]
    again = draw(st.lists(st.sampled_from(made), max_size=5)) if made else []
    return rule, draw(st.permutations(made + again))


@given(uploads())
def test_a_service_days_charge_never_exceeds_the_cap(case: tuple[FareRule, list[Tap]]) -> None:
    rule, order = case
    recorded, _ = upload(order, rule)
    for day in {r.charge.service_day for r in recorded}:
        category = order[0].category
        assert sum(r.charge.charged for r in recorded if r.charge.service_day == day) <= rule.cap(category)


@given(uploads())
def test_fares_discounts_and_charges_are_never_negative(case: tuple[FareRule, list[Tap]]) -> None:
    rule, order = case
    for tap, charge in upload(order, rule)[1]:
        assert charge.fare == rule.fare(tap.category, tap.adult_fare) >= 0
        assert 0 <= charge.discount <= min(rule.transfer_discount, charge.fare)
        assert 0 <= charge.charged <= charge.fare - charge.discount
        assert charge.service_day == service_day(tap.tapped_at)


@given(uploads())
def test_a_tap_uploaded_twice_is_charged_once(case: tuple[FareRule, list[Tap]]) -> None:
    rule, order = case
    recorded, answers = upload(order, rule)
    assert len(recorded) == len({tap.id for tap in order})
    first = {r.id: r.charge for r in recorded}
    assert all(charge == first[tap.id] for tap, charge in answers)


@given(st.integers(0, 100_000), st.sampled_from(["child", "concession"]))
def test_reduced_fares_are_half_rounded_up_to_ten_yen(adult: int, category: str) -> None:
    reduced = DEFAULT_RULE.fare(category, adult)
    assert reduced % 10 == 0
    assert 2 * reduced >= adult > 2 * (reduced - 10)
    assert DEFAULT_RULE.fare("adult", adult) == adult


def test_contract_fares_and_caps() -> None:
    assert [DEFAULT_RULE.fare(c) for c in CATEGORIES] == [210, 110, 110]
    assert [DEFAULT_RULE.cap(c) for c in CATEGORIES] == [500, 250, 250]


def last_charged_rule(moment: datetime, earlier: list[RecordedTap], window: timedelta) -> bool:
    """docs/api.md read literally: within the window after the resident's last charged tap."""
    charged = [r.tapped_at for r in earlier if r.charge.charged > 0]
    return bool(charged) and moment - max(charged) <= window


@given(uploads())
def test_in_time_order_a_transfer_is_within_the_window_of_the_last_charged_tap(
    case: tuple[FareRule, list[Tap]],
) -> None:
    rule, order = case
    in_order = sorted({t.id: t for t in order}.values(), key=lambda t: (t.tapped_at, t.id))
    recorded: list[RecordedTap] = []
    for tap in in_order:
        charge = decide(tap, recorded, rule)
        expected = last_charged_rule(tap.tapped_at, recorded, rule.transfer_window)
        assert charge.discount == (min(rule.transfer_discount, charge.fare) if expected else 0)
        recorded.append(RecordedTap(tap.id, tap.tapped_at, charge))


@given(uploads())
def test_the_span_read_for_a_tap_holds_every_tap_that_can_change_it(case: tuple[FareRule, list[Tap]]) -> None:
    rule, order = case
    recorded, _ = upload(order, rule)
    for tap in order:
        start, end = relevant_span(tap.tapped_at, rule)
        inside = [r for r in recorded if start <= r.tapped_at <= end and r.id != tap.id]
        others = [r for r in recorded if r.id != tap.id]
        assert decide(tap, inside, rule) == decide(tap, others, rule)


def test_a_late_tap_before_a_charged_one_takes_the_transfer_itself() -> None:
    first = Tap("a", MORNING, "adult")
    second = Tap("b", MORNING + timedelta(minutes=40), "adult")
    recorded, answers = upload([second, first], DEFAULT_RULE)
    assert [c.charged for _, c in answers] == [210, 110]
    in_order, _ = upload([first, second], DEFAULT_RULE)
    assert sum(r.charge.charged for r in recorded) == sum(r.charge.charged for r in in_order) == 320


def test_the_cap_trims_the_tap_that_reaches_it_and_frees_the_rest() -> None:
    hours = [Tap(f"t{h}", MORNING + timedelta(hours=2 * h), "adult") for h in range(4)]
    _, answers = upload(hours, DEFAULT_RULE)
    assert [c.charged for _, c in answers] == [210, 210, 80, 0]


def test_the_service_day_turns_at_four_in_tokyo() -> None:
    late = datetime(2026, 11, 23, 3, 59, tzinfo=TOKYO)
    assert service_day(late) == service_day(MORNING)
    assert service_day(late + timedelta(minutes=1)) == service_day(MORNING) + timedelta(days=1)
    child = FareRule(day_caps={"adult": 500, "child": 250, "concession": 250})
    night = [Tap(f"n{i}", late - timedelta(hours=2 * i), "child") for i in range(3)]
    next_day = Tap("m", late + timedelta(hours=2), "child")
    _, answers = upload([*night, next_day], child)
    assert [c.charged for _, c in answers] == [110, 110, 30, 110]
