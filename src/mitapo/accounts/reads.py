"""Residents and what their wallets hold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts.tables import residents
from mitapo.engine.tables import Balance


@dataclass(frozen=True, slots=True)
class ResidentView:
    id: str
    name: str
    fare_category: str
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Wallet:
    money: int
    lots: tuple[tuple[date, int], ...]  # (expires_on, points) of every lot with points, soonest first


async def get(conn: AsyncConnection, resident_id: str) -> ResidentView | None:
    row = (await conn.execute(select(residents).where(residents.c.id == resident_id))).first()
    return None if row is None else ResidentView(row.id, row.name, row.fare_category, row.closed_at)


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
        "SELECT r.id, r.name, r.fare_category, r.closed_at,"
        " b.asset, b.expires_on, b.posted, b.pending, b.normal_sign"
        " FROM residents r LEFT JOIN balances b ON b.owner = $2 WHERE r.id = $1",
        resident_id,
        owner,
    )
    if not rows:
        return None, Wallet(money=0, lots=())
    return ResidentView(*tuple(rows[0])[:4]), _wallet_of(tuple(row)[4:] for row in rows)


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
