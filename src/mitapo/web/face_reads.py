"""Small reads the pages need that no endpoint of the API offers: an event's check-in count, the list of
recipients a resident may donate to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.money.reads import recipients
from mitapo.points.reads import checkins


@dataclass(frozen=True, slots=True)
class Attendance:
    count: int
    points: int


async def attendance(conn: AsyncConnection, event_id: str) -> Attendance:
    row = (
        await conn.execute(
            select(func.count(), func.coalesce(func.sum(checkins.c.points), 0)).where(
                checkins.c.event_id == event_id
            )
        )
    ).one()
    return Attendance(int(row[0]), int(row[1]))


async def recipient_list(conn: AsyncConnection, limit: int) -> list[tuple[str, str]]:
    rows = await conn.execute(
        select(recipients.c.id, recipients.c.name)
        .order_by(recipients.c.created_at, recipients.c.id)
        .limit(limit)
    )
    return [(r.id, r.name) for r in rows]
