"""A request that arrives just after the service's connections were cut (`pg_terminate_backend`: a restarted
pooler, a failover, an administrator) is answered as usual: a pooled connection found dead before the request
sent anything on it is replaced, and only a database that is really away answers 503."""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy.engine import make_url

from mitapo.engine.urls import with_database
from tests.api.conftest import Api


async def _terminate_the_service(url: str) -> int:
    """End every other session on the service's database and wait until each is gone; how many there were."""
    conn = await asyncpg.connect(with_database(url, "postgres"))
    try:
        ended = await conn.fetch(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            make_url(url).database,
        )
        return len(ended)
    finally:
        await conn.close()


def _use_every_pool(api: Api, admin: str) -> None:
    """Reads (the engine), secrets (the lookup pool) and writes (the writer) each hold a connection."""
    assert api.get("/v1/audit/trial-balance", admin).status_code == 200
    assert api.post("/v1/residents", admin, {"name": "三鷹 花子"}).status_code == 201
    assert api.get("/v1/audit/entries", admin).status_code == 200


def test_reads_right_after_the_connections_were_terminated(api: Api, admin: str) -> None:
    _use_every_pool(api, admin)
    assert asyncio.run(_terminate_the_service(api.runtime.db.url)) > 0
    answered = api.get("/v1/audit/trial-balance", admin)
    assert answered.status_code == 200, answered.text
    assert api.get("/v1/audit/entries", admin).status_code == 200
    created = api.post("/v1/residents", admin, {"name": "三鷹 次郎"})  # the writer reconnects by itself
    assert created.status_code == 201, created.text
