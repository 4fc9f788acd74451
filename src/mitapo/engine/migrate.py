"""Apply the Alembic migrations in `migrations/` to a database."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from mitapo.engine.urls import plain_url, sqlalchemy_url

REPO_ROOT = Path(__file__).resolve().parents[3]


def alembic_config(url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking: call it from a thread when an event loop is running (env.py runs its own loop). Alembic's own
    lines ("Context impl PostgresqlImpl", one per step) stay out of the service's log: `upgrade_and_say` says
    what was done in one line."""
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.upgrade(alembic_config(url), revision)


def upgrade_and_say(url: str) -> str:
    """Upgrade to the head; one line saying from where to where."""
    before = asyncio.run(current_revision(url))
    upgrade(url)
    after = asyncio.run(current_revision(url))
    if before == after:
        return f"migrations: the database is up to date ({after})"
    return f"migrations: applied {before or 'none'} → {after}"


async def current_revision(url: str) -> str | None:
    conn = await asyncpg.connect(plain_url(url))
    try:
        exists = await conn.fetchval("SELECT to_regclass('alembic_version') IS NOT NULL")
        return await conn.fetchval("SELECT version_num FROM alembic_version") if exists else None
    finally:
        await conn.close()


def shown(url: str) -> str:
    """The URL to print: without its password."""
    return make_url(url).render_as_string(hide_password=True)
