"""One description of the schema: the migrations make it, the table objects in code describe it, and this
test holds the two together. It migrates a fresh database, reflects it, and compares every table with the
code's: the same tables, and in each the same columns (type, nullability, computed or not) and primary key.
A column added by a migration and not to its `tables.py` (or the reverse) fails here, not in production."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import pkgutil
from collections.abc import Mapping

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, inspect
from sqlalchemy.engine import Dialect, Inspector
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.types import TypeEngine

import mitapo
from mitapo.engine.tables import metadata
from mitapo.engine.urls import sqlalchemy_url

NOT_IN_CODE = {
    "alembic_version": "Alembic's own record of the migrated revision; the service never reads or writes it",
}
"""Tables the migrated database has that no `tables.py` describes, each with the reason."""


def code_tables() -> Mapping[str, Table]:
    """Every table in code: the engine's and each capability's `tables` module, all on the one metadata."""
    for package in pkgutil.iter_modules(mitapo.__path__, "mitapo."):
        if package.ispkg and importlib.util.find_spec(f"{package.name}.tables") is not None:
            importlib.import_module(f"{package.name}.tables")
    return metadata.tables


def _compare(database_url: str, tables: Mapping[str, Table]) -> dict[str, list[str]]:
    """`_differences` between `tables` and the database reflected at `database_url`."""

    async def run() -> dict[str, list[str]]:
        engine = create_async_engine(sqlalchemy_url(database_url))
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(lambda sync: _differences(tables, inspect(sync)))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _differences(tables: Mapping[str, Table], db: Inspector) -> dict[str, list[str]]:
    """What differs, by table: empty when the code describes the database exactly."""
    found: dict[str, list[str]] = {}
    in_db = set(db.get_table_names())
    for name in sorted(in_db - set(tables) - set(NOT_IN_CODE)):
        found[name] = ["in the database, not in code"]
    for name, table in sorted(tables.items()):
        if name not in in_db:
            found[name] = ["in code, not in the database"]
            continue
        problems = _table_differences(table, db)
        if problems:
            found[name] = problems
    return found


def _table_differences(table: Table, db: Inspector) -> list[str]:
    reflected = {c["name"]: c for c in db.get_columns(table.name)}
    problems = [f"{n}: in the database, not in code" for n in sorted(set(reflected) - set(table.c.keys()))]
    for column in table.columns:
        actual = reflected.get(column.name)
        if actual is None:
            problems.append(f"{column.name}: in code, not in the database")
            continue
        problems += _column_differences(column, actual, db.dialect)
    primary_key = sorted(db.get_pk_constraint(table.name)["constrained_columns"])
    if primary_key != sorted(c.name for c in table.primary_key.columns):
        problems.append(
            f"primary key: database {primary_key}, code {sorted(table.primary_key.columns.keys())}"
        )
    return problems


def _column_differences(column: Column[object], actual: Mapping[str, object], dialect: Dialect) -> list[str]:
    problems = []
    code_type, db_type = _spelled(column.type, dialect), _spelled(actual["type"], dialect)
    if code_type != db_type:
        problems.append(f"{column.name}: type {db_type} in the database, {code_type} in code")
    if column.nullable != actual["nullable"]:
        problems.append(
            f"{column.name}: nullable {actual['nullable']} in the database, {column.nullable} in code"
        )
    if (column.computed is not None) != bool(actual.get("computed")):
        problems.append(f"{column.name}: computed in only one of the database and code")
    return problems


def _spelled(type_: object, dialect: Dialect) -> str:
    """A type as PostgreSQL spells it (`TIMESTAMP WITH TIME ZONE`, `TEXT[]`): equal spellings, same type."""
    assert isinstance(type_, TypeEngine)
    return str(type_.compile(dialect=dialect))


def test_every_table_in_code_matches_the_migrated_database(database_url: str) -> None:
    assert _compare(database_url, code_tables()) == {}


def test_only_alembic_bookkeeping_is_left_out_of_code() -> None:
    assert set(NOT_IN_CODE) == {"alembic_version"}
    assert not set(NOT_IN_CODE) & set(code_tables())


def test_a_column_typed_differently_in_code_is_caught(database_url: str) -> None:
    """The comparison can fail: one column's type changed in a copy of the code's tables is reported."""
    copy = MetaData()
    for table in code_tables().values():
        table.to_metadata(copy)
    assert isinstance(copy.tables["payments"].c.amount.type, BigInteger)
    copy.tables["payments"].c.amount.type = Integer()

    assert _compare(database_url, copy.tables) == {
        "payments": ["amount: type BIGINT in the database, INTEGER in code"]
    }
