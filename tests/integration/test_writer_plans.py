"""The writer's statements cost per row of the batch, never per row of a table.

The journal grows by thousands of rows a second, and the statistics the planner works from lag behind it. Left
to the planner, the balance locks hashed the whole balances table on every batch and the idempotency look-up
read the whole of idempotency_keys one batch in four: the benchmark's seq_scan counters showed it, and a cost
that grows with the number of accounts and with every request ever answered. Here the tables are filled well
past what their statistics say, and every statement of a batch is planned on the writer's own connection, both
as a generic plan (the one the writer's connection uses: `writer_sql.LANE_SETTINGS`) and with a batch's real
parameters: no plan may read a whole table.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from mitapo.engine import writer_sql
from mitapo.engine.writer import _Lane

pytestmark = pytest.mark.db

ACCOUNTS, KEYS, TOKENS, COUNTERS = 3_000, 20_000, 5_000, 5_000
BATCH = 32

FILL = (
    (
        "INSERT INTO accounts (code, kind) SELECT 'acct:' || i, 'liability' FROM generate_series(1, $1) AS i",
        ACCOUNTS,
    ),
    (
        "INSERT INTO balances (account, asset, normal_sign, may_go_negative) "
        "SELECT 'acct:' || i, 'PT', -1, false FROM generate_series(1, $1) AS i",
        ACCOUNTS,
    ),
    (
        "INSERT INTO idempotency_keys (scope, key, request_hash, result) "
        "SELECT 'bench', 'key-' || i, '\\x00'::bytea, '{}'::jsonb FROM generate_series(1, $1) AS i",
        KEYS,
    ),
    ("INSERT INTO spent_tokens (token) SELECT 'token-' || i FROM generate_series(1, $1) AS i", TOKENS),
    (
        "INSERT INTO counters (key, value) SELECT 'counter-' || i, 0 FROM generate_series(1, $1) AS i",
        COUNTERS,
    ),
)


async def fill(conn: asyncpg.Connection) -> None:
    """Rows far beyond what the statistics (taken while the tables were empty) know of."""
    await conn.execute("ANALYZE")
    for statement, rows in FILL:
        await conn.execute(statement, rows)


def batch_parameters() -> dict[str, list[Any]]:
    """A batch of 32 transfers as the writer would send its statements, parameter by parameter."""
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in range(BATCH)]
    accounts = [f"acct:{i}" for i in range(1, 2 * BATCH + 1)]
    owners, none = [f"resident-{i}" for i in range(BATCH)], [None] * BATCH
    entries = [ids, ["transfer"] * BATCH, [""] * BATCH, [now] * BATCH, ["{}"] * BATCH, none]
    postings = [
        ids * 2,
        [0] * BATCH + [1] * BATCH,
        accounts,
        ["PT"] * 2 * BATCH,
        [1] * BATCH + [-1] * BATCH,
        [1] * 2 * BATCH,
        [1] * 2 * BATCH,
        [now] * 2 * BATCH,
    ]
    balances = [accounts, ["PT"] * 2 * BATCH, [1] * 2 * BATCH, [0] * 2 * BATCH, [1] * 2 * BATCH]
    counters = [[f"counter-{i}" for i in range(BATCH)], [1] * BATCH]
    tokens = [[f"token-{i}" for i in range(BATCH)], ids, [b"\x00"] * BATCH, ["{}"] * BATCH]
    keys = [["bench"] * BATCH, [f"key-{i}" for i in range(BATCH)], [b"\x00"] * BATCH, ["{}"] * BATCH, ids]
    return {
        "LOCK_BALANCES": [accounts, ["PT"] * 2 * BATCH, owners],
        "LOOK_UP": [keys[0], keys[1], tokens[0]],
        "PREPARE": [accounts, ["PT"] * 2 * BATCH, owners, counters[0], keys[0], keys[1], tokens[0]],
        "WRITE": [*entries, *postings, *balances, *counters, *tokens, *keys],
    }


def seq_scans(plan: dict[str, Any]) -> Iterator[str]:
    if plan.get("Node Type") == "Seq Scan":
        yield plan.get("Relation Name", "?")
    for child in plan.get("Plans", ()):
        yield from seq_scans(child)


async def plans(conn: asyncpg.Connection, statement: str, parameters: list[Any]) -> dict[str, list[str]]:
    """The tables each way of planning `statement` reads whole: the generic plan (the one a prepared statement
    may settle on) and the custom plan for these parameters. Prepared and explained, never run."""
    prepared = await conn.prepare(statement)
    types = [await conn.fetchval("SELECT format_type($1, NULL)", t.oid) for t in prepared.get_parameters()]
    await conn.execute(f"PREPARE probe ({', '.join(types)}) AS {statement}")
    arguments = ", ".join(
        [
            f"{await conn.fetchval(f'SELECT quote_literal($1::{t}::text)', v)}::{t}"
            for t, v in zip(types, parameters, strict=True)
        ]
    )
    found: dict[str, list[str]] = {}
    for way in ("generic", "custom"):
        await conn.execute(f"SET plan_cache_mode = force_{way}_plan")
        [row] = await conn.fetch(f"EXPLAIN (FORMAT JSON) EXECUTE probe ({arguments})")
        found[way] = list(seq_scans(json.loads(row[0])[0]["Plan"]))
    return found


@pytest.mark.parametrize("name", ["LOCK_BALANCES", "LOOK_UP", "PREPARE", "WRITE"])
def test_no_statement_of_a_batch_reads_a_whole_table(database_url: str, name: str) -> None:
    async def main() -> dict[str, list[str]]:
        conn = await asyncpg.connect(database_url)
        try:
            await fill(conn)
        finally:
            await conn.close()
        lane = _Lane(database_url)  # the writer's own connection, with its settings
        await lane.connect()
        try:
            assert lane._conn is not None
            return await plans(lane._conn, getattr(writer_sql, name), batch_parameters()[name])
        finally:
            await lane.close()

    found = asyncio.run(main())
    assert found == {"generic": [], "custom": []}, f"{name} reads whole tables: {found}"
