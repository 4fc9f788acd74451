"""The writer's decision step: which commands of a batch are accepted, and what each changes, in memory.

Pure: the balances, counters and holds the writer locked, the tokens and keys already spent, and the batch's
clock come in as a `Batch`; the commands are decided one after the other against it, each seeing what the
ones before it changed. No SQL and no I/O, so the rules (an account that may not go negative never does,
every entry balances per asset, limits and ceilings hold, a token is spent once) can be tested without a
database; the writer locks, looks up and writes around it (`engine.writer_sql`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from mitapo.engine.commands import (
    AccountSpec,
    BalanceState,
    Command,
    Decided,
    HoldState,
    Leg,
    Once,
    Outcome,
    Plan,
    PlanView,
    Refusal,
    Rejected,
    Written,
)

FOLLOWER = "_follower"
"""The code of a command that repeats an earlier one of its batch; it gets the earlier one's answer."""


class WriteError(Exception):
    """A command the writer cannot carry out at all (a bug in the service, not a refusal)."""


@dataclass(slots=True)
class Accepted:
    """An accepted command: its postings as written (leg, balance_after, account_seq), result and rows."""

    command: Command
    created_at: datetime
    postings: list[tuple[Leg, int, int]]
    result: Mapping[str, Any]
    rows: list[tuple[str, Mapping[str, Any]]]


@dataclass(slots=True)
class Batch:
    """The in-memory state of one batch while its commands are decided."""

    balances: dict[tuple[str, str], BalanceState]
    counts: dict[tuple[str, str], int]
    holds: dict[uuid.UUID, HoldState]
    counters: dict[str, int]
    now: datetime
    spent: dict[str, tuple[int, bytes | None]] = field(default_factory=dict)  # token -> (spender, its hash)
    keys: dict[tuple[str, str], int] = field(default_factory=dict)
    hold_updates: dict[uuid.UUID, str] = field(default_factory=dict)
    missing: set[tuple[str, str]] = field(default_factory=set)
    extra_accounts: dict[str, AccountSpec] = field(default_factory=dict)


class Found(Protocol):
    """A looked-up idempotency record or spent token (an asyncpg record): request_hash, result, entry_id."""

    def __getitem__(self, key: str, /) -> Any: ...


def answer_known_keys(
    commands: Sequence[Command], known: Mapping[tuple[str, str], Found], outcomes: list[Outcome | None]
) -> None:
    """Answer the commands whose idempotency key is already recorded: the first answer, or a mismatch."""
    for i, command in enumerate(commands):
        key = command.idempotency
        row = None if key is None else known.get((key.scope, key.key))
        if key is None or row is None:
            continue
        if bytes(row["request_hash"]) != key.request_hash:
            outcomes[i] = Rejected(
                "idempotency_mismatch", "this Idempotency-Key was used with another request"
            )
        else:
            outcomes[i] = Written(row["entry_id"], None, json.loads(row["result"]), replayed=True)


def answer_spent_tokens(
    commands: Sequence[Command], spent: Mapping[str, Found], outcomes: list[Outcome | None]
) -> None:
    """Answer commands whose token is spent already: the first answer to the same request, or refused."""
    for i, command in enumerate(commands):
        for once in command.once:
            row = spent.get(once.token)
            if row is None or outcomes[i] is not None:
                continue
            same = once.request_hash is not None and row["request_hash"] is not None
            if same and bytes(row["request_hash"]) == once.request_hash and row["result"] is not None:
                outcomes[i] = Written(row["entry_id"], None, json.loads(row["result"]), replayed=True)
            else:
                outcomes[i] = Rejected(once.code, f"already used: {once.code}")


def decide_all(
    commands: Sequence[Command], live: list[int], outcomes: list[Outcome | None], state: Batch
) -> dict[int, Accepted]:
    """Decide every live command in order against the batch's in-memory balances.

    When a plan touched accounts that are not locked yet, `state.missing` names them and the state is back
    as it was: the writer locks them and runs this again.
    """
    base = _snapshot(state)
    state.missing = set()
    accepted: dict[int, Accepted] = {}
    for i in live:
        outcomes[i] = None
        decision = decide(i, commands[i], state)
        if isinstance(decision, Rejected):
            outcomes[i] = decision
        else:
            accepted[i] = decision
        if state.missing:
            _restore(state, base)
            return {}
    return accepted


def _snapshot(state: Batch) -> Batch:
    return replace(
        state,
        balances=dict(state.balances),
        counts=dict(state.counts),
        holds=dict(state.holds),
        counters=dict(state.counters),
        spent=dict(state.spent),
        keys=dict(state.keys),
        hold_updates=dict(state.hold_updates),
    )


def _restore(state: Batch, base: Batch) -> None:
    """Back to `base`, keeping what was learnt: the accounts missing and those to create."""
    state.balances = dict(base.balances)
    state.counts = dict(base.counts)
    state.holds = dict(base.holds)
    state.counters = dict(base.counters)
    state.spent = dict(base.spent)
    state.keys = dict(base.keys)
    state.hold_updates = dict(base.hold_updates)


def decide(i: int, command: Command, state: Batch) -> Accepted | Rejected:
    """Decide command `i`: accepted (and `state` changed by it) or rejected (and `state` as it was)."""
    follower = _follow_earlier_in_batch(command, state)
    if follower is not None:
        return follower
    holds = dict(state.holds)
    pending_delta: dict[tuple[str, str], int] = {}
    hold_updates: dict[uuid.UUID, str] = {}
    for resolution in command.resolve_holds:
        hold = holds.get(resolution.id)
        if hold is None or hold.status != "pending":
            return Rejected("hold_not_pending", "the hold is not pending")
        holds[resolution.id] = replace(hold, status=resolution.status)
        hold_updates[resolution.id] = resolution.status
        key = (hold.account, hold.asset)
        pending_delta[key] = pending_delta.get(key, 0) - hold.amount
    for placement in command.holds:
        key = (placement.account, placement.asset)
        pending_delta[key] = pending_delta.get(key, 0) + placement.amount

    plan = Plan()
    if command.plan is not None:
        view = PlanView(balances=_with_pending(state.balances, pending_delta), holds=holds, now=state.now)
        try:
            plan = command.plan(view)
        except Refusal as refusal:
            return Rejected(refusal.code, refusal.detail)
    legs = (*command.postings, *plan.postings)
    for spec in plan.accounts:
        state.extra_accounts.setdefault(spec.code, spec)
    touched = {(leg.account, leg.asset) for leg in legs} | set(pending_delta)
    missing = {key for key in touched if key not in state.balances}
    if missing:
        state.missing |= missing
        return Rejected("internal", "retrying with more accounts locked")
    if legs and not balanced(legs):
        raise WriteError(f"command {command.kind!r} does not balance: {legs}")

    counters: dict[str, int] = {}
    for limit in command.limits:
        value = counters.get(limit.key, state.counters.get(limit.key, 0)) + limit.delta
        if value > limit.limit:
            return Rejected(limit.code, limit.detail or f"limit {limit.limit} reached")
        counters[limit.key] = value
    for once in command.once:
        if once.token in state.spent:
            return Rejected(once.code, f"already used: {once.code}")

    balances: dict[tuple[str, str], BalanceState] = {}
    counts: dict[tuple[str, str], int] = {}
    written: list[tuple[Leg, int, int]] = []
    for leg in legs:
        key = (leg.account, leg.asset)
        current = balances.get(key, state.balances[key])
        balances[key] = replace(current, posted=current.posted + leg.amount)
        counts[key] = counts.get(key, state.counts[key]) + 1
        written.append((leg, balances[key].posted, counts[key]))
    for key, delta in pending_delta.items():
        current = balances.get(key, state.balances[key])
        balances[key] = replace(current, pending=current.pending + delta)
    for key, balance in balances.items():
        if not balance.may_go_negative and balance.available < 0:
            return Rejected(command.shortfall_for(key[0]), f"not enough {key[1]} on {key[0]}")
    for ceiling in (*command.ceilings, *plan.ceilings):
        balance = balances.get(
            (ceiling.account, ceiling.asset), state.balances[(ceiling.account, ceiling.asset)]
        )
        if balance.normal_sign * balance.posted > ceiling.maximum:
            return Rejected(ceiling.code, f"{ceiling.account} may hold at most {ceiling.maximum}")

    entry_id = command.entry_id if legs else None
    decided = Decided(entry_id=entry_id, created_at=state.now, postings=tuple(legs), info=plan.info)
    result = dict(command.result(decided)) if command.result else {"entry_id": _str(entry_id)}
    state.balances.update(balances)
    state.counts.update(counts)
    state.counters.update(counters)
    state.holds = holds
    state.hold_updates.update(hold_updates)
    for once in command.once:
        state.spent[once.token] = (i, once.request_hash)
    if command.idempotency is not None:
        state.keys[(command.idempotency.scope, command.idempotency.key)] = i
    rows = [(row.table.name, row.values) for row in (*command.rows, *plan.rows)]
    return Accepted(command=command, created_at=state.now, postings=written, result=result, rows=rows)


def _follow_earlier_in_batch(command: Command, state: Batch) -> Rejected | None:
    """Two identical requests in one batch: the second waits for the first (handled after the write)."""
    key = command.idempotency
    if key is not None and (key.scope, key.key) in state.keys:
        return Rejected(FOLLOWER, "")
    if any(_spent_alike(once, state) for once in command.once):
        return Rejected(FOLLOWER, "")
    return None


def _spent_alike(once: Once, state: Batch) -> bool:
    """Was the token spent earlier in this batch by the same request? Then its first answer is given again."""
    spent = state.spent.get(once.token)
    return spent is not None and once.request_hash is not None and spent[1] == once.request_hash


def _with_pending(
    balances: Mapping[tuple[str, str], BalanceState], delta: Mapping[tuple[str, str], int]
) -> dict[tuple[str, str], BalanceState]:
    view = dict(balances)
    for key, change in delta.items():
        if key in view:
            view[key] = replace(view[key], pending=view[key].pending + change)
    return view


def balanced(legs: Iterable[Leg]) -> bool:
    """At least two legs, none zero, summing to zero in every asset."""
    totals: dict[str, int] = {}
    count = 0
    for leg in legs:
        if leg.amount == 0:
            return False
        totals[leg.asset] = totals.get(leg.asset, 0) + leg.amount
        count += 1
    return count >= 2 and all(total == 0 for total in totals.values())


def final(
    i: int,
    outcome: Outcome | None,
    commands: Sequence[Command],
    accepted: Mapping[int, Accepted],
    state: Batch,
) -> Outcome:
    """The answer to command `i` once the batch is written: its own, or its leader's for a follower."""
    if isinstance(outcome, Rejected) and outcome.code == FOLLOWER:
        return _answer_follower(commands[i], accepted, state)
    if outcome is not None:
        return outcome
    return _written(accepted[i], replayed=False)


def _answer_follower(command: Command, accepted: Mapping[int, Accepted], state: Batch) -> Outcome:
    """The answer to a request repeated within its batch: the first one's, as a later batch would give it."""
    key = command.idempotency
    if key is not None and (key.scope, key.key) in state.keys:
        leader = accepted[state.keys[(key.scope, key.key)]]
        lead_key = leader.command.idempotency
        if lead_key is None or lead_key.request_hash != key.request_hash:
            return Rejected("idempotency_mismatch", "this Idempotency-Key was used with another request")
        return _written(leader, replayed=True)
    spender = next(state.spent[once.token][0] for once in command.once if _spent_alike(once, state))
    return _written(accepted[spender], replayed=True)


def _written(done: Accepted, *, replayed: bool) -> Written:
    entry_id = done.command.entry_id if done.postings else None
    return Written(entry_id=entry_id, created_at=done.created_at, result=done.result, replayed=replayed)


def first_new_entry(outcomes: Sequence[Outcome]) -> uuid.UUID | None:
    """An entry this batch wrote (not a replay's): in the journal exactly when the batch committed."""
    return next(
        (o.entry_id for o in outcomes if isinstance(o, Written) and not o.replayed and o.entry_id), None
    )


def _str(value: object) -> str | None:
    return None if value is None else str(value)
