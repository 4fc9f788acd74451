"""The database refuses an entry of a kind the catalog does not hold: the `CHECK (kind IN (…))` on `entries`
lists exactly the catalog's kinds.

EXPECTED TO FAIL until migration 0017 (`CHECK (kind IN …)` on `entries`, written separately) lands: before it,
there is no such constraint and the first assertion says so. It is not skipped on purpose; once the migration
is in, it passes, and it fails again whenever a kind is added to the catalog without a migration (or to a
migration without the catalog).
"""

from __future__ import annotations

import asyncio
import re

import asyncpg
import pytest

from mitapo.engine.catalog import Kind
from mitapo.engine.urls import plain_url

pytestmark = pytest.mark.db

QUOTED = re.compile(r"'((?:[^']|'')*)'")
LISTING = re.compile(
    r"= ANY \(|\bIN \("
)  # `kind IN ('a', 'b')` as PostgreSQL shows it: `kind = ANY (ARRAY[…])`


async def _checks_on_kind(url: str) -> list[str]:
    conn = await asyncpg.connect(plain_url(url))
    try:
        rows = await conn.fetch(
            "SELECT pg_get_constraintdef(c.oid) AS definition FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey) "
            "WHERE c.conrelid = 'entries'::regclass AND c.contype = 'c' AND a.attname = 'kind'"
        )
    finally:
        await conn.close()
    return [str(row["definition"]) for row in rows]


def test_the_check_on_entries_kind_is_the_catalog(database_url: str) -> None:
    found = asyncio.run(_checks_on_kind(database_url))
    checks = [check for check in found if LISTING.search(check)]  # not 0001's `kind ~ '^[a-z]…'`
    assert len(checks) == 1, f"expected one CHECK (kind IN …) on entries (migration 0017), found {found}"
    kinds = {value.replace("''", "'") for value in QUOTED.findall(checks[0])}
    assert kinds == {kind.value for kind in Kind}, checks[0]
