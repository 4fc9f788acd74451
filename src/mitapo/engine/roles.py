"""Least privilege in PostgreSQL: who may do what to the journal.

Three roles. The *owner* owns the schema and runs migrations. The *service* is what `mitapo serve` connects
as: it may only INSERT and SELECT the journal tables, so even if a superuser disabled the append-only
triggers (or a bug slipped past them), the service itself still could not UPDATE, DELETE or TRUNCATE a
single entry. The *auditor* may only read.

Journal tables are found by their append-only trigger (any table whose trigger calls
`refuse_journal_change()`), so a journal table added by a later migration is protected without touching this
file. Everything here is idempotent: run it after every migration (the deploy's migration job does), as a
superuser the first time (to create the roles and hand the tables to the owner) and as the owner after that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import asyncpg

CORE_JOURNAL_TABLES = frozenset({"entries", "postings", "seals", "checkpoints", "spent_tokens"})
READ_ONLY_FOR_SERVICE = frozenset({"alembic_version"})  # only the owner's migrations move the schema
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

_JOURNAL_TABLES = """
    SELECT DISTINCT c.relname FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND t.tgfoid = 'public.refuse_journal_change()'::regprocedure
"""
_TABLES = """
    SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
"""
_FUNCTIONS = """
    SELECT p.oid::regprocedure::text AS signature, pg_get_userbyid(p.proowner) AS owner FROM pg_proc p
    JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
"""


@dataclass(frozen=True, slots=True)
class RoleNames:
    owner: str = "mitapo_owner"
    service: str = "mitapo_service"
    auditor: str = "mitapo_auditor"

    def __post_init__(self) -> None:
        for name in (self.owner, self.service, self.auditor):
            if not _NAME.match(name):
                raise ValueError(f"{name!r} is not a plain lower-case PostgreSQL role name")
        if len({self.owner, self.service, self.auditor}) != 3:
            raise ValueError("the owner, service and auditor roles must be three different roles")


@dataclass(frozen=True, slots=True)
class Applied:
    """What `apply` found and did, for the command line to report (never a password)."""

    created: tuple[str, ...]
    journal_tables: tuple[str, ...]
    other_tables: tuple[str, ...]


async def apply(
    conn: asyncpg.Connection, names: RoleNames, passwords: dict[str, str] | None = None
) -> Applied:
    """Create the roles that are missing, hand the schema to the owner, and grant exactly what each needs."""
    created = tuple([role for role in _all(names) if await _create_role(conn, role)])
    await _set_passwords(conn, passwords or {})
    await _hand_to_owner(conn, names.owner)
    journal, other = await _split_tables(conn)
    async with conn.transaction():
        await _grant(conn, names, journal, other)
    return Applied(created=created, journal_tables=tuple(sorted(journal)), other_tables=tuple(sorted(other)))


def _all(names: RoleNames) -> tuple[str, str, str]:
    return (names.owner, names.service, names.auditor)


async def _create_role(conn: asyncpg.Connection, role: str) -> bool:
    if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
        return False
    # NOSUPERUSER, NOCREATEDB, NOCREATEROLE and NOBYPASSRLS are the defaults; stated so that they are read.
    await conn.execute(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS")
    return True


async def _set_passwords(conn: asyncpg.Connection, passwords: dict[str, str]) -> None:
    """Keep the statement out of the server's log where we may (log_statement is a superuser setting)."""
    if not passwords:
        return
    async with conn.transaction():
        if await conn.fetchval("SELECT current_setting('is_superuser') = 'on'"):
            await conn.execute("SET LOCAL log_statement = 'none'")
        for role, password in passwords.items():
            await _execute_formatted(conn, "ALTER ROLE %I PASSWORD %L", role, password)


async def _execute_formatted(conn: asyncpg.Connection, template: str, *args: str) -> None:
    """Utility statements take no parameters: let the server quote names (%I) and literals (%L)."""
    placeholders = ", ".join(f"${i}::text" for i in range(1, len(args) + 1))
    await conn.execute(await conn.fetchval(f"SELECT format('{template}', {placeholders})", *args))


async def _hand_to_owner(conn: asyncpg.Connection, owner: str) -> None:
    """The owner owns the database, the schema and everything in it; needs a superuser the first time."""
    database = await conn.fetchval("SELECT current_database()")
    if (
        await conn.fetchval("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", database)
        != owner
    ):
        await _execute_formatted(conn, "ALTER DATABASE %I OWNER TO %I", database, owner)
    if (
        await conn.fetchval("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'")
        != owner
    ):
        await conn.execute(f"ALTER SCHEMA public OWNER TO {owner}")
    for row in await conn.fetch(_TABLES):
        if row["owner"] != owner:  # a table's sequences follow it
            await _execute_formatted(conn, "ALTER TABLE public.%I OWNER TO %I", row["relname"], owner)
    for row in await conn.fetch(_FUNCTIONS):
        if row["owner"] != owner:
            await conn.execute(f"ALTER FUNCTION {row['signature']} OWNER TO {owner}")


async def _split_tables(conn: asyncpg.Connection) -> tuple[set[str], set[str]]:
    tables = {r["relname"] for r in await conn.fetch(_TABLES)}
    journal = {r["relname"] for r in await conn.fetch(_JOURNAL_TABLES)} if "entries" in tables else set()
    missing = CORE_JOURNAL_TABLES & tables - journal
    if missing:
        raise RuntimeError(f"journal tables without their append-only trigger: {sorted(missing)}")
    return journal, tables - journal


async def _grant(conn: asyncpg.Connection, names: RoleNames, journal: set[str], other: set[str]) -> None:
    service, auditor = names.service, names.auditor
    await conn.execute(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {service}, {auditor}")
    await conn.execute(f"GRANT USAGE ON SCHEMA public TO {service}, {auditor}")
    for table in sorted(journal | other):
        await _execute_formatted(conn, "REVOKE ALL ON public.%I FROM PUBLIC, %I, %I", table, service, auditor)
        await _execute_formatted(conn, "GRANT SELECT ON public.%I TO %I, %I", table, service, auditor)
    for table in sorted(journal):
        await _execute_formatted(conn, "GRANT INSERT ON public.%I TO %I", table, service)
    for table in sorted(other - READ_ONLY_FOR_SERVICE):
        # State outside the journal (balances, holds, counters, the sealing queue) changes in place.
        await _execute_formatted(conn, "GRANT INSERT, UPDATE, DELETE ON public.%I TO %I", table, service)
    await conn.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {service}")
    await conn.execute(
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {names.owner} IN SCHEMA public "
        f"GRANT SELECT ON TABLES TO {auditor}"
    )
