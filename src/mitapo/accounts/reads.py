"""Residents and what their wallets hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts.numbers import LENGTH as NUMBER_LENGTH
from mitapo.accounts.tables import residents
from mitapo.engine.tables import Balance


@dataclass(frozen=True, slots=True)
class ResidentView:
    id: str
    name: str
    fare_category: str
    closed_at: datetime | None
    number: str


@dataclass(frozen=True, slots=True)
class Wallet:
    money: int
    lots: tuple[tuple[date, int], ...]  # (expires_on, points) of every lot with points, soonest first


async def get(conn: AsyncConnection, resident_id: str) -> ResidentView | None:
    row = (await conn.execute(select(residents).where(residents.c.id == resident_id))).first()
    return None if row is None else _view(row)


async def by_number(conn: AsyncConnection, number: str) -> ResidentView | None:
    row = (await conn.execute(select(residents).where(residents.c.number == number))).first()
    return None if row is None else _view(row)


async def numbers_taken(conn: AsyncConnection, candidates: list[str]) -> set[str]:
    """Which of the candidate numbers residents hold already."""
    found = await conn.execute(select(residents.c.number).where(residents.c.number.in_(candidates)))
    return {str(number) for (number,) in found.all()}


def _view(row: Any) -> ResidentView:
    return ResidentView(row.id, row.name, row.fare_category, row.closed_at, row.number)


async def wallet(conn: AsyncConnection, owner: str) -> Wallet:
    rows = (
        await conn.execute(
            select(
                Balance.asset, Balance.expires_on, Balance.posted, Balance.pending, Balance.normal_sign
            ).where(Balance.owner == owner)
        )
    ).all()
    return _wallet_of(rows)


async def with_wallet(
    conn: asyncpg.Connection, resident_id: str, owner: str
) -> tuple[ResidentView | None, Wallet]:
    """`get` and `wallet` in one round trip on the lookup pool (`Database.lookup`): `GET /v1/me` is the
    residents' hot read. One row per balance, the resident's columns repeated (one row of NULLs, which
    `_wallet_of` passes over, if none)."""
    rows = await conn.fetch(
        "SELECT r.id, r.name, r.fare_category, r.closed_at, r.number,"
        " b.asset, b.expires_on, b.posted, b.pending, b.normal_sign"
        " FROM residents r LEFT JOIN balances b ON b.owner = $2 WHERE r.id = $1",
        resident_id,
        owner,
    )
    if not rows:
        return None, Wallet(money=0, lots=())
    return ResidentView(*tuple(rows[0])[:5]), _wallet_of(tuple(row)[5:] for row in rows)


def _wallet_of(rows: Iterable[Any]) -> Wallet:
    """Rows of (asset, expires_on, posted, pending, normal_sign), from either connection kind."""
    money, lots = 0, []
    for asset, expires_on, posted, pending, normal_sign in rows:
        available = normal_sign * posted - pending
        if asset == "JPY":
            money += available
        elif asset == "PT" and expires_on is not None and available > 0:
            lots.append((expires_on, available))
    return Wallet(money=money, lots=tuple(sorted(lots)))


@dataclass(frozen=True, slots=True)
class ResidentFound:
    """A resident as the counter's search lists them: enough to tell two of a name apart and to know which
    procedure is due (a phone registered? a card?)."""

    id: str
    number: str
    name: str
    fare_category: str
    created_at: datetime
    closed_at: datetime | None
    passkeys: int  # phones that sign in as the resident now


# The typed text as the names' search key (`residents.name_key`, migration 0026): NFKC (full-width letters and
# digits, half-width kana and the ideographic space fold to their usual forms), lower case, without spaces
# ("井口太郎" finds "井口 太郎").
_NEEDLE = "replace(lower(normalize($1::text, NFKC)), ' ', '')"
_FOUND = (
    "SELECT r.id, r.number, r.name, r.fare_category, r.created_at, r.closed_at,"
    " (SELECT count(*) FROM passkeys p WHERE p.resident_id = r.id AND p.removed_at IS NULL)::int"
    " FROM residents r"
)


async def search_by_name(conn: asyncpg.Connection, typed: str, limit: int) -> list[ResidentFound]:
    """Residents whose name holds `typed`: the exact name first, then names starting with it, then the rest;
    open accounts before closed ones; then by name. A scan of the residents' search keys, about 70 ms for
    190,000 residents on the development machine: the counter asks now and then, on nobody's hot path."""
    key, needle = "r.name_key", _NEEDLE
    rows = await conn.fetch(
        f"{_FOUND} WHERE strpos({key}, {needle}) > 0"
        f" ORDER BY {key} = {needle} DESC, strpos({key}, {needle}) = 1 DESC, r.closed_at IS NOT NULL,"
        " r.name, r.created_at, r.id LIMIT $2",
        typed,
        limit,
    )
    return [ResidentFound(*row) for row in rows]


async def search_by_number(conn: asyncpg.Connection, digits: str, limit: int) -> list[ResidentFound]:
    """Residents whose number starts with `digits`, by number: a range of the unique index on numbers (all
    eight digits: the one resident). Numbers are digits of one length, so they sort alike in any collation."""
    if len(digits) == NUMBER_LENGTH:
        rows = await conn.fetch(f"{_FOUND} WHERE r.number = $1", digits)
        return [ResidentFound(*row) for row in rows]
    after = str(int(digits) + 1).zfill(len(digits))  # the first prefix past `digits`; "10000" past "9999"
    below = "" if len(after) > len(digits) else " AND r.number < $3"
    rows = await conn.fetch(
        f"{_FOUND} WHERE r.number >= $1{below} ORDER BY r.number LIMIT $2",
        digits,
        limit,
        *([after] if below else []),
    )
    return [ResidentFound(*row) for row in rows]
