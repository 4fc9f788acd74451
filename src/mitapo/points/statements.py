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

from mitapo.engine import chart
from mitapo.engine.catalog import KINDS
from mitapo.engine.database import Database
from mitapo.engine.errors import Invalid
from mitapo.payments import merchants
from mitapo.points import events, reads
from mitapo.points.reads import StatementLine

DESCRIPTIONS = {kind.value: facts.en.lower() for kind, facts in KINDS.items() if facts.statement_by_label}
"""What a line says when it names no event or shop and its kind is plain enough (the catalog's label)."""


async def page(db: Database, resident_id: str, cursor: str | None, limit: int) -> dict[str, Any]:
    """`{items, next_cursor}`; pass `next_cursor` back to read the next page, until it is null."""
    before = _decode_cursor(cursor) if cursor else None
    async with db.read() as conn:
        lines = await reads.statement(conn, chart.resident_owner(resident_id), before, limit + 1)
        titles = await events.titles(conn, _meta_ids(lines, "event_id"))
        shop_ids = _meta_ids(lines, "merchant_id")
        shops = await merchants.by_id(conn, shop_ids) if shop_ids else {}
    more = len(lines) > limit
    lines = lines[:limit]
    names = {"event": titles, "shop": {shop_id: shop.name for shop_id, shop in shops.items()}}
    return {
        "items": [_item(line, names) for line in lines],
        "next_cursor": _encode_cursor(lines[-1]) if more else None,
    }


def _meta_ids(lines: list[StatementLine], key: str) -> list[str]:
    return sorted({str(line.meta[key]) for line in lines if line.meta.get(key)})


def _item(line: StatementLine, names: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The resident's side of an entry: their accounts are liabilities, so a credit is money in."""
    item: dict[str, Any] = {
        "entry_id": str(line.entry_id),
        "kind": line.kind,
        "created_at": line.created_at.isoformat(),
        "points": -line.points,
        "money": -line.money,
        "description": DESCRIPTIONS.get(line.kind, line.memo or line.kind),
    }
    for what, key, label in (("event", "event_id", "title"), ("shop", "merchant_id", "name")):
        if line.meta.get(key):
            name = names[what].get(str(line.meta[key]))
            item[what] = {"id": line.meta[key], label: name}
            item["description"] = name or item["description"]
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
