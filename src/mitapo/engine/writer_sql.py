"""The writer's SQL: the statements of a batch and the functions that run them on its connection.

A batch costs a handful of round trips: create the accounts it names (only when it names any), lock its
balances and counters and look up the idempotency keys and tokens already recorded (one statement, PREPARE),
lock its holds (only when it resolves any), then write everything it decided (`engine.decide`) with set-based
statements. Every statement must cost per row of the batch, never per row of a table: with the
journal growing by thousands of rows a second the statistics lag, and plans made for tables the planner
thought small read whole tables (balances on every batch, idempotency_keys one batch in four, counters on
every batch). So the writer's connection turns sequential scans off, and every table it touches has the index
its statements need (tests/integration/test_writer_plans.py checks the plans).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg

from mitapo.engine.commands import ENTRY_ID, AccountSpec, BalanceState, Command, HoldState, Idempotency, Once
from mitapo.engine.decide import Accepted, Batch, WriteError

LANE_SETTINGS = {"enable_seqscan": "off", "plan_cache_mode": "force_generic_plan"}
"""The writer's connection settings: no plan may read a whole table (see above), and each statement is planned
once. Left to choose, PostgreSQL planned the batch's statements again on every execution (their custom plans
looked cheaper than the generic one), which cost the database about as much as running them: PREPARE with 64
balances and 32 keys took 870 µs of the backend's CPU a batch planned each time, 440-460 µs planned once
(`docs/benchmarks.md`, 2026-12-04 night). tests/integration/test_writer_plans.py checks those plans."""


class RaceLost(Exception):
    """Another transaction spent a token or an idempotency key first: run the batch again."""


# Each key and token through its primary key: the tables grow with every write and their statistics lag, and
# the semi-join the planner chose then read the whole of idempotency_keys into a hash, one batch in four.
_LOOKED_UP = """
    SELECT 'txid' AS kind, txid_current()::text AS name, NULL::text AS scope, NULL::bytea AS request_hash,
           NULL::text AS result, NULL::uuid AS entry_id
    UNION ALL
    SELECT 'key', k.key, k.scope, k.request_hash, k.result::text, k.entry_id
    FROM unnest(${scopes}::text[], ${keys}::text[]) AS u(scope, key)
    CROSS JOIN LATERAL (SELECT * FROM idempotency_keys WHERE scope = u.scope AND key = u.key OFFSET 0) AS k
    UNION ALL
    SELECT 'token', t.token, NULL, t.request_hash, t.result::text, t.entry_id
    FROM unnest(${tokens}::text[]) AS u(token)
    CROSS JOIN LATERAL (SELECT * FROM spent_tokens WHERE token = u.token OFFSET 0) AS t
"""
LOOK_UP = _LOOKED_UP.format(scopes=1, keys=2, tokens=3)

Known = dict[tuple[str, str], asyncpg.Record]
Spent = dict[str, asyncpg.Record]


async def look_up(conn: asyncpg.Connection, commands: Sequence[Command]) -> tuple[int, Known, Spent]:
    """In one round trip: the transaction's id (to learn after a lost connection whether it committed), the
    idempotency records already written for the batch's keys, and its tokens already spent."""
    return _looked_up(await conn.fetch(LOOK_UP, *_look_up_parameters(commands)))


def _look_up_parameters(commands: Sequence[Command]) -> list[list[str]]:
    keys = [c.idempotency for c in commands if c.idempotency is not None]
    return [[k.scope for k in keys], [k.key for k in keys], [once.token for c in commands for once in c.once]]


def _looked_up(rows: Iterable[asyncpg.Record]) -> tuple[int, Known, Spent]:
    known: Known = {}
    spent: Spent = {}
    txid = 0
    for row in rows:
        if row["kind"] == "key":
            known[(row["scope"], row["name"])] = row
        elif row["kind"] == "token":
            spent[row["name"]] = row
        elif row["kind"] == "txid":
            txid = int(row["name"])
    return txid, known, spent


async def ensure_accounts(conn: asyncpg.Connection, specs: Iterable[AccountSpec]) -> None:
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
_LOCKED = """
    wanted AS (
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
"""
LOCK_BALANCES = f"WITH {_LOCKED} SELECT locked.*, clock_timestamp() AS now FROM locked"

# Created or locked, in key order: a key new to the table is locked by its insert, a known one by the
# conflict's no-op update, which also returns its latest committed value.
_COUNTED = """
    counted AS (
        INSERT INTO counters (key, value) SELECT k, 0 FROM unnest($4::text[]) AS k ORDER BY k
        ON CONFLICT (key) DO UPDATE SET value = counters.value
        RETURNING key, value
    )
"""

# A batch's first statement, where there were three: its balances locked (as LOCK_BALANCES), then its
# counters, then its keys and tokens looked up (as LOOK_UP). The branches of a UNION ALL run one after the
# other, so every batch takes its locks in the same order (balances, then counters, then holds), and the clock
# is read after the last balance is locked. The look-up sees the snapshot the statement began with, before it
# waited for any lock: `refused_twins` below covers what that misses.
PREPARE = f"""
    WITH {_LOCKED}, {_COUNTED}
    SELECT 'balance' AS kind, account AS name, asset, normal_sign, may_go_negative, owner, expires_on, posted,
           pending, postings_count AS n, clock_timestamp() AS now, NULL::text AS scope,
           NULL::bytea AS request_hash, NULL::text AS result, NULL::uuid AS entry_id
    FROM locked
    UNION ALL
    SELECT 'counter', key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, value, NULL, NULL, NULL, NULL, NULL
    FROM counted
    UNION ALL
    SELECT l.kind, l.name, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, l.scope, l.request_hash,
           l.result, l.entry_id
    FROM ({_LOOKED_UP.format(scopes=5, keys=6, tokens=7)}) AS l
"""


async def prepare(conn: asyncpg.Connection, commands: Sequence[Command]) -> tuple[int, Known, Spent, Batch]:
    """The batch's locks and look-ups (PREPARE), and its holds' locks if it resolves any: the transaction's
    id, the keys and tokens already recorded, and the locked state. One round trip for most batches."""
    pairs = sorted(_wanted(commands))
    rows = await conn.fetch(
        PREPARE,
        [p[0] for p in pairs],
        [p[1] for p in pairs],
        sorted({owner for c in commands for owner in c.lock_owners}),
        sorted({lim.key for c in commands for lim in c.limits}),
        *_look_up_parameters(commands),
    )
    balances = {(r["name"], r["asset"]): _balance_state(r, r["name"]) for r in rows if r["kind"] == "balance"}
    counts = {(r["name"], r["asset"]): r["n"] for r in rows if r["kind"] == "balance"}
    counters = {r["name"]: r["n"] for r in rows if r["kind"] == "counter"}
    txid, known, spent = _looked_up(rows)
    holds = await _lock_holds(conn, commands)
    now = max((r["now"] for r in rows if r["kind"] == "balance"), default=None)
    if now is None:
        now = await conn.fetchval("SELECT clock_timestamp()")
    state = Batch(balances=balances, counts=counts, holds=holds, counters=counters, now=now)
    return txid, known, spent, state


async def refused_twins(conn: asyncpg.Connection, refused: Sequence[Command]) -> bool:
    """Whether any of these commands, refused in this batch, has a key or token recorded by now.

    PREPARE looked keys and tokens up in the snapshot its statement began with. A twin of a command committed
    by another process while this batch waited for the balances they share is not in that snapshot, and the
    command was decided again against balances that include the twin. Accepted, it collides with the twin's
    key or token in the write, and the batch runs again (RaceLost). Refused (the twin spent the money), it
    would be answered with a refusal instead of the twin's answer: so a batch that refused a guarded command
    looks its guards up again, now, and runs again if one was recorded meanwhile."""
    guarded = [c for c in refused if c.idempotency is not None or c.once]
    if not guarded:
        return False
    _, known, spent = await look_up(conn, guarded)
    return bool(known or spent)


def _wanted(commands: Sequence[Command]) -> set[tuple[str, str]]:
    """The balances a batch names: its legs, its holds and its ceilings."""
    wanted = {(leg.account, leg.asset) for c in commands for leg in c.postings}
    wanted |= {(h.account, h.asset) for c in commands for h in c.holds}
    wanted |= {(c.account, c.asset) for cmd in commands for c in cmd.ceilings}
    return wanted


async def _lock_holds(conn: asyncpg.Connection, commands: Sequence[Command]) -> dict[uuid.UUID, HoldState]:
    hold_ids = sorted({r.id for c in commands for r in c.resolve_holds})
    if not hold_ids:
        return {}
    rows = await conn.fetch(
        "SELECT id, account, asset, amount, status, expires_at FROM holds WHERE id = ANY($1::uuid[]) "
        "ORDER BY id FOR UPDATE",
        hold_ids,
    )
    return {r["id"]: HoldState(**dict(r)) for r in rows}


async def _lock_balances(
    conn: asyncpg.Connection, pairs: Sequence[tuple[str, str]], owners: Sequence[str] = ()
) -> tuple[dict[tuple[str, str], BalanceState], dict[tuple[str, str], int], datetime | None]:
    """The locked balances, their posting counts, and the clock read after the last lock (None: no rows)."""
    balances: dict[tuple[str, str], BalanceState] = {}
    counts: dict[tuple[str, str], int] = {}
    if not pairs and not owners:
        return balances, counts, None
    rows = await conn.fetch(LOCK_BALANCES, [p[0] for p in pairs], [p[1] for p in pairs], list(owners))
    for row in rows:
        key = (row["account"], row["asset"])
        balances[key] = _balance_state(row, row["account"])
        counts[key] = row["postings_count"]
    return balances, counts, max((row["now"] for row in rows), default=None)


def _balance_state(row: asyncpg.Record, account: str) -> BalanceState:
    return BalanceState(
        account=account,
        asset=row["asset"],
        normal_sign=row["normal_sign"],
        may_go_negative=row["may_go_negative"],
        owner=row["owner"],
        expires_on=row["expires_on"],
        posted=row["posted"],
        pending=row["pending"],
    )


async def lock_more(conn: asyncpg.Connection, state: Batch) -> None:
    pairs = sorted(state.missing)
    balances, counts, _ = await _lock_balances(conn, pairs)
    state.balances.update(balances)
    state.counts.update(counts)
    state.missing = {p for p in pairs if p not in state.balances}
    if state.missing:
        raise WriteError(f"no such account: {sorted(state.missing)}")


async def write(conn: asyncpg.Connection, accepted: dict[int, Accepted], state: Batch) -> None:
    """Everything the batch decided, in as few round trips as its shape allows: one statement for the entries,
    postings, seal queue, balances, counters, spent tokens and idempotency records, then holds and domain rows
    only when the batch has any."""
    done = list(accepted.values())
    spent = [(a, once) for a in done for once in a.command.once]
    keyed = [(a, a.command.idempotency) for a in done if a.command.idempotency is not None]
    inserted = await conn.fetchrow(  # always one row
        WRITE,
        *_entry_columns(done),
        *_balance_columns(done, state),
        *_counter_columns(done, state),
        *_token_columns(spent),
        *_key_columns(keyed),
    )
    assert inserted is not None
    if (inserted["tokens"], inserted["keys"]) != (len(spent), len(keyed)):
        raise RaceLost  # another transaction spent a token or wrote a key first: run the batch again
    await _write_holds(conn, done, state)
    await _write_rows(conn, done)


WRITE = """
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


def _entry_columns(done: list[Accepted]) -> list[list[Any]]:
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


def _balance_columns(done: list[Accepted], state: Batch) -> list[list[Any]]:
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


def _counter_columns(done: list[Accepted], state: Batch) -> list[list[Any]]:
    keys = sorted({lim.key for a in done for lim in a.command.limits})
    return [keys, [state.counters[k] for k in keys]]


def _token_columns(spent: list[tuple[Accepted, Once]]) -> list[list[Any]]:
    return [
        [once.token for _, once in spent],
        [a.command.entry_id if a.postings else None for a, _ in spent],
        [once.request_hash for _, once in spent],
        [_json(dict(a.result)) for a, _ in spent],
    ]


def _key_columns(keyed: list[tuple[Accepted, Idempotency]]) -> list[list[Any]]:
    return [
        [k.scope for _, k in keyed],
        [k.key for _, k in keyed],
        [k.request_hash for _, k in keyed],
        [_json(dict(a.result)) for a, _ in keyed],
        [a.command.entry_id if a.postings else None for a, _ in keyed],
    ]


async def _write_holds(conn: asyncpg.Connection, done: list[Accepted], state: Batch) -> None:
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


async def _write_rows(conn: asyncpg.Connection, done: list[Accepted]) -> None:
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


def _json(value: object) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
