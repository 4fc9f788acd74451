"""The reads behind the auditor's desk: monthly volumes, a filtered journal, the flows a point's trail
follows, points per resident per program, and every program's budget. Read-only: the SQL lives here, what it
means in `services.audit_views`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.engine import journal
from mitapo.engine.tables import Account, Entry, Posting, Seal


@dataclass(frozen=True, slots=True)
class MonthlyVolume:
    month: str  # "2026-11", Tokyo time
    kind: str
    asset: str
    amount: int  # what the entries of this kind moved: the sum of their debits
    reverses: str | None = None  # for reversals: the kind of the entries they reverse


@dataclass(frozen=True, slots=True)
class JournalFilter:
    account: str | None = None  # an account's code, or the start of codes up to a ':'
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    owners: tuple[str, ...] = ()  # 'resident:<id>', 'merchant:<id>': entries touching their accounts


@dataclass(frozen=True, slots=True)
class FlowPosting:
    """One point posting of an entry, and where it stands in its account's history."""

    idx: int
    account: str
    amount: int
    account_seq: int


@dataclass(frozen=True, slots=True)
class Covering:
    """The posting of an account whose points cover a position in the account's inflows or outflows."""

    entry_id: uuid.UUID
    idx: int
    offset: int  # the position's place within that posting


@dataclass(frozen=True, slots=True)
class ResidentPoints:
    program_id: str
    program_name: str
    resident_id: str
    resident_name: str | None
    points: int


@dataclass(frozen=True, slots=True)
class BudgetView:
    program_id: str
    name: str
    points_valid_days: int | None
    monthly_cap: int | None
    annual_cap: int | None
    funded: int
    drawn: int
    remaining: int
    residents: int
    events: int


async def monthly_volumes(conn: AsyncConnection) -> list[MonthlyVolume]:
    rows = await conn.execute(
        text(
            "SELECT to_char(e.created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS month, e.kind, p.asset, "
            "sum(p.amount), r.kind FROM entries e JOIN postings p ON p.entry_id = e.id "
            "LEFT JOIN entries r ON r.id = e.reverses WHERE p.amount > 0 "
            "GROUP BY 1, 2, 3, 5 ORDER BY 1, 2, 3, 5"
        )
    )
    return [MonthlyVolume(r[0], r[1], r[2], int(r[3]), r[4]) for r in rows]


async def search_entries(
    conn: AsyncConnection, where: JournalFilter, before_seq: int | None, limit: int
) -> list[journal.EntryView]:
    """Sealed entries matching every given filter, newest first, older than `before_seq`."""
    query = select(Seal.seq, Seal.entry_id, Seal.prev_hash, Seal.hash).join(Entry, Entry.id == Seal.entry_id)
    if before_seq is not None:
        query = query.where(Seal.seq < before_seq)
    if where.kind:
        query = query.where(Entry.kind == where.kind)
    if where.since:
        query = query.where(Entry.created_at >= where.since)
    if where.until:
        query = query.where(Entry.created_at < where.until)
    if where.account:
        named = or_(
            Posting.account == where.account, Posting.account.startswith(where.account + ":", autoescape=True)
        )
        query = query.where(exists().where(Posting.entry_id == Entry.id, named))
    for owner in where.owners:
        owned = select(Account.code).where(Account.owner == owner)
        query = query.where(exists().where(Posting.entry_id == Entry.id, Posting.account.in_(owned)))
    seals = (await conn.execute(query.order_by(Seal.seq.desc()).limit(limit))).all()
    return await journal._views(conn, [(s.entry_id, s.seq, s.prev_hash, s.hash) for s in seals])


async def entries_by_id(conn: AsyncConnection, entry_ids: list[uuid.UUID]) -> dict[str, journal.EntryView]:
    """Entries with their seal where they have one (an entry is sealed within a moment of being written)."""
    found = set(await conn.scalars(select(Entry.id).where(Entry.id.in_(entry_ids))))
    seals = {
        s.entry_id: s
        for s in await conn.execute(
            select(Seal.seq, Seal.entry_id, Seal.prev_hash, Seal.hash).where(Seal.entry_id.in_(entry_ids))
        )
    }
    keys = [
        (e, seals[e].seq, seals[e].prev_hash, seals[e].hash) if e in seals else (e, None, None, None)
        for e in entry_ids
        if e in found
    ]
    return {view.id: view for view in await journal._views(conn, keys)}


async def point_postings(conn: AsyncConnection, entry_id: uuid.UUID) -> list[FlowPosting]:
    rows = await conn.execute(
        select(Posting.idx, Posting.account, Posting.amount, Posting.account_seq)
        .where(Posting.entry_id == entry_id, Posting.asset == "PT")
        .order_by(Posting.idx)
    )
    return [FlowPosting(r.idx, r.account, int(r.amount), int(r.account_seq)) for r in rows]


async def flowed_before(conn: AsyncConnection, account: str, account_seq: int, *, inflow: bool) -> int:
    """How many points came into (or went out of) the account before its posting number `account_seq`."""
    side = Posting.amount < 0 if inflow else Posting.amount > 0
    total = await conn.scalar(
        select(func.coalesce(func.sum(func.abs(Posting.amount)), 0)).where(
            Posting.account == account, Posting.asset == "PT", Posting.account_seq < account_seq, side
        )
    )
    return int(total or 0)


async def covering(conn: AsyncConnection, account: str, position: int, *, inflow: bool) -> Covering | None:
    """The inflow (or outflow) posting of the account that holds its `position`-th point, counting from 0
    in posting order; None when the account's flows on that side do not reach that far."""
    side = "amount < 0" if inflow else "amount > 0"
    row = (
        await conn.execute(
            text(
                "SELECT entry_id, idx, cumulative - abs(amount) AS start FROM ("
                "  SELECT entry_id, idx, amount, account_seq,"
                "         sum(abs(amount)) OVER (ORDER BY account_seq) AS cumulative"
                f"  FROM postings WHERE account = :account AND asset = 'PT' AND {side}"
                ") flows WHERE cumulative > :position ORDER BY account_seq LIMIT 1"
            ),
            {"account": account, "position": position},
        )
    ).first()
    return None if row is None else Covering(row.entry_id, int(row.idx), position - int(row.start))


async def points_by_resident(conn: AsyncConnection) -> list[ResidentPoints]:
    """What each resident received from each program's budget, net of reversals."""
    rows = await conn.execute(
        text(
            "WITH drawn AS ("
            "  SELECT DISTINCT entry_id, split_part(account, ':', 2) AS program_id FROM postings"
            "  WHERE asset = 'PT' AND account LIKE 'program:%\\:budget'"
            ") "
            "SELECT d.program_id, coalesce(pr.name, d.program_id),"
            "       split_part(a.owner, ':', 2) AS resident_id,"
            "       coalesce(r.name, ''), -sum(p.amount) "
            "FROM drawn d JOIN postings p ON p.entry_id = d.entry_id AND p.asset = 'PT' "
            "JOIN accounts a ON a.code = p.account AND a.owner LIKE 'resident:%' "
            "LEFT JOIN programs pr ON pr.id = d.program_id "
            "LEFT JOIN residents r ON r.id = split_part(a.owner, ':', 2) "
            "GROUP BY 1, 2, 3, 4 ORDER BY 1, 5 DESC, 3"
        )
    )
    return [ResidentPoints(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]


async def budgets(conn: AsyncConnection) -> list[BudgetView]:
    """Every program budget, also one funded without a program row (the ledger allows it)."""
    rows = await conn.execute(
        text(
            "SELECT split_part(a.code, ':', 2) AS id, coalesce(pr.name, split_part(a.code, ':', 2)),"
            "       pr.points_valid_days, pr.monthly_cap, pr.annual_cap,"
            "       coalesce((SELECT -sum(amount) FROM postings WHERE account = a.code AND amount < 0), 0),"
            "       coalesce((SELECT sum(amount) FROM postings WHERE account = a.code AND amount > 0), 0),"
            "       coalesce(-b.posted, 0),"
            "       (SELECT count(DISTINCT resident_id) FROM checkins c WHERE c.program_id = pr.id),"
            "       (SELECT count(*) FROM events e WHERE e.program_id = pr.id) "
            "FROM accounts a LEFT JOIN programs pr ON a.code = 'program:' || pr.id || '\\:budget' "
            "LEFT JOIN balances b ON b.account = a.code AND b.asset = 'PT' "
            "WHERE a.code LIKE 'program:%\\:budget' ORDER BY 2"
        )
    )
    return [BudgetView(*r[:5], *(int(v or 0) for v in r[5:])) for r in rows]
