"""The backup and restore drill (`make drill`), with the deploy scripts themselves: a primary with the deploy
settings archives its WAL (archive_wal.sh); entries are written; a base backup is taken (backup.sh); more
entries are written and a named restore point is set; yet more entries follow; the primary is lost. The
backup and the archive are restored into a new data directory up to the restore point (restore.sh), the
service starts on it, and `mitapo audit verify` shows the journal intact, holding exactly the entries
committed before that point and none after."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from pathlib import Path

import asyncpg
import pytest

from mitapo.audit import reports
from mitapo.engine import ledger, migrate
from mitapo.engine.urls import with_database
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from tests.deploy import drill
from tests.deploy.processes import service_env

RESTORE_POINT = "mitapo-drill"

pytestmark = pytest.mark.slow


async def _write(url: str, state: Path, amounts: list[int], *, reverse_first: bool = False) -> list[str]:
    """Entries through the service's own writer, sealed and checkpointed; returns their ids."""
    runtime = Runtime(Settings(data_dir=state), url)
    await runtime.start(migrate_first=False, background=False)
    try:
        ids = [str((await ledger.fund_program(runtime.db, "drill", amount)).entry_id) for amount in amounts]
        if reverse_first:
            ids.append(str((await ledger.reverse(runtime.db, ids[0], "drill correction")).entry_id))
        await runtime.checkpoint_now()
        return ids
    finally:
        await runtime.stop()


async def _sql(url: str, query: str) -> object:
    conn = await asyncpg.connect(url)
    try:
        return await conn.fetchval(query)
    finally:
        await conn.close()


async def _entry_ids(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        return {str(r["id"]) for r in await conn.fetch("SELECT id FROM entries")}
    finally:
        await conn.close()


async def _create_database(server: str) -> str:
    await _sql(server, "CREATE DATABASE mitapo")
    return with_database(server, "mitapo")


def test_point_in_time_restore_holds_exactly_the_entries_before_the_restore_point() -> None:
    with drill.drill_directory() as directory:
        archive = directory / "archive"
        state = directory / "state"  # the signing keys, kept apart from the database as in production
        source = drill.primary(directory, archive)
        source.start()
        try:
            url = asyncio.run(_create_database(source.url))
            migrate.upgrade(url)
            assert asyncio.run(_sql(url, "SHOW archive_mode")) == "on"
            assert asyncio.run(_sql(url, "SHOW synchronous_commit")) == "on"
            before_backup = asyncio.run(_write(url, state, [1000, 2000, 3000]))
            base = drill.backup(source, directory / "backups")
            after_backup = asyncio.run(_write(url, state, [400, 500], reverse_first=True))
            asyncio.run(_sql(url, f"SELECT pg_create_restore_point('{RESTORE_POINT}')::text"))
            lost = asyncio.run(_write(url, state, [7, 8, 9]))
            asyncio.run(_sql(url, "SELECT pg_switch_wal()::text"))  # the restore point's segment is complete
        finally:
            source.stop()  # a fast shutdown archives every completed segment first
        assert not list((source.pgdata / "pg_wal/archive_status").glob("*.ready")), "WAL left unarchived"

        restored = drill.restore(base, archive, directory / "restored", RESTORE_POINT)
        restored.start()
        try:
            restored_url = with_database(restored.url, "mitapo")
            assert asyncio.run(_sql(restored_url, "SELECT pg_is_in_recovery()")) is False
            kept = set(before_backup) | set(after_backup)
            assert asyncio.run(_entry_ids(restored_url)) == kept
            assert kept.isdisjoint(lost)

            verified = subprocess.run(
                [service_env(restored_url, state)["MITAPO_BIN"], "audit", "verify"],
                env=service_env(restored_url, state),
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert verified.returncode == 0, verified.stdout + verified.stderr
            report = json.loads(verified.stdout.strip().splitlines()[0])
            assert report["ok"] is True and report["entries_checked"] == len(kept)

            # The service runs on the restored journal and the chain goes on from its head.
            asyncio.run(_write(restored_url, state, [11]))
            assert asyncio.run(_verify(restored_url, state)) == (True, len(kept) + 1)
        finally:
            restored.stop()


async def _verify(url: str, state: Path) -> tuple[bool, int]:
    runtime = Runtime(Settings(data_dir=state), url)
    await runtime.start(migrate_first=False, background=False)
    try:
        result = await reports.verify(runtime.db)
        return result.ok, result.entries_checked
    finally:
        await runtime.stop()


def test_restore_refuses_a_data_directory_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / "in-use"
    target.mkdir()
    (target / "PG_VERSION").write_text("18\n")
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "backup_manifest").write_text("{}")
    (tmp_path / "archive").mkdir()
    done = subprocess.run(
        [
            str(drill.DEPLOY / "restore.sh"),
            str(tmp_path / "base"),
            str(tmp_path / "archive"),
            str(target),
            "--name",
            f"p-{uuid.uuid4().hex[:6]}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1 and "not empty" in done.stderr
    assert sorted(p.name for p in target.iterdir()) == ["PG_VERSION"]


def test_archive_never_overwrites_a_different_segment(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    archive.mkdir()
    segment = tmp_path / "000000010000000000000001"
    segment.write_bytes(b"first")
    script = str(drill.DEPLOY / "archive_wal.sh")
    assert subprocess.run([script, str(segment), segment.name, str(archive)], check=False).returncode == 0
    assert subprocess.run([script, str(segment), segment.name, str(archive)], check=False).returncode == 0
    segment.write_bytes(b"other")
    refused = subprocess.run(
        [script, str(segment), segment.name, str(archive)], capture_output=True, check=False
    )
    assert refused.returncode == 1
    assert (archive / segment.name).read_bytes() == b"first"
    assert sorted(p.name for p in archive.iterdir()) == [segment.name]
