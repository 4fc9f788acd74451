"""The reads the money services need: recipients and their public donations, campaigns, matching offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Table,
    and_,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from mitapo.accounts.tables import residents
from mitapo.engine.tables import Balance, Counter, Entry, Posting
from mitapo.money.tables import campaigns, donations, matching_recipients, matchings, recipients
from mitapo.points.tables import programs


@dataclass(frozen=True, slots=True)
class RecipientView:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class PublicDonation:
    """A donation as the public sees it: an anonymous donor has no name here."""

    donor: str | None
    points: int
    donated_at: datetime


@dataclass(frozen=True, slots=True)
class CampaignView:
    id: str
    program_id: str
    rate_percent: int
    per_resident_cap: int
    points_valid_days: int


@dataclass(frozen=True, slots=True)
class MatchingView:
    id: str
    program_id: str
    rate_percent: int
    per_donation_cap: int
    total_cap: int | None


async def recipient(conn: AsyncConnection, recipient_id: str) -> RecipientView | None:
    row = (await conn.execute(select(recipients).where(recipients.c.id == recipient_id))).first()
    return None if row is None else RecipientView(row.id, row.name)


async def known_recipients(conn: AsyncConnection, ids: list[str]) -> set[str]:
    return set((await conn.scalars(select(recipients.c.id).where(recipients.c.id.in_(ids)))).all())


async def points_received(conn: AsyncConnection, account: str) -> int:
    """Points credited by donations and matches, net of their reversals; settlements do not lower it."""
    original = aliased(Entry)
    total = await conn.scalar(
        select(func.coalesce(-func.sum(Posting.amount), 0))
        .join(Entry, Entry.id == Posting.entry_id)
        .outerjoin(original, original.id == Entry.reverses)
        .where(
            Posting.account == account,
            Posting.asset == "PT",
            or_(Entry.kind.in_(("donation", "match")), original.kind.in_(("donation", "match"))),
        )
    )
    return int(total or 0)


async def recent_donations(conn: AsyncConnection, recipient_id: str, limit: int) -> list[PublicDonation]:
    rows = await conn.execute(
        select(donations.c.public_name, donations.c.points, donations.c.created_at, residents.c.name)
        .join(residents, residents.c.id == donations.c.resident_id)
        .where(donations.c.recipient_id == recipient_id)
        .order_by(donations.c.created_at.desc())
        .limit(limit)
    )
    return [PublicDonation(r.name if r.public_name else None, r.points, r.created_at) for r in rows]


async def program_exists(conn: AsyncConnection, program_id: str) -> bool:
    return await conn.scalar(select(programs.c.id).where(programs.c.id == program_id)) is not None


def _active(table: Table, at: datetime) -> list[ColumnElement[bool]]:
    """Running at `at`, and already known then: a replay decides the same as the first answer did."""
    return [
        table.c.created_at <= at,
        or_(table.c.starts_at.is_(None), table.c.starts_at <= at),
        or_(table.c.ends_at.is_(None), table.c.ends_at > at),
    ]


async def active_campaigns(conn: AsyncConnection, at: datetime) -> list[CampaignView]:
    rows = await conn.execute(
        select(campaigns, programs.c.points_valid_days)
        .join(programs, programs.c.id == campaigns.c.program_id)
        .where(*_active(campaigns, at))
        .order_by(campaigns.c.created_at, campaigns.c.id)
    )
    return [
        CampaignView(r.id, r.program_id, r.rate_percent, r.per_resident_cap, r.points_valid_days)
        for r in rows
    ]


async def campaign_list(conn: AsyncConnection, limit: int) -> list[dict[str, object]]:
    """Every premium campaign, the latest to start first, with its program's name."""
    rows = await conn.execute(
        select(
            campaigns.c.id,
            campaigns.c.name,
            campaigns.c.program_id,
            programs.c.name.label("program_name"),
            campaigns.c.rate_percent,
            campaigns.c.per_resident_cap,
            campaigns.c.starts_at,
            campaigns.c.ends_at,
        )
        .join(programs, programs.c.id == campaigns.c.program_id)
        .order_by(campaigns.c.starts_at.desc(), campaigns.c.id)
        .limit(limit)
    )
    return [{str(key): value for key, value in row._asdict().items()} for row in rows]


async def active_matchings(conn: AsyncConnection, recipient_id: str, at: datetime) -> list[MatchingView]:
    chosen = and_(
        matching_recipients.c.matching_id == matchings.c.id,
        matching_recipients.c.recipient_id == recipient_id,
    )
    rows = await conn.execute(
        select(matchings)
        .join(matching_recipients, chosen)
        .where(*_active(matchings, at))
        .order_by(matchings.c.created_at, matchings.c.id)
    )
    return [MatchingView(r.id, r.program_id, r.rate_percent, r.per_donation_cap, r.total_cap) for r in rows]


async def available(conn: AsyncConnection, account: str, asset: str) -> int:
    """The normal balance less pending holds, as the writer will check it; 0 for an account not opened yet."""
    value = await conn.scalar(
        select(Balance.normal_sign * Balance.posted - Balance.pending).where(
            Balance.account == account, Balance.asset == asset
        )
    )
    return int(value or 0)


async def counter(conn: AsyncConnection, key: str) -> int:
    return int(await conn.scalar(select(Counter.value).where(Counter.key == key)) or 0)


async def recipient_list(conn: AsyncConnection, limit: int) -> list[tuple[str, str]]:
    """(id, name) of the first `limit` recipients, oldest first: the list a resident's donation page offers,
    which no endpoint of the API offers."""
    rows = await conn.execute(
        select(recipients.c.id, recipients.c.name)
        .order_by(recipients.c.created_at, recipients.c.id)
        .limit(limit)
    )
    return [(r.id, r.name) for r in rows]
