"""Holds: pure transitions from pending only, and availability that counts pending holds alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitapo_ledger import (
    MAX_AMOUNT,
    Asset,
    Hold,
    HoldExpired,
    HoldExpiryEarly,
    HoldNotPending,
    HoldOverposted,
    HoldStatus,
    InvalidHold,
    available,
)

EXPIRES = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
BEFORE = EXPIRES - timedelta(microseconds=1)


def hold(amount: int = 500, **changes: object) -> Hold:
    fields: dict[str, object] = {
        "id": "h-1",
        "account": "resident:r1:points:2027-05-31",
        "asset": Asset.PT,
        "amount": amount,
        "expires_at": EXPIRES,
    }
    fields.update(changes)
    return Hold(**fields)  # type: ignore[arg-type]


def in_state(status: HoldStatus, amount: int = 500) -> Hold:
    """A hold that has reached ``status`` by the legal path."""
    pending = hold(amount)
    if status is HoldStatus.POSTED:
        return pending.post(max(1, amount // 2), BEFORE)
    if status is HoldStatus.VOIDED:
        return pending.void()
    if status is HoldStatus.EXPIRED:
        return pending.expire(EXPIRES)
    return pending


holds = st.builds(in_state, st.sampled_from(HoldStatus), st.integers(1, 10**12))


@given(st.integers(-(10**15), 10**15), st.lists(holds, max_size=8))
def test_available_subtracts_exactly_the_pending_holds(balance: int, some_holds: list[Hold]) -> None:
    pending_total = sum(h.amount for h in some_holds if h.status is HoldStatus.PENDING)
    assert available(balance, some_holds) == balance - pending_total
    settled = [h for h in some_holds if h.status is not HoldStatus.PENDING]
    assert available(balance, settled) == balance


def test_available_of_one_pending_hold() -> None:
    assert available(1000, [hold(300)]) == 700
    assert available(1000, [hold(300).void()]) == 1000


@pytest.mark.parametrize("status", [HoldStatus.POSTED, HoldStatus.VOIDED, HoldStatus.EXPIRED])
def test_no_transition_from_a_non_pending_state(status: HoldStatus) -> None:
    settled = in_state(status)
    assert settled.status is status
    with pytest.raises(HoldNotPending):
        settled.post(1, BEFORE)
    with pytest.raises(HoldNotPending):
        settled.void()
    with pytest.raises(HoldNotPending):
        settled.expire(EXPIRES + timedelta(days=1))


@given(st.timedeltas(min_value=timedelta(days=-3650), max_value=timedelta(days=3650)))
def test_expiry_only_from_expires_at_on(offset: timedelta) -> None:
    now = EXPIRES + offset
    if now < EXPIRES:
        with pytest.raises(HoldExpiryEarly):
            hold().expire(now)
    else:
        assert hold().expire(now).status is HoldStatus.EXPIRED


@given(st.integers(1, 1000))
def test_post_captures_at_most_the_held_amount(amount: int) -> None:
    held = hold(500)
    if amount > held.amount:
        with pytest.raises(HoldOverposted):
            held.post(amount, BEFORE)
        return
    posted = held.post(amount, BEFORE)
    assert (posted.status, posted.posted_amount, posted.amount) == (HoldStatus.POSTED, amount, 500)
    assert held.status is HoldStatus.PENDING  # the original value is untouched


def test_post_refused_once_the_hold_has_lapsed() -> None:
    with pytest.raises(HoldExpired):
        hold().post(100, EXPIRES)


@pytest.mark.parametrize("amount", [0, -1, True, 1.5, MAX_AMOUNT + 1])
def test_bad_amounts_refused(amount: object) -> None:
    with pytest.raises(InvalidHold):
        hold(amount)  # type: ignore[arg-type]
    with pytest.raises(InvalidHold):
        hold().post(amount, BEFORE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"id": ""},
        {"account": ""},
        {"asset": "EUR"},
        {"status": "lost"},
        {"expires_at": datetime(2026, 11, 22, 12, 0)},
        {"posted_amount": 5},
        {"status": HoldStatus.POSTED},
        {"status": HoldStatus.POSTED, "posted_amount": 501},
    ],
)
def test_bad_holds_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidHold):
        hold(**changes)


def test_naive_times_refused_in_transitions() -> None:
    with pytest.raises(InvalidHold):
        hold().expire(datetime(2030, 1, 1))
    with pytest.raises(InvalidHold):
        hold().post(1, datetime(2020, 1, 1))
