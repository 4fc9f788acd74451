"""The migrations: from an empty database to head, back down and up again; every append-only table refuses
changes always (also in replica mode), which 0004's three tables did not before 0016; the SQL files split
into the statements asyncpg runs one at a time."""

from __future__ import annotations

import asyncio
import importlib.util
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import pytest
from alembic import command

from mitapo.engine import migrate
from mitapo.engine.urls import with_database
from tests.conftest import drop_database
from tests.integration.append_only import append_only_tables, not_always_refusing

MIGRATIONS = Path(migrate.__file__).resolve().parents[3] / "migrations"
MONEY_TRAIL = {"topups", "donations", "closures"}  # 0004's tables, not ENABLE ALWAYS before 0016

# What a migrated schema is: compared after a downgrade and an upgrade (data rows and times left out).
CATALOG = (
    "SELECT c.relname, c.relkind::text, c.relpersistence::text FROM pg_class c "
    "WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1",
    "SELECT table_name, column_name, data_type, column_default, is_nullable, generation_expression "
    "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint "
    "WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
    "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
    "SELECT tgrelid::regclass::text, tgname, tgenabled::text, pg_get_triggerdef(oid) FROM pg_trigger "
    "WHERE NOT tgisinternal ORDER BY 1, 2",
    "SELECT oid::regprocedure::text, pg_get_functiondef(oid) FROM pg_proc "
    "WHERE pronamespace = 'public'::regnamespace ORDER BY 1",
)


def _sqlscripts() -> ModuleType:
    """migrations/sqlscripts.py, which alembic's env.py puts on the path for the revisions."""
    spec = importlib.util.spec_from_file_location("sqlscripts", MIGRATIONS / "sqlscripts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def empty_url(pg_server: str) -> Iterator[str]:
    """A database with nothing in it, not even the migrations' version table."""
    name = f"mitapo_empty_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(pg_server, f'CREATE DATABASE "{name}"'))
    url = with_database(pg_server, name)
    yield url
    asyncio.run(drop_database(pg_server, url))


async def _admin(server: str, sql: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _ask(url: str, question: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
    """The answer of one catalog question, on a connection of its own."""

    async def main() -> Any:
        conn = await asyncpg.connect(url)
        try:
            return await question(conn)
        finally:
            await conn.close()

    return asyncio.run(main())


async def _catalog(conn: asyncpg.Connection) -> list[list[tuple[object, ...]]]:
    return [[tuple(row) for row in await conn.fetch(query)] for query in CATALOG]


async def _version(conn: asyncpg.Connection) -> str:
    return str(await conn.fetchval("SELECT version_num FROM alembic_version"))


@pytest.mark.db
def test_every_append_only_table_refuses_changes_always(database_url: str) -> None:
    """Over every table whose triggers call refuse_journal_change(): UPDATE, DELETE and TRUNCATE refused by
    triggers enabled ALWAYS, so that replica mode cannot turn them off."""
    tables = _ask(database_url, append_only_tables)
    assert {"entries", "postings", "checkins", "fare_rules"} | MONEY_TRAIL <= tables
    assert _ask(database_url, not_always_refusing) == {}


@pytest.mark.db
def test_before_0016_the_money_trail_did_not_refuse_in_replica_mode(empty_url: str) -> None:
    """The defect 0016 fixes, found by the same check: on a database as 0015 left it, exactly 0004's tables
    have triggers that are not enabled ALWAYS; upgrading fixes them in place."""
    migrate.upgrade(empty_url, "0015")
    problems = _ask(empty_url, not_always_refusing)
    assert set(problems) == MONEY_TRAIL, problems
    migrate.upgrade(empty_url)
    assert _ask(empty_url, not_always_refusing) == {}


@pytest.mark.db
def test_downgrade_to_the_first_revision_and_upgrade_again(empty_url: str) -> None:
    """Every revision after 0001 can be undone (0001's journal is never dropped), and doing them again
    gives the same schema, triggers and functions as the first upgrade."""
    migrate.upgrade(empty_url)
    head = _ask(empty_url, _version)
    migrated = _ask(empty_url, _catalog)
    command.downgrade(migrate.alembic_config(empty_url), "0001")
    assert _ask(empty_url, _version) == "0001"
    assert "topups" not in _ask(empty_url, append_only_tables)
    migrate.upgrade(empty_url)
    assert _ask(empty_url, _version) == head
    assert _ask(empty_url, _catalog) == migrated


SCRIPT = r"""
-- a comment; with a semicolon
CREATE TABLE t (a text CHECK (a <> ';'), "odd;name" int);
/* a block; comment */
CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RETURN 'a;b' || $x$;$x$;
END $$;
CREATE FUNCTION g(int) RETURNS int LANGUAGE sql AS $fn$ SELECT $1; $fn$;
SELECT 'it''s; here', a$b FROM t
-- the end; nothing after
"""


def test_scripts_split_on_the_semicolons_that_end_statements() -> None:
    """Not on those in comments, strings, quoted names or dollar-quoted bodies; comments stay with the
    statement they precede, and a tail of comments is no statement."""
    assert _sqlscripts().statements(SCRIPT) == [
        "-- a comment; with a semicolon\n"
        """CREATE TABLE t (a text CHECK (a <> ';'), "odd;name" int)""",
        "/* a block; comment */\n"
        "CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "    RETURN 'a;b' || $x$;$x$;\n"
        "END $$",
        "CREATE FUNCTION g(int) RETURNS int LANGUAGE sql AS $fn$ SELECT $1; $fn$",
        "SELECT 'it''s; here', a$b FROM t\n-- the end; nothing after",
    ]


@pytest.mark.parametrize("broken", ["SELECT 'open", "SELECT $$ open", 'SELECT "open'])
def test_an_unterminated_quote_is_refused(broken: str) -> None:
    with pytest.raises(ValueError, match="unterminated"):
        _sqlscripts().statements(broken)


def test_every_revision_has_its_sql_beside_it() -> None:
    """A revision names no SQL file that is missing, and no SQL file is left without its revision."""
    versions = MIGRATIONS / "versions"
    revisions = {path.stem for path in versions.glob("*.py")}
    for sql in versions.glob("*.sql"):
        assert sql.stem.removesuffix("_downgrade") in revisions, sql.name
    for revision in revisions:
        assert (versions / f"{revision}.sql").exists(), revision
