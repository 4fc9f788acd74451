"""Which tables PostgreSQL keeps append-only, read from the catalog rather than from a list in a test.

A table is append-only when it has the triggers that call `refuse_journal_change()`: one per row on UPDATE
and DELETE, one per statement on TRUNCATE. Each must be enabled ALWAYS (`tgenabled = 'A'`), or it does not
fire under `session_replication_role = replica`.
"""

from __future__ import annotations

import asyncpg

_REFUSING_TRIGGERS = """
    SELECT c.relname AS table_name, t.tgname, t.tgenabled::text AS tgenabled,
           (t.tgtype & 1) <> 0 AS per_row, (t.tgtype & 8) <> 0 AS on_delete,
           (t.tgtype & 16) <> 0 AS on_update, (t.tgtype & 32) <> 0 AS on_truncate
    FROM pg_trigger t
    JOIN pg_proc p ON p.oid = t.tgfoid
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE p.proname = 'refuse_journal_change' AND n.nspname = 'public' AND NOT t.tgisinternal
"""


async def append_only_tables(conn: asyncpg.Connection) -> frozenset[str]:
    """Every table with at least one trigger that calls `refuse_journal_change()`."""
    return frozenset(row["table_name"] for row in await conn.fetch(_REFUSING_TRIGGERS))


async def not_always_refusing(conn: asyncpg.Connection) -> dict[str, list[str]]:
    """Per append-only table, what is wrong with its refusals: a trigger not enabled ALWAYS, or a change
    (UPDATE, DELETE, TRUNCATE) that no trigger refuses. Empty when every one refuses all three always."""
    rows = await conn.fetch(_REFUSING_TRIGGERS)
    problems: dict[str, list[str]] = {}
    for table in sorted({row["table_name"] for row in rows}):
        mine = [row for row in rows if row["table_name"] == table]
        found = [
            f"{row['tgname']} is enabled {row['tgenabled']!r}, not 'A'"
            for row in mine
            if row["tgenabled"] != "A"
        ]
        covered = {
            "UPDATE": any(row["per_row"] and row["on_update"] for row in mine),
            "DELETE": any(row["per_row"] and row["on_delete"] for row in mine),
            "TRUNCATE": any(row["on_truncate"] for row in mine),
        }
        found += [f"no trigger refuses {change}" for change, yes in covered.items() if not yes]
        if found:
            problems[table] = found
    return problems
