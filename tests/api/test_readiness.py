"""/readyz means something: it fails while the database refuses connections or the sealer has not sealed
for too long, and recovers by itself when they do; /healthz only says the process is up."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from mitapo.engine.urls import with_database
from mitapo.http import system
from tests.api.conftest import Api


async def _allow_connections(url: str, allowed: bool) -> None:
    database = make_url(url).database
    conn = await asyncpg.connect(with_database(url, "postgres"))
    try:
        await conn.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
    finally:
        await conn.close()


def test_readyz_fails_while_the_database_refuses_connections(api: Api) -> None:
    url = api.runtime.db.url
    assert api.client.get("/readyz").status_code == 200
    asyncio.run(_allow_connections(url, False))
    try:
        down = api.client.get("/readyz")
        assert down.status_code == 503 and down.json()["code"] == "database_unavailable"
        assert api.client.get("/healthz").status_code == 200
    finally:
        asyncio.run(_allow_connections(url, True))
    assert api.client.get("/readyz").status_code == 200


def test_readyz_consults_the_sealer(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """How long is too long is the service's setting; here any time since the last seal is too long."""
    assert api.runtime.background_running
    monkeypatch.setattr(system, "SEALER_STUCK_SECONDS", -1.0)
    stuck = api.client.get("/readyz")
    assert stuck.status_code == 503 and stuck.json()["code"] == "sealer_stuck"
    monkeypatch.undo()
    assert api.client.get("/readyz").status_code == 200
