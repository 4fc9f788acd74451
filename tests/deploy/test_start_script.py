"""deploy/migrate.sh then deploy/start.sh, as a host without systemd runs them: the service comes up as the
least-privileged role with two workers and answers /readyz; the tables belong to the owner."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import asyncpg
import httpx

from tests.deploy.conftest import Deployed
from tests.deploy.processes import DEPLOY, free_port, service_env, serving


async def _owners(url: str) -> set[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        )
        return {r["owner"] for r in rows}
    finally:
        await conn.close()


def test_start_script_serves_as_the_service_role(deployed: Deployed, tmp_path: Path) -> None:
    assert asyncio.run(_owners(deployed.admin_url)) == {deployed.roles["owner"]}
    port = free_port()
    env = service_env(deployed.service_url, tmp_path / "state", MITAPO_PORT=str(port), MITAPO_WORKERS="2")
    with serving([str(DEPLOY / "start.sh")], env, port, tmp_path / "start.log") as base_url:
        ready = httpx.get(f"{base_url}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}
        assert httpx.get(f"{base_url}/healthz", timeout=10).json() == {"status": "ok"}
        keys = httpx.get(f"{base_url}/v1/audit/public-keys", timeout=10).json()["keys"]
        assert len(keys) == 1, keys  # two workers, one signing key


def test_start_script_refuses_to_start_without_a_database_url(tmp_path: Path) -> None:
    env = service_env("", tmp_path)
    del env["MITAPO_DATABASE_URL"]
    done = subprocess.run([str(DEPLOY / "start.sh")], env=env, capture_output=True, text=True, check=False)
    assert done.returncode != 0
    assert "MITAPO_DATABASE_URL" in done.stderr


def test_service_role_cannot_apply_a_pending_migration(deployed: Deployed, tmp_path: Path) -> None:
    """A service started before its migration job fails loudly instead of running DDL as the service."""

    async def forget_last_migration() -> None:
        conn = await asyncpg.connect(deployed.owner_url)
        try:
            await conn.execute("UPDATE alembic_version SET version_num = '0001'")
        finally:
            await conn.close()

    asyncio.run(forget_last_migration())
    env = service_env(deployed.service_url, tmp_path)
    done = subprocess.run(
        [str(env["MITAPO_BIN"]), "migrate"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode != 0
    assert "permission denied" in done.stderr or "must be owner" in done.stderr, done.stderr
