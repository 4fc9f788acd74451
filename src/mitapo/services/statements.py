"""A resident's statement: every entry that touched their accounts, newest first, with their own net change
and what it was (which event, which shop). It is read through the resident's own accounts, so it can never
show another resident's entries, and it shows only the resident's side of each entry."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Any

from mitapo.db import participation
from mitapo.db.engine import Database
from mitapo.db.participation import StatementLine
from mitapo.services import chart
from mitapo.services.errors import Invalid

DESCRIPTIONS = {
    "expiry": "points expired",
    "gift": "gift",
    "donation": "donation",
    "topup": "money charged",
    "bonus": "charge bonus",
    "refund": "refund",
    "fare": "bus fare",
    "reversal": "correction",
}


async def page(db: Database, resident_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """`{items, next_cursor}`; pass `next_cursor` back to read the next page, until it is null."""
    before = _decode_cursor(cursor) if cursor else None
    async with db.read() as conn:
        lines = await participation.statement(conn, chart.resident_owner(resident_id), before, limit + 1)
        titles = await participation.event_titles(conn, sorted(_event_ids(lines)))
    more = len(lines) > limit
    lines = lines[:limit]
    return {
        "items": [_item(line, titles) for line in lines],
        "next_cursor": _encode_cursor(lines[-1]) if more else None,
    }


def _event_ids(lines: list[StatementLine]) -> set[str]:
    return {str(line.meta["event_id"]) for line in lines if line.meta.get("event_id")}


def _item(line: StatementLine, titles: dict[str, str]) -> dict[str, Any]:
    """The resident's side of an entry: their accounts are liabilities, so a credit is money in."""
    item: dict[str, Any] = {
        "entry_id": str(line.entry_id),
        "kind": line.kind,
        "created_at": line.created_at.isoformat(),
        "points": -line.points,
        "money": -line.money,
        "description": DESCRIPTIONS.get(line.kind, line.memo or line.kind),
    }
    event_id = line.meta.get("event_id")
    if event_id:
        title = titles.get(str(event_id))
        item["event"] = {"id": event_id, "title": title}
        item["description"] = title or item["description"]
    shop = line.meta.get("merchant_name") or line.meta.get("shop_name")
    if line.meta.get("merchant_id"):
        item["shop"] = {"id": line.meta["merchant_id"], "name": shop}
        item["description"] = shop or item["description"]
    return item


def _encode_cursor(line: StatementLine) -> str:
    raw = json.dumps([line.created_at.isoformat(), str(line.entry_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, entry_id = json.loads(raw)
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError("naive time")
        return parsed, uuid.UUID(entry_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise Invalid("the cursor is not one this service gave out") from None
