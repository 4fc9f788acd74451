"""A fresh, empty database with its own owner, service and auditor roles, made the way a deployment makes it
(deploy/migrate.sh), for the tests that run the deploy scripts as processes."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mitapo.engine.urls import plain_url, with_database
from tests.deploy.processes import DEPLOY, service_env
from tests.deploy.sql import as_user, execute


@dataclass(frozen=True)
class Deployed:
    admin_url: str
    owner_url: str
    service_url: str
    auditor_url: str
    roles: dict[str, str]


@pytest.fixture
def deployed(pg_server: str, tmp_path: Path) -> Iterator[Deployed]:
    """deploy/migrate.sh on an empty database: roles as the superuser, migrations and grants as the owner."""
    suffix = uuid.uuid4().hex[:8]
    database = f"mitapo_deploy_{suffix}"
    roles = {"owner": f"own_{suffix}", "service": f"svc_{suffix}", "auditor": f"aud_{suffix}"}
    server = plain_url(pg_server)
    asyncio.run(execute(server, f'CREATE DATABASE "{database}"'))
    admin_url = with_database(server, database)
    env = service_env(
        admin_url,
        tmp_path,
        MITAPO_ADMIN_DATABASE_URL=admin_url,
        MITAPO_OWNER_DATABASE_URL=as_user(admin_url, roles["owner"]),
        MITAPO_DB_OWNER=roles["owner"],
        MITAPO_DB_SERVICE=roles["service"],
        MITAPO_DB_AUDITOR=roles["auditor"],
    )
    try:
        done = subprocess.run(
            [str(DEPLOY / "migrate.sh")], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
        yield Deployed(
            admin_url=admin_url,
            owner_url=as_user(admin_url, roles["owner"]),
            service_url=as_user(admin_url, roles["service"]),
            auditor_url=as_user(admin_url, roles["auditor"]),
            roles=roles,
        )
    finally:
        asyncio.run(execute(server, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        asyncio.run(execute(server, *(f"DROP ROLE IF EXISTS {role}" for role in roles.values())))
