"""Apply the Alembic migrations in `migrations/` to a database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from mitapo.engine.urls import sqlalchemy_url

REPO_ROOT = Path(__file__).resolve().parents[3]


def alembic_config(url: str) -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Blocking: call it from a thread when an event loop is running (env.py runs its own loop)."""
    command.upgrade(alembic_config(url), revision)
