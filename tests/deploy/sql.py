"""Small helpers for tests that act as several PostgreSQL roles on one server."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

from mitapo.engine.urls import plain_url


def as_user(url: str, user: str) -> str:
    """The same server and database, as another role (trust authentication on the test servers)."""
    return make_url(plain_url(url)).set(username=user, password=None).render_as_string(hide_password=False)


async def execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()
