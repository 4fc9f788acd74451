"""Finding what to join and where to pay (issue 20): upcoming events open to check-in, with place, area and
organizer, and the shops that take みたポ by area and kind with the campaigns that apply there. Public, like
a notice board: no secret needed, nothing of any resident in it. And any event as iCalendar, to add it to a
calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from mitapo.engine import clock
from mitapo.engine.database import Database
from mitapo.engine.errors import Invalid, NotFound

LISTED = 200
# A shop's kind, from its merchant category code (ISO 18245): the words the app's filter offers.
KINDS: dict[str, tuple[str, ...]] = {
    "grocery": ("5411", "5422", "5441", "5451", "5462", "5499"),
    "restaurant": ("5811", "5812", "5813", "5814"),
    "pharmacy": ("5912",),
    "books": ("5942", "5943", "5945"),
    "farm": ("0763", "5300"),
    "services": ("7210", "7230", "7298", "8050", "8299"),
    "transit": ("4111", "4121", "4131"),
}


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime | None


def window(since: date | None, until: date | None) -> Window:
    """From a Tokyo date (default: now) to the end of another (default: open); a running event counts."""
    if since is not None and until is not None and until < since:
        raise Invalid("to is before from")
    start = clock.midnight(since) if since else clock.now()
    if until is not None and until >= date.max - timedelta(days=1):
        until = None  # the end of time: open-ended
    end = clock.day_after(until) if until else None
    return Window(max(start, clock.now()), end)


_EVENTS = """
    SELECT e.id, e.title, e.starts_at, e.ends_at, e.points, e.place, e.area, coalesce(p.name, '') AS organizer
    FROM events e LEFT JOIN principals p ON p.id = e.organizer_id
"""
_UPCOMING = (
    _EVENTS
    + """
    WHERE e.ends_at > :start AND (CAST(:end AS timestamptz) IS NULL OR e.starts_at < :end)
      AND (CAST(:area AS text) IS NULL OR e.area = :area)
      AND NOT EXISTS (SELECT 1 FROM event_cancellations c WHERE c.event_id = e.id)
    ORDER BY e.starts_at, e.id LIMIT :limit
"""
)
_ONE = _EVENTS + " WHERE e.id = :id"


async def upcoming(db: Database, area: str | None, within: Window) -> list[dict[str, Any]]:
    params = {"start": within.start, "end": within.end, "area": area, "limit": LISTED}
    async with db.read() as conn:
        rows = (await conn.execute(text(_UPCOMING), params)).mappings().all()
    return [_event(row) for row in rows]


def _event(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "starts_at": row["starts_at"].isoformat(),
        "ends_at": row["ends_at"].isoformat(),
        "points": int(row["points"]),
        "place": row["place"],
        "area": row["area"],
        "organizer": row["organizer"],
    }


_SHOPS = """
    SELECT m.id, m.name, m.area, m.mcc FROM merchants m
    WHERE (CAST(:area AS text) IS NULL OR m.area = :area)
      AND (CAST(:mccs AS text[]) IS NULL OR m.mcc = ANY(:mccs))
    ORDER BY m.area NULLS LAST, m.name, m.id LIMIT :limit
"""
_CASHBACK = """
    SELECT c.id, c.name, c.rate_bps, c.merchant_ids, c.mccs, c.ends_on FROM cashback_campaigns c
    WHERE c.starts_on <= :today AND (c.ends_on IS NULL OR c.ends_on >= :today)
"""
_PREMIUM = """
    SELECT c.id, c.name, c.rate_percent, c.ends_at FROM campaigns c
    WHERE c.starts_at <= :now AND c.ends_at > :now
"""


async def shops(db: Database, area: str | None, kind: str | None) -> list[dict[str, Any]]:
    mccs = _mccs(kind)
    today = clock.tokyo_date(clock.now())
    async with db.read() as conn:
        found = (
            (await conn.execute(text(_SHOPS), {"area": area, "mccs": mccs, "limit": LISTED})).mappings().all()
        )
        cashback = (await conn.execute(text(_CASHBACK), {"today": today})).mappings().all()
        premium = (await conn.execute(text(_PREMIUM), {"now": clock.now()})).mappings().all()
    everywhere = [
        {"kind": "premium", "id": c["id"], "name": c["name"], "rate": f"{c['rate_percent']}%"}
        for c in premium
    ]
    return [
        {
            "id": shop["id"],
            "name": shop["name"],
            "area": shop["area"],
            "mcc": shop["mcc"],
            "kind": _kind_of(shop["mcc"]),
            "campaigns": [
                {"kind": "cashback", "id": c["id"], "name": c["name"], "rate": f"{c['rate_bps'] / 100:g}%"}
                for c in cashback
                if shop["id"] in c["merchant_ids"] or shop["mcc"] in c["mccs"]
            ]
            + everywhere,
        }
        for shop in found
    ]


def _mccs(kind: str | None) -> list[str] | None:
    if kind is None:
        return None
    if kind in KINDS:
        return list(KINDS[kind])
    if len(kind) == 4 and kind.isdigit():
        return [kind]
    raise Invalid(f"kind is one of {', '.join(sorted(KINDS))}, or a four-digit MCC")


def _kind_of(mcc: str) -> str:
    return next((kind for kind, codes in KINDS.items() if mcc in codes), "other")


async def calendar(db: Database, event_id: str, host: str) -> str:
    """The event as an iCalendar file (RFC 5545) with one VEVENT."""
    async with db.read() as conn:
        row = (await conn.execute(text(_ONE), {"id": event_id})).mappings().first()
    if row is None:
        raise NotFound("event")
    event = _event(row)
    about = f"みたポ {event['points']} pt · {event['organizer']}"
    where = " ".join(part for part in (event["place"], event["area"]) if part)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Mitaka//mitapo//JA",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:{event['id']}@{host}",
        f"DTSTAMP:{_utc(clock.now())}",
        f"DTSTART:{_utc(row['starts_at'])}",
        f"DTEND:{_utc(row['ends_at'])}",
        f"SUMMARY:{_escape(event['title'])}",
        f"DESCRIPTION:{_escape(about)}",
        *([f"LOCATION:{_escape(where)}"] if where else []),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (RFC 5545 3.1), never splitting a character."""
    out: list[str] = []
    current = b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current.decode())
            current = b""
        current += encoded
    out.append(current.decode())
    return "\r\n ".join(out)
