"""Residents and what their wallets hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Column, MetaData, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TIMESTAMP

from mitapo.db.models import Balance

residents = Table(
    "residents",
    MetaData(),
    Column("id", Text, primary_key=True),
    Column("name", Text),
    Column("fare_category", Text),
    Column("created_at", TIMESTAMP(timezone=True)),
    Column("closed_at", TIMESTAMP(timezone=True)),
)


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
    money = sum(r.normal_sign * r.posted - r.pending for r in rows if r.asset == "JPY")
    lots = sorted(
        (r.expires_on, r.normal_sign * r.posted - r.pending)
        for r in rows
        if r.asset == "PT" and r.expires_on is not None and r.normal_sign * r.posted - r.pending > 0
    )
    return Wallet(money=money, lots=tuple(lots))
