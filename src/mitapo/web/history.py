"""A resident's history that says what happened: each entry's kind with whom it was (the shop, the recipient,
the giver or receiver, the event, the campaign, the bus route), points and money apart, and the details an
auditor's trail starts from (slip number, payment id, entry id); by month for the app, by year as CSV.

It reads through the resident's own accounts, like the statement, so it never shows another resident's entry,
and it names the other party of a gift by the display name that resident gave the city."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.engine import chart, clock
from mitapo.engine.catalog import KINDS
from mitapo.engine.database import Database

KINDS_LABELS = {kind.value: facts.ja for kind, facts in KINDS.items()}
LATEST_LIMIT = 50  # the home screen shows a handful; more is the history's job
MONTH_LIMIT = 2000  # lines in one month: far more than anyone makes
YEAR_LIMIT = 50_000

_LINES = """
    SELECT e.id::text AS entry_id, e.kind, e.created_at, e.meta,
           coalesce(sum(p.amount) FILTER (WHERE p.asset = 'PT'), 0) AS points,
           coalesce(sum(p.amount) FILTER (WHERE p.asset = 'JPY'), 0) AS money
    FROM postings p JOIN entries e ON e.id = p.entry_id
    WHERE p.account IN (SELECT account FROM balances WHERE owner = :owner)
      AND e.created_at >= :start AND e.created_at < :end
    GROUP BY e.id ORDER BY e.created_at DESC, e.id DESC LIMIT :limit
"""
# Whom an entry names, from its meta: (the meta key of the id, the table, the column of the name).
_NAMED = {
    "shop": ("merchant_id", "merchants", "name"),
    "recipient": ("recipient_id", "recipients", "name"),
    "event": ("event_id", "events", "title"),
    "cashback": ("campaign_id", "cashback_campaigns", "name"),
    "bonus": ("campaign_id", "campaigns", "name"),
    "route": ("route_id", "transit_routes", "name"),
    "resident": ("", "residents", "name"),
}


@dataclass(frozen=True, slots=True)
class Line:
    entry_id: str
    kind: str
    created_at: datetime
    meta: dict[str, Any]
    points: int  # the resident's side: + in, − out
    money: int


def month_range(month: str) -> tuple[datetime, datetime]:
    """`YYYY-MM`, as a Tokyo calendar month."""
    year, number = (int(part) for part in month.split("-"))
    start = date(year, number, 1)
    end = date(year + number // 12, number % 12 + 1, 1)
    return clock.midnight(start), clock.midnight(end)


def year_range(year: int) -> tuple[datetime, datetime]:
    return clock.midnight(date(year, 1, 1)), clock.midnight(date(year + 1, 1, 1))


def all_time() -> tuple[datetime, datetime]:
    """Every entry a resident can have: for the newest few, whatever month they fell in."""
    return clock.midnight(date(2000, 1, 1)), clock.midnight(date(2101, 1, 1))


async def lines(db: Database, resident_id: str, start: datetime, end: datetime, limit: int) -> list[Line]:
    params = {"owner": chart.resident_owner(resident_id), "start": start, "end": end, "limit": limit}
    async with db.read() as conn:
        rows = (await conn.execute(text(_LINES), params)).all()
    return [Line(r.entry_id, r.kind, r.created_at, r.meta or {}, -int(r.points), -int(r.money)) for r in rows]


async def described(db: Database, resident_id: str, found: list[Line]) -> list[dict[str, Any]]:
    """Each line with its counterpart and details, naming every party in a handful of reads."""
    async with db.read() as conn:
        names = {what: await _names(conn, what, _ids(found, what, resident_id)) for what in _NAMED}
        payments = sorted({str(x.meta["payment_id"]) for x in found if x.meta.get("payment_id")})
        slips = await _slips(conn, payments)
    return [_describe(line, resident_id, names, slips) for line in found]


def _ids(found: list[Line], what: str, resident_id: str) -> list[str]:
    if what == "resident":
        parties = {_other(line.meta, resident_id) for line in found if line.kind == "gift"}
        return sorted(p for p in parties if p)
    key = _NAMED[what][0]
    kinds = {"cashback": {"cashback"}, "bonus": {"bonus"}}.get(what)
    return sorted({str(x.meta[key]) for x in found if x.meta.get(key) and (kinds is None or x.kind in kinds)})


async def _names(conn: AsyncConnection, what: str, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    _, table, column = _NAMED[what]
    rows = await conn.execute(text(f"SELECT id, {column} FROM {table} WHERE id = ANY(:ids)"), {"ids": ids})
    return {str(row[0]): str(row[1]) for row in rows}


async def _slips(conn: AsyncConnection, payment_ids: list[str]) -> dict[str, str | None]:
    if not payment_ids:
        return {}
    query = text("SELECT id, reference FROM payments WHERE id = ANY(:ids)")
    rows = await conn.execute(query, {"ids": payment_ids})
    return {str(row[0]): row[1] for row in rows}


def _other(meta: dict[str, Any], resident_id: str) -> str | None:
    giver, receiver = meta.get("from_resident_id"), meta.get("to_resident_id")
    return str(receiver if giver == resident_id else giver) if (giver or receiver) else None


def _counterpart(line: Line, resident_id: str, names: dict[str, dict[str, str]]) -> dict[str, Any] | None:
    meta = line.meta
    if line.kind == "gift":
        other = _other(meta, resident_id)
        role = "receiver" if meta.get("from_resident_id") == resident_id else "giver"
        return {"role": role, "id": other, "name": names["resident"].get(other or "")} if other else None
    for what, role in (("shop", "shop"), ("recipient", "recipient"), ("event", "event"), ("route", "route")):
        key = _NAMED[what][0]
        if meta.get(key):
            return {"role": role, "id": str(meta[key]), "name": names[what].get(str(meta[key]))}
    if line.kind in ("cashback", "bonus") and meta.get("campaign_id"):
        campaign = str(meta["campaign_id"])
        return {"role": "campaign", "id": campaign, "name": names[line.kind].get(campaign)}
    return None


def _describe(
    line: Line, resident_id: str, names: dict[str, dict[str, str]], slips: dict[str, str | None]
) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if line.meta.get("payment_id"):
        details["payment_id"] = str(line.meta["payment_id"])
        details["reference"] = slips.get(details["payment_id"])
    for key in ("refund_id", "channel", "service_day"):
        if line.meta.get(key):
            details[key] = str(line.meta[key])
    return {
        "entry_id": line.entry_id,
        "kind": line.kind,
        "label": KINDS_LABELS.get(line.kind, line.kind),
        "created_at": line.created_at.isoformat(),
        "points": line.points,
        "money": line.money,
        "counterpart": _counterpart(line, resident_id, names),
        "details": details,
    }


CSV_HEADER = ["日時", "種類", "相手", "ポイント", "マネー（円）", "伝票番号", "支払いID", "エントリーID"]


def as_csv(items: list[dict[str, Any]]) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Japanese right; oldest first, as a ledger reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for item in reversed(items):
        party = item["counterpart"] or {}
        details = item["details"]
        writer.writerow(
            [
                datetime.fromisoformat(item["created_at"]).astimezone(clock.TOKYO).strftime("%Y-%m-%d %H:%M"),
                item["label"],
                _safe(party.get("name") or ""),
                item["points"],
                item["money"],
                _safe(details.get("reference") or ""),
                details.get("payment_id", ""),
                item["entry_id"],
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(cell: str) -> str:
    """A name that a spreadsheet would run as a formula is shown as text."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell
