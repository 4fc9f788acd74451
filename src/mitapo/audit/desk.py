"""What the auditor's desk shows beyond the API's trial balance and verification: monthly volumes, a filtered
journal, the trail of one point, how fairly each program's points are spread, and every program's budget.

A point's trail follows one point through the journal. Points are fungible, so the trail needs a rule for
which point left an account: **first in, first out, within each account** (the n-th point to leave an account
is the n-th point that came in), and, within one entry, the n-th point credited is the n-th point debited,
both in posting order. Under that rule every point has exactly one trail, from the city's issuance through a
program's budget, a grant and a resident's lot, to the shop's receivable and the settlement that paid it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import statistics
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.audit import reads
from mitapo.audit.reads import FlowPosting, JournalFilter
from mitapo.engine import catalog, chart, clock
from mitapo.engine.database import Database
from mitapo.engine.errors import Invalid, NotFound
from mitapo.engine.journal import EntryView
from mitapo.payments import merchants
from mitapo.points import events

OUTLIER_MEDIANS = 3  # a resident with more than three times the median of a program stands out
TOP_SHARE = 0.01  # and so does the top 1 % once a program has reached enough residents for that to mean one
TOP_SHARE_MIN_RESIDENTS = 100
TRAIL_STEPS = 16  # a point changes hands only a few times; this bounds a walk over a damaged journal
ROOT = chart.CITY_ISSUANCE.code


async def monthly(db: Database) -> dict[str, Any]:
    """`{months, points: {series: [per month]}, money: {...}}`, every month from the first to the last.

    Each kind counts where the catalog places it (`catalog.series_places`): a refund negatively in "spent", a
    reversal where the entry it reverses counted, negated."""
    async with db.read() as conn:
        volumes = await reads.monthly_volumes(conn)
    months = _month_range([v.month for v in volumes])
    index = {month: i for i, month in enumerate(months)}
    series = {asset: {name: [0] * len(months) for name in named} for asset, named in catalog.SERIES.items()}
    for volume in volumes:
        for place in catalog.series_places(volume.kind, volume.reverses):
            if place.asset == volume.asset:
                series[place.asset][place.series][index[volume.month]] += place.sign * volume.amount
    return {"months": months, "points": series[chart.PT], "money": series[chart.JPY]}


def _month_range(seen: Sequence[str]) -> list[str]:
    if not seen:
        return []
    first, last = min(seen), max(seen)
    year, month = int(first[:4]), int(first[5:])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


JOURNAL_KINDS = tuple(kind.value for kind in catalog.Kind)
"""The kinds the journal may be filtered by: any other is refused rather than answered with nothing."""


@dataclass(frozen=True, slots=True)
class JournalQuery:
    account: str | None = None
    kind: str | None = None
    since: date | None = None  # Tokyo days, both included
    until: date | None = None
    resident_id: str | None = None
    merchant_id: str | None = None


async def journal(
    db: Database, query: JournalQuery, before_seq: int | None, limit: int
) -> tuple[list[EntryView], int | None]:
    """Sealed entries matching the query, newest first; and the `before_seq` of the next page, if any."""
    if query.kind and query.kind not in JOURNAL_KINDS:
        raise Invalid(f"kind is one of {', '.join(JOURNAL_KINDS)}")
    if query.since and query.until and query.until < query.since:
        raise Invalid("the end date is before the start date")
    for day in (query.since, query.until):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise Invalid(f"dates run from {FIRST_DAY} to {LAST_DAY}")
    owners = tuple(
        owner
        for owner in (
            chart.resident_owner(query.resident_id) if query.resident_id else None,
            f"merchant:{query.merchant_id}" if query.merchant_id else None,
        )
        if owner
    )
    where = JournalFilter(
        account=query.account or None,
        kind=query.kind or None,
        since=clock.midnight(query.since) if query.since else None,
        until=clock.day_after(query.until) if query.until else None,
        owners=owners,
    )
    async with db.read() as conn:
        found = await reads.search_entries(conn, where, before_seq, limit)
    more = len(found) == limit and found[-1].seq is not None
    return found, found[-1].seq if more else None


# Tokyo's midnight of 0001-01-01 is a day PostgreSQL's driver cannot send (it falls before year 1 in UTC), and
# the day after 9999-12-31 does not exist: a date outside these is refused instead of failing the query.
FIRST_DAY, LAST_DAY = date.min + timedelta(days=1), date.max - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Hop:
    """One entry of a trail: it moved the point from one account to another."""

    entry_id: uuid.UUID
    source: str
    destination: str


async def trail(db: Database, entry_id: str, point: int) -> dict[str, Any]:
    """The trail of the `point`-th point (from 0) that `entry_id` moved, from where it was created to where
    it rests now: `{steps: [{entry, from, to, event, shop, settlement_id}], origin, rests_in, …}`."""
    try:
        start = uuid.UUID(entry_id)
    except ValueError:
        raise NotFound("entry") from None
    async with db.read() as conn:
        postings = await reads.point_postings(conn, start)
        moved = sum(p.amount for p in postings if p.amount > 0)
        if not postings and not await reads.entries_by_id(conn, [start]):
            raise NotFound("entry")
        if not moved:
            raise Invalid("this entry moved no points")
        if point >= moved:
            raise Invalid(f"this entry moved {moved} points; point is 0 to {moved - 1}")
        (source, left), (destination, arrived) = _pair(postings, point)
        back = await _walk(conn, source, left, back=True)
        ahead = await _walk(conn, destination, arrived, back=False)
        hops = [*reversed(back), Hop(start, source.account, destination.account), *ahead]
        entries = await reads.entries_by_id(conn, [hop.entry_id for hop in hops])
        names = await _names(conn, list(entries.values()))
    return {
        "entry_id": entry_id,
        "point": point,
        "points_in_entry": moved,
        "origin": hops[0].source if hops[0].source == ROOT else None,
        "rests_in": hops[-1].destination,
        "steps": [_step(hop, entries[str(hop.entry_id)], names) for hop in hops],
    }


def _pair(postings: list[FlowPosting], index: int) -> tuple[tuple[FlowPosting, int], tuple[FlowPosting, int]]:
    """The debit and the credit that carry the entry's `index`-th point, with its place in each."""
    return _nth(postings, index, leaving=True), _nth(postings, index, leaving=False)


def _nth(postings: list[FlowPosting], index: int, *, leaving: bool) -> tuple[FlowPosting, int]:
    for posting in postings:
        if (posting.amount > 0) != leaving:
            continue
        if index < abs(posting.amount):
            return posting, index
        index -= abs(posting.amount)
    raise Invalid("the entry's point postings do not balance")  # the database never lets this happen


def _place_in_entry(postings: list[FlowPosting], idx: int, offset: int, *, leaving: bool) -> int:
    before = sum(abs(p.amount) for p in postings if p.idx < idx and (p.amount > 0) == leaving)
    return before + offset


async def _walk(conn: AsyncConnection, posting: FlowPosting, offset: int, *, back: bool) -> list[Hop]:
    """Back: from a point leaving an account through the entries that brought it there, to the issuance.
    Ahead: from a point arriving in an account on through the entries that took it further, while any did."""
    hops: list[Hop] = []
    while len(hops) < TRAIL_STEPS and not (back and posting.account == ROOT):
        seen = await reads.flowed_before(conn, posting.account, posting.account_seq, inflow=not back)
        found = await reads.covering(conn, posting.account, seen + offset, inflow=back)
        if found is None:
            break
        postings = await reads.point_postings(conn, found.entry_id)
        index = _place_in_entry(postings, found.idx, found.offset, leaving=not back)
        here = _by_idx(postings, found.idx).account
        posting, offset = _nth(postings, index, leaving=back)
        hop = (
            Hop(found.entry_id, posting.account, here) if back else Hop(found.entry_id, here, posting.account)
        )
        hops.append(hop)
    return hops


def _by_idx(postings: list[FlowPosting], idx: int) -> FlowPosting:
    return next(p for p in postings if p.idx == idx)


async def _names(conn: AsyncConnection, entries: list[EntryView]) -> dict[str, str]:
    """The events and shops the trail's entries name, as registered."""
    event_ids = sorted({str(e.meta["event_id"]) for e in entries if e.meta.get("event_id")})
    shop_ids = sorted({str(e.meta["merchant_id"]) for e in entries if e.meta.get("merchant_id")})
    names = await events.titles(conn, event_ids)
    shops = await merchants.by_id(conn, shop_ids)
    return names | {shop_id: shop.name for shop_id, shop in shops.items()}


def _step(hop: Hop, entry: EntryView, names: dict[str, str]) -> dict[str, Any]:
    named = {key: names.get(str(entry.meta.get(key)), "") for key in ("event_id", "merchant_id")}
    return {
        "entry": entry,  # the caller shows it as the ledger view shows entries
        "from": hop.source,
        "to": hop.destination,
        "event": {"id": entry.meta["event_id"], "title": named["event_id"]}
        if entry.meta.get("event_id")
        else None,
        "shop": {"id": entry.meta["merchant_id"], "name": named["merchant_id"]}
        if entry.meta.get("merchant_id")
        else None,
        "settlement_id": entry.meta.get("settlement_id"),
    }


def outliers(points: Sequence[int]) -> list[str | None]:
    """Why each resident's points stand out in their program, or None: more than three times the median, or
    among the top 1 % once a program has reached a hundred residents or more."""
    if not points:
        return []
    median = statistics.median(points)
    top = math.ceil(len(points) * TOP_SHARE) if len(points) >= TOP_SHARE_MIN_RESIDENTS else 0
    threshold = sorted(points, reverse=True)[top - 1] if top else None
    reasons: list[str | None] = []
    for value in points:
        if value > OUTLIER_MEDIANS * median:
            reasons.append("above_3x_median")
        elif threshold is not None and value >= threshold:
            reasons.append("top_1_percent")
        else:
            reasons.append(None)
    return reasons


@dataclass(frozen=True, slots=True)
class Pseudonyms:
    """How a view names residents to someone who may not know who they are (the auditor): a keyed hash of
    the resident's id, the same in every view and every request, which only the city (holding the key and
    the residents' table) can turn back into a person. The name itself is left out."""

    key: bytes

    def of(self, resident_id: str) -> str:
        digest = hmac.new(self.key, resident_id.encode(), hashlib.sha256).hexdigest()
        return f"psn_{digest[:20]}"


async def fairness(db: Database, pseudonyms: Pseudonyms | None = None) -> dict[str, Any]:
    """Per program: how many residents got points, the median and the largest share, and who stands out.
    With `pseudonyms` (the auditor's view) residents appear under pseudonyms and without names; without
    them (the city's own view) under their ids and names."""
    async with db.read() as conn:
        rows = await reads.points_by_resident(conn)
    grouped: dict[str, list[reads.ResidentPoints]] = {}
    for row in rows:
        grouped.setdefault(row.program_id, []).append(_as_seen(row, pseudonyms))
    return {"programs": [_program_fairness(members) for members in grouped.values()]}


def _as_seen(row: reads.ResidentPoints, pseudonyms: Pseudonyms | None) -> reads.ResidentPoints:
    if pseudonyms is None:
        return row
    return replace(row, resident_id=pseudonyms.of(row.resident_id), resident_name=None)


def _program_fairness(members: list[reads.ResidentPoints]) -> dict[str, Any]:
    values = [m.points for m in members]
    reasons = outliers(values)
    return {
        "id": members[0].program_id,
        "name": members[0].program_name,
        "residents": len(members),
        "total": sum(values),
        "median": statistics.median(values),
        "max": max(values),
        "flagged": sum(1 for r in reasons if r),
        "items": [
            {"resident_id": m.resident_id, "name": m.resident_name, "points": m.points, "flag": reason}
            for m, reason in zip(members, reasons, strict=True)
        ],
    }


async def budgets(db: Database) -> dict[str, Any]:
    async with db.read() as conn:
        found = await reads.budgets(conn)
    return {
        "items": [
            {
                "id": b.program_id,
                "name": b.name,
                "points_valid_days": b.points_valid_days,
                "monthly_cap": b.monthly_cap,
                "annual_cap": b.annual_cap,
                "funded": b.funded,
                "drawn": b.drawn,
                "budget_remaining": b.remaining,
                "residents": b.residents,
                "events": b.events,
            }
            for b in found
        ]
    }
