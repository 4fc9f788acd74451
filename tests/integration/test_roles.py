"""Least privilege, proven on a real PostgreSQL: the service role may only INSERT and SELECT the journal, so
it cannot change a single entry even after a superuser has disabled the append-only triggers; the auditor may
only read; and the service still runs as that role (migration check, writer, sealer, checkpoints, audit)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import TestClient
from sqlalchemy.engine import make_url

from mitapo.accounts import auth
from mitapo.app import create_app
from mitapo.audit import reports
from mitapo.engine import ledger, roles
from mitapo.engine.urls import plain_url, with_database
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from tests.deploy.sql import as_user, execute

JOURNAL = sorted(roles.CORE_JOURNAL_TABLES)


@dataclass(frozen=True)
class Roles:
    names: roles.RoleNames
    superuser: str
    owner: str
    service: str
    auditor: str


async def _apply(url: str, names: roles.RoleNames) -> roles.Applied:
    conn = await asyncpg.connect(url)
    try:
        return await roles.apply(conn, names)
    finally:
        await conn.close()


@pytest.fixture
def least_privilege(database_url: str) -> Iterator[Roles]:
    """Roles are cluster-wide: each test gets its own names, and gives back what they owned afterwards."""
    suffix = uuid.uuid4().hex[:8]
    names = roles.RoleNames(f"own_{suffix}", f"svc_{suffix}", f"aud_{suffix}")
    superuser = plain_url(database_url)
    asyncio.run(_apply(superuser, names))
    yield Roles(
        names,
        superuser,
        as_user(superuser, names.owner),
        as_user(superuser, names.service),
        as_user(superuser, names.auditor),
    )
    # The roles own this test's database and nothing else: drop it first, then the roles.
    database = make_url(superuser).database
    server = with_database(superuser, "postgres")
    asyncio.run(execute(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    asyncio.run(
        execute(server, *(f"DROP ROLE {role}" for role in (names.owner, names.service, names.auditor)))
    )


async def _write_journal(url: str, data_dir: Path) -> None:
    """As the service: an entry, a reversal (a spent token), seals and a signed checkpoint in every table."""
    runtime = Runtime(Settings(data_dir=data_dir), url)
    await runtime.start(background=False)
    try:
        funded = await ledger.fund_program(runtime.db, "p1", 1000)
        await ledger.reverse(runtime.db, str(funded.entry_id), "typo")
        await ledger.fund_program(runtime.db, "p1", 700)
        assert await runtime.checkpoint_now() == 3
    finally:
        await runtime.stop()


async def _journal_fingerprint(url: str) -> list[tuple[str, int, str]]:
    conn = await asyncpg.connect(url)
    try:
        return [
            (
                table,
                await conn.fetchval(f"SELECT count(*) FROM {table}"),
                await conn.fetchval(f"SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"),
            )
            for table in JOURNAL
        ]
    finally:
        await conn.close()


CHANGES = {
    "entries": "memo = 'changed'",
    "postings": "amount = amount * 2",
    "seals": "sealed_at = now()",
    "checkpoints": "signed_at = now()",
    "spent_tokens": "result = NULL",
}


async def _refusals(url: str, table: str) -> list[str]:
    """Every way to change `table`, tried as one role; returns the error of each (all must be refused)."""
    statements = [
        f"UPDATE {table} SET {CHANGES[table]}",
        f"DELETE FROM {table}",
        f"TRUNCATE {table} CASCADE",
        f"ALTER TABLE {table} DISABLE TRIGGER ALL",
    ]
    conn = await asyncpg.connect(url)
    errors = []
    try:
        for statement in statements:
            with pytest.raises(asyncpg.InsufficientPrivilegeError) as refused:
                await conn.execute(statement)
            errors.append(str(refused.value))
    finally:
        await conn.close()
    return errors


async def _superuser_could_change(url: str, table: str) -> int:
    """With the triggers off, nothing but privileges stands in the way: the superuser can (and rolls back)."""
    conn = await asyncpg.connect(url)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            return int((await conn.execute(f"UPDATE {table} SET {CHANGES[table]}")).split()[-1])
        finally:
            await tx.rollback()
    finally:
        await conn.close()


def test_service_cannot_change_the_journal_even_with_triggers_disabled(
    least_privilege: Roles, tmp_path: Path
) -> None:
    asyncio.run(_write_journal(least_privilege.service, tmp_path))
    before = asyncio.run(_journal_fingerprint(least_privilege.superuser))
    assert all(count > 0 for _, count, _ in before), before
    asyncio.run(
        execute(least_privilege.superuser, *(f"ALTER TABLE {t} DISABLE TRIGGER USER" for t in JOURNAL))
    )
    for table in JOURNAL:
        assert asyncio.run(_superuser_could_change(least_privilege.superuser, table)) > 0
        errors = asyncio.run(_refusals(least_privilege.service, table))
        assert all("permission denied" in e or "must be owner" in e for e in errors), errors
        assert not any("append-only" in e for e in errors)  # refused by privileges, not by a trigger
    assert asyncio.run(_journal_fingerprint(least_privilege.superuser)) == before


def test_auditor_reads_everything_and_changes_nothing(least_privilege: Roles, tmp_path: Path) -> None:
    asyncio.run(_write_journal(least_privilege.service, tmp_path))
    before = asyncio.run(_journal_fingerprint(least_privilege.superuser))
    assert asyncio.run(_journal_fingerprint(least_privilege.auditor)) == before
    for table in JOURNAL:
        assert all(
            "permission denied" in e or "must be owner" in e
            for e in asyncio.run(_refusals(least_privilege.auditor, table))
        )

    async def inserts() -> None:
        conn = await asyncpg.connect(least_privilege.auditor)
        try:
            for statement in (
                "INSERT INTO counters (key, value) VALUES ('x', 1)",
                "INSERT INTO principals (id, role, name, secret_hash) VALUES ('p', 'admin', 'n', 'h')",
                "CREATE TABLE sneaky (x int)",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(inserts())


def test_service_runs_the_http_app_writer_and_sealer_as_that_role(
    least_privilege: Roles, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600)
    with TestClient(create_app(settings, url=least_privilege.service)) as client:
        runtime: Runtime = client.app.state.runtime
        call = client.blocking_portal.call

        async def whoami() -> str:
            async with runtime.db.raw() as conn:
                return str(await conn.fetchval("SELECT current_user"))

        assert call(whoami) == least_privilege.names.service
        assert client.get("/readyz").status_code == 200
        _, admin = call(auth.create_principal, runtime.db, "admin", "clerk")
        funded = call(ledger.fund_program, runtime.db, "p", 500)
        headers = {"Authorization": f"Bearer {admin}", "Idempotency-Key": "k"}
        path = f"/v1/entries/{funded.entry_id}/reversal"
        first = client.post(path, json={"reason": "typo"}, headers=headers)
        assert first.status_code == 201, first.text
        again = client.post(path, json={"reason": "typo"}, headers=headers)
        assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
        assert call(runtime.checkpoint_now) == 2
        verification = call(reports.verify, runtime.db)
        assert verification.ok and verification.entries_checked == 2, verification.problems


def test_roles_apply_again_as_the_owner_and_keep_journal_tables_insert_only(least_privilege: Roles) -> None:
    applied = asyncio.run(_apply(least_privilege.owner, least_privilege.names))
    assert applied.created == ()
    assert set(JOURNAL) <= set(applied.journal_tables)
    assert {"balances", "holds", "counters", "idempotency_keys"} <= set(applied.other_tables)

    async def privileges() -> dict[str, set[str]]:
        conn = await asyncpg.connect(least_privilege.superuser)
        try:
            rows = await conn.fetch(
                "SELECT table_name, privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = $1",
                least_privilege.names.service,
            )
        finally:
            await conn.close()
        granted: dict[str, set[str]] = {}
        for row in rows:
            granted.setdefault(row["table_name"], set()).add(row["privilege_type"])
        return granted

    granted = asyncio.run(privileges())
    for table in JOURNAL:
        assert granted[table] == {"SELECT", "INSERT"}, table
    assert granted["alembic_version"] == {"SELECT"}
    assert granted["balances"] == {"SELECT", "INSERT", "UPDATE", "DELETE"}


def test_role_names_are_checked() -> None:
    with pytest.raises(ValueError, match="plain lower-case"):
        roles.RoleNames(owner="x; DROP TABLE entries")
    with pytest.raises(ValueError, match="three different"):
        roles.RoleNames(owner="same", service="same", auditor="other")
