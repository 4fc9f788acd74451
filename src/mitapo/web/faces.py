"""What the pages read besides the API's own answers: an event's live check-in count for the organizer's
screen, the recipients a resident may donate to, and the shop a till is signed in as."""

from __future__ import annotations

from typing import Any

from mitapo.engine.database import Database
from mitapo.money import reads as money_reads
from mitapo.payments import merchants
from mitapo.points import events
from mitapo.points import reads as points_reads

RECIPIENTS_SHOWN = 200


async def attendance(db: Database, event_id: str, organizer_id: str | None) -> dict[str, Any]:
    """How many residents checked in so far; only for the event's organizer or the city."""
    event = await events.visible(db, event_id, organizer_id)
    async with db.read() as conn:
        found = await points_reads.attendance(conn, event.id)
    return {"event_id": event.id, "count": found.count, "points": found.points, "capacity": event.capacity}


async def recipients(db: Database) -> dict[str, Any]:
    """Public, like each recipient's own page."""
    async with db.read() as conn:
        found = await money_reads.recipient_list(conn, RECIPIENTS_SHOWN)
    return {"items": [{"id": recipient_id, "name": name} for recipient_id, name in found]}


async def shop(db: Database, merchant_id: str) -> dict[str, Any]:
    """The till's own shop, as registered, with its static code for the sticker."""
    merchant = await merchants.get(db, merchant_id)
    return {
        "id": merchant.id,
        "name": merchant.name,
        "city": merchant.city,
        "qr_payload": merchants.static_code(merchant),
    }
