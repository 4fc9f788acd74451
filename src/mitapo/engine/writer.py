"""The group-commit writer: many commands, one transaction, one commit.

One entry per transaction pays a WAL flush and a round of locks per entry; on a hot account every writer then
waits for the one before it to commit. Like TigerBeetle's batches, the writer takes every command that queued
while the previous batch was committing, locks the balances they touch once (in a deterministic order, so two
writers in two processes cannot deadlock for long), decides each command in order in memory, writes all
accepted entries with a handful of set-based statements, and commits once. A refused command writes nothing;
the others in its batch are not affected.

Serialization failures, deadlocks and races on unique keys with another process roll the batch back and run it
again; they never reach the caller. When the connection is lost while committing, `txid_status` tells whether
the batch committed, so that a batch is never written twice nor reported lost when it was not. After a crash
it may not: a transaction id whose WAL never reached the disk is given out again, and its status is then
another transaction's (the bank run, tests/faults, caught a lost batch answered as written). So "committed"
is confirmed by the batch's first new entry, and a batch without one is answered CommitUnknown when the
server restarted in between.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from mitapo.engine.commands import (
    ENTRY_ID,
    AccountSpec,
    BalanceState,
    Command,
    Decided,
    HoldState,
    Idempotency,
    Leg,
    Once,
    Outcome,
    Plan,
    PlanView,
    Refusal,
    Rejected,
    Written,
)
from mitapo.engine.failures import CONNECTION_LOST, CommitUnknown, backoff

log = structlog.get_logger(__name__)

RETRYABLE = (
    asyncpg.SerializationError,
    asyncpg.DeadlockDetectedError,
    asyncpg.UniqueViolationError,
    asyncpg.LockNotAvailableError,
)
MAX_ATTEMPTS = 50
FOLLOWER = "_follower"


class _RaceLost(Exception):
    """Another transaction spent a token or an idempotency key first: run the batch again."""


class WriteError(Exception):
    """A command the writer cannot carry out at all (a bug in the service, not a refusal)."""


@dataclass(slots=True)
class _Pending:
    command: Command
    future: asyncio.Future[Outcome]


@dataclass(slots=True)
class _Accepted:
    command: Command
    created_at: datetime
    postings: list[tuple[Leg, int, int]]  # leg, balance_after, account_seq
    result: Mapping[str, Any]
    rows: list[tuple[str, Mapping[str, Any]]]


@dataclass(slots=True)
class _Batch:
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


BatchObserver = Callable[[int, float], None]


class Writer:
    """Queues commands and writes them in batches on its one connection.

    A second connection taking every other batch was tried (docs/benchmarks.md): with 32 clients it halves the
    batches, and on the two-CPU development machine each entry cost more CPU while the entries per second did
    not rise. Several processes, each with its own writer, share a database the same way.
    """

    def __init__(self, url: str, *, batch_max: int = 500, observer: BatchObserver | None = None) -> None:
        self._batch_max = batch_max
        self._observer = observer
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._lane = _Lane(url)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._lane.connect()
        self._task = asyncio.create_task(self._run(), name="mitapo-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None
        await self._lane.close()

    async def submit(self, command: Command) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(command, future))
        return await future

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            # One turn of the event loop first: the callers the previous batch answered are ready to run but
            # have not queued their next commands yet. Without it batches alternated between the few that
            # came in meanwhile and the many just answered (32 payments in flight: median batch 4, not 32).
            await asyncio.sleep(0)
            while len(batch) < self._batch_max and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            started = time.perf_counter()
            try:
                await self._lane.execute(batch)
            except Exception as exc:  # the writer must outlive any one batch
                log.exception("writer.batch_failed", size=len(batch))
                for pending in batch:
                    if not pending.future.done():
                        pending.future.set_exception(exc)
            if self._observer is not None:
                self._observer(len(batch), time.perf_counter() - started)


# A batch's statements must cost per row of the batch, never per row of a table. With the journal growing by
# thousands of rows a second the statistics lag, and plans made for tables the planner thought small read
# whole tables: balances on every batch, idempotency_keys one batch in four, counters on every batch. Every
# table the writer touches has the index its statements need.
_LANE_SETTINGS = {"enable_seqscan": "off"}


class _Lane:
    """The writer's connection: runs a batch in one transaction, again when it loses a race."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: asyncpg.Connection | None = None
        self._server_started: datetime | None = None  # the server's start, to tell that it restarted

    async def connect(self) -> None:
        self._conn = await asyncpg.connect(self._url, server_settings=_LANE_SETTINGS)
        self._server_started = await self._conn.fetchval("SELECT pg_postmaster_start_time()")

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
        self._conn = None

    async def execute(self, batch: list[_Pending]) -> None:
        commands = [p.command for p in batch]
        for _attempt in range(MAX_ATTEMPTS):
            try:
                outcomes = await self._attempt(commands)
            except (*RETRYABLE, _RaceLost):
                continue
            except (asyncpg.PostgresError, WriteError):
                if len(batch) == 1:
                    raise
                for pending in batch:  # isolate the command the database refused
                    try:
                        await self.execute([pending])
                    except Exception as exc:
                        log.exception("writer.command_failed", kind=pending.command.kind)
                        if not pending.future.done():
                            pending.future.set_exception(exc)
                return
            for pending, outcome in zip(batch, outcomes, strict=True):
                if not pending.future.done():
                    pending.future.set_result(outcome)
            return
        raise RuntimeError(f"batch of {len(batch)} could not commit after {MAX_ATTEMPTS} attempts")

    async def _connection(self) -> asyncpg.Connection:
        """The connection, reconnecting with backoff while the database restarts."""
        delays = backoff()
        while self._conn is None or self._conn.is_closed():
            try:
                await self.connect()
            except (*CONNECTION_LOST, asyncpg.CannotConnectNowError):
                await asyncio.sleep(next(delays))
        return self._conn

    async def _attempt(self, commands: Sequence[Command]) -> list[Outcome]:
        conn = await self._connection()
        txid: int | None = None
        outcomes: list[Outcome] | None = None
        try:
            async with conn.transaction():
                txid, answered, state = await _prepare(conn, commands)
                outcomes = await _decide_and_write(conn, commands, answered, state)
        except CONNECTION_LOST:
            conn.terminate()  # it may be broken rather than closed
            self._conn = None
            if (
                txid is None
                or outcomes is None
                or not await self._committed(txid, _first_new_entry(outcomes))
            ):
                raise _RaceLost from None
        assert outcomes is not None
        return outcomes

    async def _committed(self, txid: int, entry_id: uuid.UUID | None) -> bool:
        """After a lost connection: did the batch's transaction commit? Its first new entry is the proof."""
        started = self._server_started
        while True:
            try:
                conn = await self._connection()
                status = await conn.fetchval("SELECT txid_status($1)", txid)
                if status == "committed" and entry_id is not None:
                    return bool(
                        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM entries WHERE id = $1)", entry_id)
                    )
            except CONNECTION_LOST:
                self._conn = None
                continue
            except asyncpg.InvalidParameterValueError:  # "in the future": the id vanished in a crash
                return False
            if status == "committed" and self._server_started != started:
                raise CommitUnknown("the database restarted while a batch without entries committed")
            if status != "in progress":
                return bool(status == "committed")
            await asyncio.sleep(0.05)


def _first_new_entry(outcomes: Sequence[Outcome]) -> uuid.UUID | None:
    """An entry this batch wrote (not a replay's): in the journal exactly when the batch committed."""
    return next(
        (o.entry_id for o in outcomes if isinstance(o, Written) and not o.replayed and o.entry_id), None
    )


async def _prepare(
    conn: asyncpg.Connection, commands: Sequence[Command]
) -> tuple[int, list[Outcome | None], _Batch]:
    """Create missing accounts, lock what the batch touches, then answer replays: the transaction's id, the
    commands answered already (a known key, a spent token), and the locked state.

    The replays are looked up after the locks on purpose: a twin of a command, committed by another process
    while this batch waited for the same balances, is then seen and answered as a replay, instead of being
    decided again against balances that already include it."""
    await _ensure_accounts(conn, [spec for c in commands for spec in c.accounts])
    state = await _lock(conn, commands)
    txid, known, spent = await _look_up(conn, commands)
    answered: list[Outcome | None] = [None] * len(commands)
    _answer_known_keys(commands, known, answered)
    _answer_spent_tokens(commands, spent, answered)
    return txid, answered, state


async def _decide_and_write(
    conn: asyncpg.Connection, commands: Sequence[Command], outcomes: list[Outcome | None], state: _Batch
) -> list[Outcome]:
    live = [i for i, o in enumerate(outcomes) if o is None]
    while True:
        accepted = _decide_all(commands, live, outcomes, state)
        if not state.missing:
            break
        await _ensure_accounts(conn, state.extra_accounts.values())
        await _lock_more(conn, state)
    await _write(conn, accepted, state)
    return [_final(i, outcomes[i], commands, accepted, state) for i in range(len(commands))]


def _final(
    i: int,
    outcome: Outcome | None,
    commands: Sequence[Command],
    accepted: dict[int, _Accepted],
    state: _Batch,
) -> Outcome:
    if isinstance(outcome, Rejected) and outcome.code == FOLLOWER:
        return _answer_follower(commands[i], accepted, state)
    if outcome is not None:
        return outcome
    return _written(accepted[i], replayed=False)


def _answer_follower(command: Command, accepted: dict[int, _Accepted], state: _Batch) -> Outcome:
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


def _written(done: _Accepted, *, replayed: bool) -> Written:
    entry_id = done.command.entry_id if done.postings else None
    return Written(entry_id=entry_id, created_at=done.created_at, result=done.result, replayed=replayed)


# Each key and token through its primary key: the tables grow with every write and their statistics lag, and
# the semi-join the planner chose then read the whole of idempotency_keys into a hash, one batch in four.
_LOOK_UP = """
    SELECT 'txid' AS kind, txid_current()::text AS name, NULL::text AS scope, NULL::bytea AS request_hash,
           NULL::text AS result, NULL::uuid AS entry_id
    UNION ALL
    SELECT 'key', k.key, k.scope, k.request_hash, k.result::text, k.entry_id
    FROM unnest($1::text[], $2::text[]) AS u(scope, key)
    CROSS JOIN LATERAL (SELECT * FROM idempotency_keys WHERE scope = u.scope AND key = u.key OFFSET 0) AS k
    UNION ALL
    SELECT 'token', t.token, NULL, t.request_hash, t.result::text, t.entry_id
    FROM unnest($3::text[]) AS u(token)
    CROSS JOIN LATERAL (SELECT * FROM spent_tokens WHERE token = u.token OFFSET 0) AS t
"""

Known = dict[tuple[str, str], asyncpg.Record]
Spent = dict[str, asyncpg.Record]


async def _look_up(conn: asyncpg.Connection, commands: Sequence[Command]) -> tuple[int, Known, Spent]:
    """In one round trip: the transaction's id (to learn after a lost connection whether it committed), the
    idempotency records already written for the batch's keys, and its tokens already spent."""
    keys = [c.idempotency for c in commands if c.idempotency is not None]
    tokens = [once.token for c in commands for once in c.once]
    rows = await conn.fetch(_LOOK_UP, [k.scope for k in keys], [k.key for k in keys], tokens)
    known = {(r["scope"], r["name"]): r for r in rows if r["kind"] == "key"}
    spent = {r["name"]: r for r in rows if r["kind"] == "token"}
    txid = next(int(r["name"]) for r in rows if r["kind"] == "txid")
    return txid, known, spent


def _answer_known_keys(commands: Sequence[Command], known: Known, outcomes: list[Outcome | None]) -> None:
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


def _answer_spent_tokens(commands: Sequence[Command], spent: Spent, outcomes: list[Outcome | None]) -> None:
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


async def _ensure_accounts(conn: asyncpg.Connection, specs: Iterable[AccountSpec]) -> None:
    unique = {spec.code: spec for spec in specs}
    if not unique:
        return
    ordered = sorted(unique.values(), key=lambda s: s.code)
    pairs = [(s, asset) for s in ordered for asset in s.assets]
    await conn.execute(
        """
        WITH new_accounts AS (
            INSERT INTO accounts (code, kind, may_go_negative, owner, expires_on)
            SELECT * FROM unnest($1::text[], $2::text[], $3::bool[], $4::text[], $5::date[])
            ON CONFLICT (code) DO NOTHING
        )
        INSERT INTO balances (account, asset, normal_sign, may_go_negative, owner, expires_on)
        SELECT * FROM unnest($6::text[], $7::text[], $8::smallint[], $9::bool[], $10::text[], $11::date[])
        ON CONFLICT (account, asset) DO NOTHING
        """,
        [s.code for s in ordered],
        [s.kind for s in ordered],
        [s.may_go_negative for s in ordered],
        [s.owner for s in ordered],
        [s.expires_on for s in ordered],
        [s.code for s, _ in pairs],
        [asset for _, asset in pairs],
        [1 if s.kind in ("asset", "expense") else -1 for s, _ in pairs],
        [s.may_go_negative for s, _ in pairs],
        [s.owner for s, _ in pairs],
        [s.expires_on for s, _ in pairs],
    )


# Locked one by one through the primary key, in the sorted order of the outer list: the semi-join the planner
# chose before hashed the whole balances table on every batch, a cost that grew with the number of accounts.
_LOCK_BALANCES = """
    WITH wanted AS (
        SELECT * FROM unnest($1::text[], $2::text[]) AS u(account, asset)
        UNION
        SELECT account, asset FROM balances WHERE owner = ANY($3::text[])
    ), locked AS (
        SELECT b.* FROM (SELECT * FROM wanted ORDER BY account, asset) AS w
        CROSS JOIN LATERAL (
            SELECT account, asset, normal_sign, may_go_negative, owner, expires_on, posted, pending,
                   postings_count
            FROM balances WHERE account = w.account AND asset = w.asset
            FOR UPDATE
        ) AS b
    )
    SELECT locked.*, clock_timestamp() AS now FROM locked
"""


async def _lock(conn: asyncpg.Connection, commands: Sequence[Command]) -> _Batch:
    """Lock every balance the batch names (and those of the owners a plan may spend from) in sorted order,
    then its holds and counters; the batch's clock is read after the balances are locked, so that an account's
    postings are stamped in the order of their `account_seq`."""
    wanted = {(leg.account, leg.asset) for c in commands for leg in c.postings}
    wanted |= {(h.account, h.asset) for c in commands for h in c.holds}
    wanted |= {(c.account, c.asset) for cmd in commands for c in cmd.ceilings}
    owners = sorted({owner for c in commands for owner in c.lock_owners})
    balances, counts, now = await _lock_balances(conn, sorted(wanted), owners)
    hold_ids = sorted({r.id for c in commands for r in c.resolve_holds})
    holds: dict[uuid.UUID, HoldState] = {}
    if hold_ids:
        rows = await conn.fetch(
            "SELECT id, account, asset, amount, status, expires_at FROM holds WHERE id = ANY($1::uuid[]) "
            "ORDER BY id FOR UPDATE",
            hold_ids,
        )
        holds = {r["id"]: HoldState(**dict(r)) for r in rows}
    counters = await _lock_counters(conn, sorted({lim.key for c in commands for lim in c.limits}))
    if now is None:
        now = await conn.fetchval("SELECT clock_timestamp()")
    return _Batch(balances=balances, counts=counts, holds=holds, counters=counters, now=now)


async def _lock_balances(
    conn: asyncpg.Connection, pairs: Sequence[tuple[str, str]], owners: Sequence[str] = ()
) -> tuple[dict[tuple[str, str], BalanceState], dict[tuple[str, str], int], datetime | None]:
    """The locked balances, their posting counts, and the clock read after the last lock (None: no rows)."""
    balances: dict[tuple[str, str], BalanceState] = {}
    counts: dict[tuple[str, str], int] = {}
    if not pairs and not owners:
        return balances, counts, None
    rows = await conn.fetch(_LOCK_BALANCES, [p[0] for p in pairs], [p[1] for p in pairs], list(owners))
    for row in rows:
        key = (row["account"], row["asset"])
        balances[key] = _balance_state(row)
        counts[key] = row["postings_count"]
    return balances, counts, max((row["now"] for row in rows), default=None)


def _balance_state(row: asyncpg.Record) -> BalanceState:
    return BalanceState(
        account=row["account"],
        asset=row["asset"],
        normal_sign=row["normal_sign"],
        may_go_negative=row["may_go_negative"],
        owner=row["owner"],
        expires_on=row["expires_on"],
        posted=row["posted"],
        pending=row["pending"],
    )


async def _lock_counters(conn: asyncpg.Connection, keys: list[str]) -> dict[str, int]:
    if not keys:
        return {}
    rows = await conn.fetch(_LOCK_COUNTERS, keys)
    return {r["key"]: r["value"] for r in rows}


# Created or locked, in key order, in one round trip: a key new to the table is locked by its insert, a known
# one by the conflict's no-op update, which also returns its latest committed value.
_LOCK_COUNTERS = """
    INSERT INTO counters (key, value) SELECT k, 0 FROM unnest($1::text[]) AS k ORDER BY k
    ON CONFLICT (key) DO UPDATE SET value = counters.value
    RETURNING key, value
"""


async def _lock_more(conn: asyncpg.Connection, state: _Batch) -> None:
    pairs = sorted(state.missing)
    balances, counts, _ = await _lock_balances(conn, pairs)
    state.balances.update(balances)
    state.counts.update(counts)
    state.missing = {p for p in pairs if p not in state.balances}
    if state.missing:
        raise WriteError(f"no such account: {sorted(state.missing)}")


def _decide_all(
    commands: Sequence[Command], live: list[int], outcomes: list[Outcome | None], state: _Batch
) -> dict[int, _Accepted]:
    """Decide every live command in order against the batch's in-memory balances.

    Runs again from a fresh copy when a plan touched accounts that were not locked yet.
    """
    base = _snapshot(state)
    state.missing = set()
    accepted: dict[int, _Accepted] = {}
    for i in live:
        outcomes[i] = None
        decision = _decide(i, commands[i], state)
        if isinstance(decision, Rejected):
            outcomes[i] = decision
        else:
            accepted[i] = decision
        if state.missing:
            _restore(state, base)
            return {}
    return accepted


def _snapshot(state: _Batch) -> tuple[Any, ...]:
    return (
        dict(state.balances),
        dict(state.counts),
        dict(state.holds),
        dict(state.counters),
        dict(state.spent),
        dict(state.keys),
        dict(state.hold_updates),
    )


def _restore(state: _Batch, base: tuple[Any, ...]) -> None:
    missing = state.missing
    (
        state.balances,
        state.counts,
        state.holds,
        state.counters,
        state.spent,
        state.keys,
        state.hold_updates,
    ) = (dict(part) for part in base)
    state.missing = missing


def _decide(i: int, command: Command, state: _Batch) -> _Accepted | Rejected:
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
    if legs and not _balanced(legs):
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
    return _Accepted(command=command, created_at=state.now, postings=written, result=result, rows=rows)


def _follow_earlier_in_batch(command: Command, state: _Batch) -> Rejected | None:
    """Two identical requests in one batch: the second waits for the first (handled after the write)."""
    key = command.idempotency
    if key is not None and (key.scope, key.key) in state.keys:
        return Rejected(FOLLOWER, "")
    if any(_spent_alike(once, state) for once in command.once):
        return Rejected(FOLLOWER, "")
    return None


def _spent_alike(once: Once, state: _Batch) -> bool:
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


def _balanced(legs: Iterable[Leg]) -> bool:
    totals: dict[str, int] = {}
    count = 0
    for leg in legs:
        if leg.amount == 0:
            return False
        totals[leg.asset] = totals.get(leg.asset, 0) + leg.amount
        count += 1
    return count >= 2 and all(total == 0 for total in totals.values())


def _str(value: object) -> str | None:
    return None if value is None else str(value)


def _json(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


async def _write(conn: asyncpg.Connection, accepted: dict[int, _Accepted], state: _Batch) -> None:
    """Everything the batch decided, in as few round trips as its shape allows: one statement for the entries,
    postings, seal queue, balances, counters, spent tokens and idempotency records, then holds and domain rows
    only when the batch has any."""
    done = list(accepted.values())
    spent = [(a, once) for a in done for once in a.command.once]
    keyed = [(a, a.command.idempotency) for a in done if a.command.idempotency is not None]
    inserted = await conn.fetchrow(  # always one row
        _WRITE,
        *_entry_columns(done),
        *_balance_columns(done, state),
        *_counter_columns(done, state),
        *_token_columns(spent),
        *_key_columns(keyed),
    )
    assert inserted is not None
    if (inserted["tokens"], inserted["keys"]) != (len(spent), len(keyed)):
        raise _RaceLost  # another transaction spent a token or wrote a key first: run the batch again
    await _write_holds(conn, done, state)
    await _write_rows(conn, done)


_WRITE = """
    WITH new_entries AS (
        INSERT INTO entries (id, kind, memo, created_at, meta, reverses)
        SELECT u.id, u.kind, u.memo, u.created_at, u.meta::jsonb, u.reverses
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::uuid[])
             AS u(id, kind, memo, created_at, meta, reverses)
    ), new_postings AS (
        INSERT INTO postings (entry_id, idx, account, asset, amount, balance_after, account_seq, created_at)
        SELECT * FROM unnest($7::uuid[], $8::smallint[], $9::text[], $10::text[], $11::bigint[],
                             $12::bigint[], $13::bigint[], $14::timestamptz[])
    ), queued AS (
        INSERT INTO seal_queue (entry_id, created_at) SELECT * FROM unnest($1::uuid[], $4::timestamptz[])
    ), new_balances AS (
        UPDATE balances AS b SET posted = u.posted, pending = u.pending, postings_count = u.n
        FROM unnest($15::text[], $16::text[], $17::bigint[], $18::bigint[], $19::bigint[])
             AS u(account, asset, posted, pending, n)
        WHERE b.account = u.account AND b.asset = u.asset
    ), new_counters AS (
        UPDATE counters AS c SET value = u.value FROM unnest($20::text[], $21::bigint[]) AS u(key, value)
        WHERE c.key = u.key
    ), spent AS (
        INSERT INTO spent_tokens (token, entry_id, request_hash, result)
        SELECT u.token, u.entry_id, u.request_hash, u.result::jsonb
        FROM unnest($22::text[], $23::uuid[], $24::bytea[], $25::text[])
             AS u(token, entry_id, request_hash, result)
        ON CONFLICT (token) DO NOTHING RETURNING 1
    ), keyed AS (
        INSERT INTO idempotency_keys (scope, key, request_hash, result, entry_id)
        SELECT u.scope, u.key, u.request_hash, u.result::jsonb, u.entry_id
        FROM unnest($26::text[], $27::text[], $28::bytea[], $29::text[], $30::uuid[])
             AS u(scope, key, request_hash, result, entry_id)
        ON CONFLICT (scope, key) DO NOTHING RETURNING 1
    )
    SELECT (SELECT count(*) FROM spent) AS tokens, (SELECT count(*) FROM keyed) AS keys
"""


def _entry_columns(done: list[_Accepted]) -> list[list[Any]]:
    with_entry = [a for a in done if a.postings]
    flat = [(a, idx, leg, after, seq) for a in with_entry for idx, (leg, after, seq) in enumerate(a.postings)]
    return [
        [a.command.entry_id for a in with_entry],
        [a.command.kind for a in with_entry],
        [a.command.memo for a in with_entry],
        [a.created_at for a in with_entry],
        [_json(dict(a.command.meta)) if a.command.meta else "{}" for a in with_entry],
        [a.command.reverses for a in with_entry],
        [a.command.entry_id for a, *_ in flat],
        [idx for _, idx, *_ in flat],
        [leg.account for _, _, leg, *_ in flat],
        [leg.asset for _, _, leg, *_ in flat],
        [leg.amount for _, _, leg, *_ in flat],
        [after for *_, after, _ in flat],
        [seq for *_, seq in flat],
        [a.created_at for a, *_ in flat],
    ]


def _balance_columns(done: list[_Accepted], state: _Batch) -> list[list[Any]]:
    touched = sorted(
        {(leg.account, leg.asset) for a in done for leg, _, _ in a.postings}
        | {(h.account, h.asset) for a in done for h in a.command.holds}
        | {(state.holds[h].account, state.holds[h].asset) for h in state.hold_updates}
    )
    return [
        [k[0] for k in touched],
        [k[1] for k in touched],
        [state.balances[k].posted for k in touched],
        [state.balances[k].pending for k in touched],
        [state.counts[k] for k in touched],
    ]


def _counter_columns(done: list[_Accepted], state: _Batch) -> list[list[Any]]:
    keys = sorted({lim.key for a in done for lim in a.command.limits})
    return [keys, [state.counters[k] for k in keys]]


def _token_columns(spent: list[tuple[_Accepted, Once]]) -> list[list[Any]]:
    return [
        [once.token for _, once in spent],
        [a.command.entry_id if a.postings else None for a, _ in spent],
        [once.request_hash for _, once in spent],
        [_json(dict(a.result)) for a, _ in spent],
    ]


def _key_columns(keyed: list[tuple[_Accepted, Idempotency]]) -> list[list[Any]]:
    return [
        [k.scope for _, k in keyed],
        [k.key for _, k in keyed],
        [k.request_hash for _, k in keyed],
        [_json(dict(a.result)) for a, _ in keyed],
        [a.command.entry_id if a.postings else None for a, _ in keyed],
    ]


async def _write_holds(conn: asyncpg.Connection, done: list[_Accepted], state: _Batch) -> None:
    placed = [(a, h) for a in done for h in a.command.holds]
    if placed:
        await conn.execute(
            "INSERT INTO holds (id, account, asset, amount, expires_at, created_at) "
            "SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[], "
            "$6::timestamptz[])",
            [h.id for _, h in placed],
            [h.account for _, h in placed],
            [h.asset for _, h in placed],
            [h.amount for _, h in placed],
            [h.expires_at for _, h in placed],
            [a.created_at for a, _ in placed],
        )
    resolved = [(a, r) for a in done for r in a.command.resolve_holds]
    if resolved:
        await conn.execute(
            "UPDATE holds AS h SET status = u.status, resolved_at = u.at, entry_id = u.entry_id "
            "FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::uuid[]) "
            "AS u(id, status, at, entry_id) "
            "WHERE h.id = u.id",
            [r.id for _, r in resolved],
            [r.status for _, r in resolved],
            [a.created_at for a, _ in resolved],
            [a.command.entry_id if a.postings else None for a, _ in resolved],
        )


async def _write_rows(conn: asyncpg.Connection, done: list[_Accepted]) -> None:
    by_shape: dict[tuple[str, tuple[str, ...]], list[list[Any]]] = {}
    for a in done:
        entry_id = a.command.entry_id if a.postings else None
        for table, values in a.rows:
            columns = tuple(values)
            row = [entry_id if v is ENTRY_ID else v for v in values.values()]
            by_shape.setdefault((table, columns), []).append(row)
    for (table, columns), rows in by_shape.items():
        placeholders = ", ".join(f"${n}" for n in range(1, len(columns) + 1))
        names = ", ".join(columns)
        await conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
