"""The pure parts of the abuse and spending limits, without PostgreSQL.

The token-bucket arithmetic itself is not pure Python: it runs in PostgreSQL (`rate_take_many`, migration
0014) so that every worker counts against the same buckets, and is tested there (tests/integration/
test_rate_take.py). What is pure is how a policy becomes buckets, how a wait becomes a Retry-After, and the
daily spending counter, which the writer's decision step enforces like any other `Limit`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mitapo.engine.commands import BalanceState, Command, Leg, Rejected
from mitapo.engine.decide import Accepted, Batch, decide
from mitapo.limits.rules import Limited, _bucket, daily_spend

DAY = date(2026, 11, 22)
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@settings(deadline=None)
@given(st.integers(-5, 1000), st.floats(1, 86_400))
def test_a_policy_of_n_a_window_is_a_burst_of_n_refilled_evenly(count: int, seconds: float) -> None:
    buckets = _bucket("k", count, seconds)
    if count <= 0:
        assert buckets == []  # 0 switches the limit off
        return
    [bucket] = buckets
    assert bucket.key == "k" and bucket.burst == seconds
    assert round(bucket.burst / bucket.step) == count  # n at once, then one every seconds / n


@settings(deadline=None)
@given(st.floats(-10, 10_000, allow_nan=False))
def test_retry_after_is_whole_seconds_never_below_the_wait_nor_below_one(wait: float) -> None:
    retry_after = Limited("rate_limited", "pay", wait, "slow down").retry_after
    assert isinstance(retry_after, int) and retry_after >= 1
    assert retry_after >= wait - 0.001 and retry_after < max(wait, 0) + 2


@settings(deadline=None)
@given(st.integers(-100, 10_000), st.none() | st.integers(0, 10_000))
def test_the_daily_spend_counts_only_spending_under_a_limit(amount: int, limit: int | None) -> None:
    limits = daily_spend("r1", amount, DAY, limit)
    if not limit or amount <= 0:
        assert limits == ()
        return
    [counted] = limits
    assert (counted.key, counted.delta, counted.limit) == ("spend:r1:2026-11-22", amount, limit)
    assert counted.code == "velocity_exceeded"
    assert daily_spend("r2", amount, DAY, limit)[0].key != counted.key  # per resident
    assert daily_spend("r1", amount, date(2026, 11, 23), limit)[0].key != counted.key  # per day


def test_nothing_spent_or_no_limit_counts_nothing() -> None:
    assert daily_spend("r1", 0, DAY, 100) == ()
    assert daily_spend("r1", 50, DAY, 0) == daily_spend("r1", 50, DAY, None) == ()


@settings(deadline=None)
@given(st.lists(st.integers(1, 400), max_size=12), st.integers(1, 1000))
def test_a_day_of_payments_never_spends_past_the_daily_limit(amounts: list[int], limit: int) -> None:
    balances = {
        ("wallet", "JPY"): BalanceState("wallet", "JPY", -1, False, None, None, -(10**6), 0),
        ("shop", "JPY"): BalanceState("shop", "JPY", -1, False, None, None, 0, 0),
    }
    state = Batch(balances=balances, counts=dict.fromkeys(balances, 0), holds={}, counters={}, now=NOW)
    spent = 0
    for i, amount in enumerate(amounts):
        command = Command(
            kind="pay",
            postings=(Leg("wallet", "JPY", amount), Leg("shop", "JPY", -amount)),
            limits=daily_spend("r1", amount, DAY, limit),
        )
        decision = decide(i, command, state)
        if spent + amount <= limit:
            assert isinstance(decision, Accepted)
            spent += amount
        else:
            assert decision == Rejected("velocity_exceeded", f"a resident may spend at most {limit} a day")
    assert state.counters.get("spend:r1:2026-11-22", 0) == spent <= limit
    assert -state.balances[("shop", "JPY")].posted == spent
