"""One PostgreSQL URL, spelled for each driver that needs it."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def plain_url(url: str) -> str:
    """`postgresql://...`, as asyncpg and psql take it."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlalchemy_url(url: str) -> str:
    """`postgresql+asyncpg://...`, as SQLAlchemy's async engine takes it."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)
