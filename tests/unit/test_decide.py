"""The writer's decision step, without PostgreSQL: for random commands over random balances, a command is
accepted exactly when it breaks no rule (no account that may not go negative goes below zero, limits and
ceilings hold, a token is spent once, a hold is resolved once), an accepted one balances per asset and changes
the balances by its postings, and a refused one changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mitapo.engine.commands import (
    AccountSpec,
    BalanceState,
    Ceiling,
    Command,
    HoldPlacement,
    HoldResolution,
    HoldState,
    Idempotency,
    Leg,
    Limit,
    Once,
    Plan,
    PlanView,
    Refusal,
    Rejected,
    Written,
)
from mitapo.engine.decide import (
    FOLLOWER,
    Accepted,
    Batch,
    WriteError,
    answer_known_keys,
    answer_spent_tokens,
    balanced,
    decide,
    decide_all,
    final,
    first_new_entry,
)

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
ACCOUNTS = ("a", "b", "c", "d")
ASSETS = ("PT", "JPY")
Key = tuple[str, str]


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    """Locked balances, some with pending holds, every account that may not go negative at or above zero."""
    holds: dict[uuid.UUID, HoldState] = {}
    for _ in range(draw(st.integers(0, 3))):
        hold = HoldState(
            id=draw(st.uuids()),
            account=draw(st.sampled_from(ACCOUNTS)),
            asset=draw(st.sampled_from(ASSETS)),
            amount=draw(st.integers(1, 5)),
            status=draw(st.sampled_from(("pending", "pending", "posted", "voided"))),
            expires_at=NOW + timedelta(hours=1),
        )
        holds[hold.id] = hold
    balances: dict[Key, BalanceState] = {}
    for account in ACCOUNTS:
        sign = draw(st.sampled_from((1, -1)))
        may_go_negative = draw(st.booleans())
        for asset in ASSETS:
            pending = sum(
                h.amount
                for h in holds.values()
                if (h.account, h.asset) == (account, asset) and h.status == "pending"
            )
            available = draw(st.integers(-20 if may_go_negative else 0, 20))
            posted = sign * (available + pending)
            balances[(account, asset)] = BalanceState(
                account, asset, sign, may_go_negative, None, None, posted, pending
            )
    counts = {key: draw(st.integers(0, 5)) for key in balances}
    counters = draw(st.dictionaries(st.sampled_from(("k1", "k2")), st.integers(0, 6)))
    return Batch(balances=balances, counts=counts, holds=holds, counters=counters, now=NOW)


@st.composite
def commands(draw: st.DrawFn, hold_ids: list[uuid.UUID]) -> Command:
    """A command of one or two transfers, perhaps with a limit, a token, a ceiling, a key and holds.

    Small numbers, so that a balance, a limit or a ceiling is often reached exactly."""
    legs: list[Leg] = []
    for _ in range(draw(st.integers(0, 2))):
        asset, amount = draw(st.sampled_from(ASSETS)), draw(st.integers(1, 10))
        legs += [
            Leg(draw(st.sampled_from(ACCOUNTS)), asset, amount),
            Leg(draw(st.sampled_from(ACCOUNTS)), asset, -amount),
        ]
    resolved = draw(st.lists(st.sampled_from(hold_ids), max_size=2, unique=True)) if hold_ids else []
    return Command(
        kind="test",
        postings=tuple(legs),
        limits=tuple(
            draw(
                st.lists(
                    st.builds(
                        Limit,
                        key=st.sampled_from(("k1", "k2")),
                        delta=st.integers(0, 3),
                        limit=st.integers(0, 8),
                        code=st.just("velocity_exceeded"),
                    ),
                    max_size=2,
                )
            )
        ),
        once=tuple(
            draw(
                st.lists(
                    st.builds(
                        Once,
                        token=st.sampled_from(("t1", "t2", "t3")),
                        code=st.just("code_used"),
                        request_hash=st.none() | st.sampled_from((b"x", b"y")),
                    ),
                    max_size=2,
                    unique_by=lambda once: once.token,
                )
            )
        ),
        ceilings=tuple(
            draw(
                st.lists(
                    st.builds(
                        Ceiling,
                        account=st.sampled_from(ACCOUNTS),
                        asset=st.sampled_from(ASSETS),
                        maximum=st.integers(-10, 30),
                        code=st.just("balance_cap"),
                    ),
                    max_size=1,
                )
            )
        ),
        holds=tuple(
            draw(
                st.lists(
                    st.builds(
                        HoldPlacement,
                        id=st.uuids(),
                        account=st.sampled_from(ACCOUNTS),
                        asset=st.sampled_from(ASSETS),
                        amount=st.integers(1, 10),
                        expires_at=st.just(NOW + timedelta(hours=1)),
                    ),
                    max_size=1,
                )
            )
        ),
        resolve_holds=tuple(
            HoldResolution(hold_id, draw(st.sampled_from(("posted", "voided")))) for hold_id in resolved
        ),
        idempotency=draw(
            st.none()
            | st.builds(
                Idempotency,
                scope=st.just("s"),
                key=st.sampled_from(("i1", "i2")),
                request_hash=st.sampled_from((b"1", b"2")),
            )
        ),
        entry_id=draw(st.uuids()),
    )


@dataclass(frozen=True)
class Copy:
    """Everything a decision may change, copied."""

    balances: dict[Key, BalanceState]
    counts: dict[Key, int]
    holds: dict[uuid.UUID, HoldState]
    counters: dict[str, int]
    spent: dict[str, tuple[int, bytes | None]]
    keys: dict[tuple[str, str], int]
    hold_updates: dict[uuid.UUID, str]
    missing: set[Key]
    extra_accounts: dict[str, AccountSpec]

    @classmethod
    def of(cls, state: Batch) -> Copy:
        return cls(
            dict(state.balances),
            dict(state.counts),
            dict(state.holds),
            dict(state.counters),
            dict(state.spent),
            dict(state.keys),
            dict(state.hold_updates),
            set(state.missing),
            dict(state.extra_accounts),
        )


def broken_rules(command: Command, before: Copy) -> set[str]:
    """The codes of every rule the command would break against `before`, worked out the plain way."""
    key = command.idempotency
    if key is not None and (key.scope, key.key) in before.keys:
        return {FOLLOWER}
    for once in command.once:
        spent = before.spent.get(once.token)
        if spent is not None and once.request_hash is not None and spent[1] == once.request_hash:
            return {FOLLOWER}
    broken: set[str] = set()
    available = {k: b.available for k, b in before.balances.items()}
    posted = {k: b.posted for k, b in before.balances.items()}
    touched: set[Key] = set()
    for resolution in command.resolve_holds:
        hold = before.holds.get(resolution.id)
        if hold is None or hold.status != "pending":
            broken.add("hold_not_pending")
        else:
            available[(hold.account, hold.asset)] += hold.amount
            touched.add((hold.account, hold.asset))
    for placement in command.holds:
        available[(placement.account, placement.asset)] -= placement.amount
        touched.add((placement.account, placement.asset))
    for leg in command.postings:
        k = (leg.account, leg.asset)
        available[k] += before.balances[k].normal_sign * leg.amount
        posted[k] += leg.amount
        touched.add(k)
    if any(available[k] < 0 and not before.balances[k].may_go_negative for k in touched):
        broken.add("insufficient_funds")
    counters = dict(before.counters)
    for limit in command.limits:
        counters[limit.key] = counters.get(limit.key, 0) + limit.delta
        if counters[limit.key] > limit.limit:
            broken.add(limit.code)
    if any(once.token in before.spent for once in command.once):
        broken.add("code_used")
    for ceiling in command.ceilings:
        k = (ceiling.account, ceiling.asset)
        if before.balances[k].normal_sign * posted[k] > ceiling.maximum:
            broken.add(ceiling.code)
    return broken


def assert_applied(i: int, command: Command, decision: Accepted, before: Copy, state: Batch) -> None:
    """An accepted command balances per asset and changes exactly what it says, and nothing goes short."""
    totals: dict[str, int] = {}
    for leg in command.postings:
        totals[leg.asset] = totals.get(leg.asset, 0) + leg.amount
    assert all(total == 0 for total in totals.values())
    for k, balance in state.balances.items():
        moved = sum(leg.amount for leg in command.postings if (leg.account, leg.asset) == k)
        assert balance.posted == before.balances[k].posted + moved
        legs = sum(1 for leg in command.postings if (leg.account, leg.asset) == k)
        assert state.counts[k] == before.counts[k] + legs
        assert balance.may_go_negative or balance.available >= 0
    assert [leg for leg, _, _ in decision.postings] == list(command.postings)
    counters = dict(before.counters)
    for limit in command.limits:
        counters[limit.key] = counters.get(limit.key, 0) + limit.delta
        assert counters[limit.key] <= limit.limit
    assert state.counters == counters
    for ceiling in command.ceilings:
        balance = state.balances[(ceiling.account, ceiling.asset)]
        assert balance.normal_sign * balance.posted <= ceiling.maximum
    assert all(state.spent[once.token] == (i, once.request_hash) for once in command.once)
    for resolution in command.resolve_holds:
        assert state.holds[resolution.id].status == resolution.status
        assert state.hold_updates[resolution.id] == resolution.status


@settings(deadline=None)  # a property, not a timing: the machine may be busy
@given(batches(), st.data())
def test_a_command_is_accepted_exactly_when_it_breaks_no_rule(state: Batch, data: st.DataObject) -> None:
    batch = data.draw(st.lists(commands(list(state.holds)), max_size=8))
    for i, command in enumerate(batch):
        before = Copy.of(state)
        broken = broken_rules(command, before)
        decision = decide(i, command, state)
        if isinstance(decision, Rejected):
            assert decision.code in broken
            assert Copy.of(state) == before  # a refused command changes nothing
        else:
            assert not broken
            assert_applied(i, command, decision, before, state)


@settings(deadline=None)  # a property, not a timing: the machine may be busy
@given(batches(), st.data())
def test_postings_carry_each_accounts_running_balance_and_sequence(state: Batch, data: st.DataObject) -> None:
    batch = data.draw(st.lists(commands([]), max_size=8))
    accepted = decide_all(batch, list(range(len(batch))), [None] * len(batch), Batch(**_fields(state)))
    posted = {k: b.posted for k, b in state.balances.items()}
    counts = dict(state.counts)
    for i in sorted(accepted):
        for leg, after, seq in accepted[i].postings:
            k = (leg.account, leg.asset)
            posted[k] += leg.amount
            counts[k] += 1
            assert (after, seq) == (posted[k], counts[k])


def _fields(state: Batch) -> dict[str, Any]:
    return {
        "balances": dict(state.balances),
        "counts": dict(state.counts),
        "holds": dict(state.holds),
        "counters": dict(state.counters),
        "now": state.now,
    }


def fresh(**balances: int) -> Batch:
    """Liabilities that may not go negative, with the given available PT."""
    state = {(a, "PT"): BalanceState(a, "PT", -1, False, None, None, -v, 0) for a, v in balances.items()}
    return Batch(balances=state, counts=dict.fromkeys(state, 0), holds={}, counters={}, now=NOW)


def pay(source: str, target: str, amount: int, **extra: Any) -> Command:
    return Command(kind="pay", postings=(Leg(source, "PT", amount), Leg(target, "PT", -amount)), **extra)


def test_an_account_that_may_not_go_negative_can_be_emptied_but_not_overdrawn() -> None:
    state = fresh(a=10, b=0)
    assert decide(0, pay("a", "b", 11), state) == Rejected("insufficient_funds", "not enough PT on a")
    assert isinstance(decide(1, pay("a", "b", 10), state), Accepted)
    assert state.balances[("a", "PT")].available == 0
    assert decide(2, pay("a", "b", 1), state) == Rejected("insufficient_funds", "not enough PT on a")


def test_a_token_spent_once_is_refused_the_second_time_in_the_same_batch() -> None:
    state = fresh(a=100, b=0)
    first = pay("a", "b", 10, once=(Once("code-1", "code_used", b"one"),))
    second = pay("a", "b", 10, once=(Once("code-1", "code_used", b"two"),))
    assert isinstance(decide(0, first, state), Accepted)
    assert decide(1, second, state) == Rejected("code_used", "already used: code_used")
    assert state.balances[("a", "PT")].available == 90


def test_the_same_request_twice_in_a_batch_gets_the_first_answer_again() -> None:
    state = fresh(a=100, b=0)
    key = Idempotency("s", "k", b"same")
    batch = [pay("a", "b", 10, idempotency=key), pay("a", "b", 10, idempotency=key)]
    outcomes: list[Any] = [None, None]
    accepted = decide_all(batch, [0, 1], outcomes, state)
    assert outcomes[1] == Rejected(FOLLOWER, "")
    answers = [final(i, outcomes[i], batch, accepted, state) for i in range(2)]
    assert isinstance(answers[0], Written) and isinstance(answers[1], Written)
    assert answers[1] == Written(answers[0].entry_id, NOW, answers[0].result, replayed=True)
    assert state.balances[("a", "PT")].available == 90  # paid once
    assert first_new_entry(answers) == batch[0].entry_id


def test_a_key_reused_for_another_request_in_a_batch_is_a_mismatch() -> None:
    state = fresh(a=100, b=0)
    batch = [
        pay("a", "b", 10, idempotency=Idempotency("s", "k", b"one")),
        pay("a", "b", 20, idempotency=Idempotency("s", "k", b"two")),
    ]
    outcomes: list[Any] = [None, None]
    accepted = decide_all(batch, [0, 1], outcomes, state)
    answer = final(1, outcomes[1], batch, accepted, state)
    assert isinstance(answer, Rejected) and answer.code == "idempotency_mismatch"


def test_a_plan_sees_the_balances_with_the_commands_holds_and_can_refuse() -> None:
    state = fresh(a=100, b=0)
    seen: list[int] = []

    def plan(view: PlanView) -> Plan:
        seen.append(view.balances[("a", "PT")].available)
        raise Refusal("not_today", "no")

    hold = HoldPlacement(uuid.uuid4(), "a", "PT", 30, NOW)
    before = Copy.of(state)
    assert decide(0, Command(kind=None, holds=(hold,), plan=plan), state) == Rejected("not_today", "no")
    assert seen == [70]
    assert Copy.of(state) == before


def test_a_plan_that_reaches_an_unlocked_account_is_decided_again_once_it_is_locked() -> None:
    state = fresh(a=100, b=0)
    lot = AccountSpec("c", "liability", ("PT",))

    def plan(view: PlanView) -> Plan:
        return Plan(postings=(Leg("a", "PT", 5), Leg("c", "PT", -5)), accounts=(lot,))

    batch = [pay("a", "b", 10), Command(kind="plan", plan=plan)]
    outcomes: list[Any] = [None, None]
    assert decide_all(batch, [0, 1], outcomes, state) == {}
    assert state.missing == {("c", "PT")}
    assert state.extra_accounts == {"c": lot}
    assert state.balances[("a", "PT")].available == 100  # the first command's change is undone
    state.balances[("c", "PT")] = BalanceState("c", "PT", -1, False, None, None, 0, 0)
    state.counts[("c", "PT")] = 0
    accepted = decide_all(batch, [0, 1], outcomes, state)
    assert sorted(accepted) == [0, 1] and not state.missing
    assert state.balances[("a", "PT")].available == 85


def test_a_command_that_does_not_balance_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(WriteError):
        decide(0, Command(kind="x", postings=(Leg("a", "PT", 5), Leg("b", "PT", -4))), fresh(a=10, b=0))
    assert not balanced([Leg("a", "PT", 5), Leg("b", "JPY", -5)])
    assert not balanced([Leg("a", "PT", 0), Leg("b", "PT", 0)])
    assert not balanced([])


def test_the_shortfall_code_follows_the_account() -> None:
    command = pay("a", "b", 10, shortfall_codes={"a": "points_short"})
    assert decide(0, command, fresh(a=5, b=0)) == Rejected("points_short", "not enough PT on a")


def test_recorded_keys_and_tokens_are_answered_before_deciding() -> None:
    entry = uuid.uuid4()
    batch = [
        pay("a", "b", 1, idempotency=Idempotency("s", "k1", b"h")),
        pay("a", "b", 1, idempotency=Idempotency("s", "k2", b"other")),
        pay("a", "b", 1, once=(Once("t1", "code_used", b"h"),)),
        pay("a", "b", 1, once=(Once("t2", "code_used", b"h"),)),
        pay("a", "b", 1),
    ]
    row = {"request_hash": b"h", "result": '{"ok": 1}', "entry_id": entry}
    outcomes: list[Any] = [None] * len(batch)
    answer_known_keys(batch, {("s", "k1"): row, ("s", "k2"): row}, outcomes)
    answer_spent_tokens(batch, {"t1": row, "t2": {**row, "request_hash": b"other"}}, outcomes)
    assert outcomes == [
        Written(entry, None, {"ok": 1}, replayed=True),
        Rejected("idempotency_mismatch", "this Idempotency-Key was used with another request"),
        Written(entry, None, {"ok": 1}, replayed=True),
        Rejected("code_used", "already used: code_used"),
        None,
    ]
