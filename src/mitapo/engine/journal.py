"""Reads of the journal and the balances (SQL lives here, not in the services)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.engine.tables import Balance, Entry, Posting, Seal


@dataclass(frozen=True, slots=True)
class PostingView:
    account: str
    asset: str
    amount: int


@dataclass(frozen=True, slots=True)
class EntryView:
    id: str
    seq: int | None
    kind: str
    created_at: datetime
    memo: str
    meta: dict[str, Any]
    postings: tuple[PostingView, ...]
    prev_hash: str | None
    hash: str | None


async def entry_postings(conn: AsyncConnection, entry_id: uuid.UUID) -> list[PostingView] | None:
    if await conn.scalar(select(Entry.id).where(Entry.id == entry_id)) is None:
        return None
    rows = await conn.execute(
        select(Posting.account, Posting.asset, Posting.amount)
        .where(Posting.entry_id == entry_id)
        .order_by(Posting.idx)
    )
    return [PostingView(r.account, r.asset, r.amount) for r in rows]


async def balance(conn: AsyncConnection, account: str, asset: str) -> int:
    """The maintained balance, debit-positive: one primary-key lookup however long the history."""
    value = await conn.scalar(
        select(Balance.posted).where(Balance.account == account, Balance.asset == asset)
    )
    return int(value or 0)


async def balance_at(conn: AsyncConnection, account: str, asset: str, moment: datetime) -> int:
    """The balance after the last posting at or before `moment`: one index lookup."""
    value = await conn.scalar(
        select(Posting.balance_after)
        .where(Posting.account == account, Posting.asset == asset, Posting.created_at <= moment)
        .order_by(Posting.created_at.desc(), Posting.account_seq.desc())
        .limit(1)
    )
    return int(value or 0)


async def all_balances(conn: AsyncConnection) -> list[tuple[str, str, int, int, int, bool]]:
    """(account, asset, posted, pending, normal_sign, may_go_negative) of every balance."""
    rows = await conn.execute(
        select(
            Balance.account,
            Balance.asset,
            Balance.posted,
            Balance.pending,
            Balance.normal_sign,
            Balance.may_go_negative,
        ).order_by(Balance.account, Balance.asset)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


async def replayed_balances(conn: AsyncConnection) -> dict[tuple[str, str], int]:
    """Every balance recomputed from the postings, to compare with the maintained ones."""
    rows = await conn.execute(
        select(Posting.account, Posting.asset, func.sum(Posting.amount)).group_by(
            Posting.account, Posting.asset
        )
    )
    return {(r[0], r[1]): int(r[2]) for r in rows}


async def sealed_entries(conn: AsyncConnection, after_seq: int, limit: int) -> list[EntryView]:
    seals = (
        await conn.execute(
            select(Seal.seq, Seal.entry_id, Seal.prev_hash, Seal.hash)
            .where(Seal.seq > after_seq)
            .order_by(Seal.seq)
            .limit(limit)
        )
    ).all()
    return await _views(conn, [(s.entry_id, s.seq, s.prev_hash, s.hash) for s in seals])


async def _views(
    conn: AsyncConnection, keys: list[tuple[uuid.UUID, int | None, bytes | None, bytes | None]]
) -> list[EntryView]:
    ids = [k[0] for k in keys]
    entries = {e.id: e for e in (await conn.execute(select(Entry).where(Entry.id.in_(ids)))).all()}
    postings: dict[uuid.UUID, list[PostingView]] = {}
    rows = await conn.execute(
        select(Posting.entry_id, Posting.account, Posting.asset, Posting.amount)
        .where(Posting.entry_id.in_(ids))
        .order_by(Posting.entry_id, Posting.idx)
    )
    for r in rows:
        postings.setdefault(r.entry_id, []).append(PostingView(r.account, r.asset, r.amount))
    return [
        EntryView(
            id=str(entry_id),
            seq=seq,
            kind=entries[entry_id].kind,
            created_at=entries[entry_id].created_at,
            memo=entries[entry_id].memo,
            meta=entries[entry_id].meta,
            postings=tuple(postings.get(entry_id, ())),
            prev_hash=prev.hex() if prev is not None else None,
            hash=h.hex() if h is not None else None,
        )
        for entry_id, seq, prev, h in keys
    ]


async def unsealed_count(conn: AsyncConnection) -> int:
    from mitapo.engine.tables import SealQueue

    return int(await conn.scalar(select(func.count()).select_from(SealQueue)) or 0)
