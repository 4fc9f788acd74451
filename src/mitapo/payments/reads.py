"""Reads for paying at shops: merchants, payment requests, payments and their refunds, cashback, settlements,
and the webhook outbox (whose delivery state is the one thing here that is updated, outside the journal)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

MERCHANT_COLUMNS = (
    "id, name, name_ascii, city, city_ascii, mcc, fee_bps, bank_code, bank_name_kana, branch_code, "
    "branch_name_kana, account_type, account_number, account_holder_kana, postal_code, jpqr_id"
)


@dataclass(frozen=True, slots=True)
class MerchantView:
    id: str
    name: str
    name_ascii: str
    city: str
    city_ascii: str
    mcc: str
    fee_bps: int
    bank_code: str | None
    bank_name_kana: str | None
    branch_code: str | None
    branch_name_kana: str | None
    account_type: str | None
    account_number: str | None
    account_holder_kana: str | None
    postal_code: str | None = None
    jpqr_id: str | None = None


@dataclass(frozen=True, slots=True)
class RequestView:
    id: str
    merchant_id: str
    amount: int
    reference: str | None
    expires_at: datetime
    payment_id: str | None


@dataclass(frozen=True, slots=True)
class PaymentView:
    n: int
    id: str
    merchant_id: str
    resident_id: str
    amount: int
    points_used: int
    money_used: int
    lots: list[tuple[str, int]]
    entry_id: str
    created_at: datetime
    refunded: int
    refunds: int
    reference: str | None = None  # the shop's slip number, as the shop gave it with the sale


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: uuid.UUID
    merchant_id: str
    type: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    url: str


async def merchant(conn: AsyncConnection, merchant_id: str) -> MerchantView | None:
    row = (
        await conn.execute(
            text(f"SELECT {MERCHANT_COLUMNS} FROM merchants WHERE id = :id"), {"id": merchant_id}
        )
    ).first()
    return None if row is None else MerchantView(*row)


async def merchant_on_lookup(conn: asyncpg.Connection, merchant_id: str) -> MerchantView | None:
    """The same on the lookup pool (`Database.lookup`), for a payment's path: one round trip, where a
    connection of the engine costs three (BEGIN, the query, ROLLBACK) and SQLAlchemy's work around them
    (docs/benchmarks.md, "Where a payment's CPU goes")."""
    row = await conn.fetchrow(f"SELECT {MERCHANT_COLUMNS} FROM merchants WHERE id = $1", merchant_id)
    return None if row is None else MerchantView(*row)


async def merchants_by_id(conn: AsyncConnection, ids: list[str]) -> dict[str, MerchantView]:
    rows = await conn.execute(
        text(f"SELECT {MERCHANT_COLUMNS} FROM merchants WHERE id = ANY(:ids)"), {"ids": ids}
    )
    return {row.id: MerchantView(*row) for row in rows}


async def cashback_campaign_list(conn: AsyncConnection, limit: int) -> list[dict[str, Any]]:
    """Every cashback campaign, the latest to start first, with the shops it names (id and name)."""
    rows = await conn.execute(
        text(
            "SELECT c.id, c.name, c.program_id, c.rate_bps, c.monthly_cap, c.starts_on, c.ends_on, c.mccs,"
            " coalesce((SELECT json_agg(json_build_object('id', m.id, 'name', m.name) ORDER BY m.name, m.id)"
            " FROM merchants m WHERE m.id = ANY(c.merchant_ids)), '[]') AS shops"
            " FROM cashback_campaigns c ORDER BY c.starts_on DESC, c.id LIMIT :limit"
        ),
        {"limit": limit},
    )
    return [row._asdict() | {"shops": _json(row.shops)} for row in rows]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def payment_request(conn: AsyncConnection, request_id: str) -> RequestView | None:
    row = (
        await conn.execute(
            text(
                "SELECT r.id, r.merchant_id, r.amount, r.reference, r.expires_at, p.id AS payment_id "
                "FROM payment_requests r LEFT JOIN payments p ON p.request_id = r.id WHERE r.id = :id"
            ),
            {"id": request_id},
        )
    ).first()
    return None if row is None else RequestView(*row)


_PAYMENT = """
    SELECT p.n, p.id, p.merchant_id, p.resident_id, p.amount, p.points_used, p.money_used, p.lots,
           p.entry_id::text, p.created_at,
           coalesce((SELECT sum(amount) FROM refunds r WHERE r.payment_id = p.id), 0) AS refunded,
           (SELECT count(*) FROM refunds r WHERE r.payment_id = p.id) AS refunds,
           p.reference
    FROM payments p
"""


def _payment(row: Any) -> PaymentView:
    values = list(row)
    lots = values[7] if not isinstance(values[7], str) else json.loads(values[7])
    values[7] = [(str(expires_on), int(points)) for expires_on, points in lots]
    values[10], values[11] = int(values[10]), int(values[11])
    return PaymentView(*values)


async def payment(conn: AsyncConnection, payment_id: str) -> PaymentView | None:
    row = (await conn.execute(text(_PAYMENT + " WHERE p.id = :id"), {"id": payment_id})).first()
    return None if row is None else _payment(row)


async def payment_of_entry(conn: AsyncConnection, entry_id: uuid.UUID) -> PaymentView | None:
    row = (await conn.execute(text(_PAYMENT + " WHERE p.entry_id = :e"), {"e": entry_id})).first()
    return None if row is None else _payment(row)


async def merchant_payments(
    conn: AsyncConnection, merchant_id: str, before: int | None, limit: int
) -> list[PaymentView]:
    """The shop's payments, newest first, `limit` of them older than the cursor `before`."""
    rows = await conn.execute(
        text(_PAYMENT + " WHERE p.merchant_id = :m AND p.n < :before ORDER BY p.n DESC LIMIT :limit"),
        {"m": merchant_id, "before": before if before is not None else 2**62, "limit": limit},
    )
    return [_payment(row) for row in rows]


# --- webhooks --------------------------------------------------------------------------------------------


async def set_webhook(conn: asyncpg.Connection, merchant_id: str, url: str) -> None:
    await conn.execute(
        "INSERT INTO webhook_endpoints (merchant_id, url) VALUES ($1, $2) "
        "ON CONFLICT (merchant_id) DO UPDATE SET url = excluded.url, updated_at = now()",
        merchant_id,
        url,
    )


async def claim_due(
    conn: asyncpg.Connection, now: datetime, lease_until: datetime, limit: int
) -> list[OutboxItem]:
    """Events due for delivery to a registered URL, leased until `lease_until` so that no other worker takes
    them meanwhile; a worker that dies leaves them to be taken again when the lease ends (at least once)."""
    rows = await conn.fetch(
        """
        WITH due AS (
            SELECT o.id FROM webhook_outbox o JOIN webhook_endpoints w USING (merchant_id)
            WHERE o.delivered_at IS NULL AND o.gave_up_at IS NULL AND o.next_attempt_at <= $1
            ORDER BY o.next_attempt_at LIMIT $3 FOR UPDATE OF o SKIP LOCKED
        )
        UPDATE webhook_outbox o SET next_attempt_at = $2 FROM due, webhook_endpoints w
        WHERE o.id = due.id AND w.merchant_id = o.merchant_id
        RETURNING o.id, o.merchant_id, o.type, o.payload::text, o.created_at, o.attempts, w.url
        """,
        now,
        lease_until,
        limit,
    )
    return [
        OutboxItem(
            r["id"],
            r["merchant_id"],
            r["type"],
            json.loads(r["payload"]),
            r["created_at"],
            r["attempts"],
            r["url"],
        )
        for r in rows
    ]


async def mark_delivered(conn: asyncpg.Connection, event_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE webhook_outbox SET delivered_at = $2, attempts = attempts + 1, last_error = NULL "
        "WHERE id = $1",
        event_id,
        at,
    )


async def mark_failed(
    conn: asyncpg.Connection, event_id: uuid.UUID, error: str, retry_at: datetime | None, at: datetime
) -> None:
    """One more failed attempt: try again at `retry_at`, or give up when it is None."""
    await conn.execute(
        "UPDATE webhook_outbox SET attempts = attempts + 1, last_error = $2, "
        "next_attempt_at = coalesce($3::timestamptz, next_attempt_at), "
        "gave_up_at = CASE WHEN $3::timestamptz IS NULL THEN $4::timestamptz END "
        "WHERE id = $1",
        event_id,
        error[:500],
        retry_at,
        at,
    )


async def outbox_state(conn: asyncpg.Connection, event_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(
        "SELECT attempts, delivered_at, gave_up_at, next_attempt_at, last_error FROM webhook_outbox "
        "WHERE id = $1",
        event_id,
    )
    return None if row is None else dict(row)


# --- cashback --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CampaignView:
    id: str
    program_id: str
    rate_bps: int
    monthly_cap: int
    points_valid_days: int


@dataclass(frozen=True, slots=True)
class MonthlySpending:
    campaign: CampaignView
    resident_id: str
    month: str
    spent: int


async def uncredited_spending(conn: AsyncConnection, cutoff: datetime, prefix: str) -> list[MonthlySpending]:
    """Per campaign, resident and Tokyo month that ended by `cutoff`: what was spent at the campaign's shops,
    net of refunds, with no cashback decided yet (no spent token `<prefix><campaign>:<resident>:<month>`)."""
    rows = await conn.execute(
        text(
            """
            WITH spending AS (
                SELECT c.id AS campaign_id, p.resident_id,
                       to_char(p.created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS month,
                       sum(p.amount - coalesce((SELECT sum(r.amount) FROM refunds r
                                                WHERE r.payment_id = p.id), 0)) AS spent
                FROM cashback_campaigns c
                JOIN merchants m ON m.id = ANY(c.merchant_ids) OR m.mcc = ANY(c.mccs)
                JOIN payments p ON p.merchant_id = m.id
                WHERE (p.created_at AT TIME ZONE 'Asia/Tokyo')::date >= c.starts_on
                  AND (c.ends_on IS NULL OR (p.created_at AT TIME ZONE 'Asia/Tokyo')::date <= c.ends_on)
                  AND date_trunc('month', p.created_at AT TIME ZONE 'Asia/Tokyo') + interval '1 month'
                      <= (:cutoff AT TIME ZONE 'Asia/Tokyo')
                GROUP BY 1, 2, 3
            )
            SELECT c.id, c.program_id, c.rate_bps, c.monthly_cap, g.points_valid_days,
                   s.resident_id, s.month, s.spent
            FROM spending s
            JOIN cashback_campaigns c ON c.id = s.campaign_id
            JOIN programs g ON g.id = c.program_id
            WHERE s.spent > 0 AND NOT EXISTS (
                SELECT 1 FROM spent_tokens t
                WHERE t.token = :prefix || s.campaign_id || ':' || s.resident_id || ':' || s.month)
            ORDER BY c.id, s.month, s.resident_id
            """
        ),
        {"cutoff": cutoff, "prefix": prefix},
    )
    return [MonthlySpending(CampaignView(*row[:5]), row[5], row[6], int(row[7])) for row in rows]


# --- settlement ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Receivable:
    account: str
    points: int
    money: int


async def last_settlement_end(conn: AsyncConnection) -> datetime | None:
    end: datetime | None = await conn.scalar(text("SELECT max(period_end) FROM settlements"))
    return end


async def receivables_due(conn: AsyncConnection, until: datetime) -> list[Receivable]:
    """Each receivable's normal balance at `until`, less what later settlements already moved out of it:
    what the period ending at `until` owes, whatever was posted since."""
    rows = await conn.execute(
        text(
            """
            WITH accounts AS (
                SELECT DISTINCT account FROM balances
                WHERE account ~ '^(merchant|recipient|operator):[^:]+:(receivable|received)$'
            ), at_until AS (
                SELECT a.account, b.asset,
                       -coalesce((SELECT p.balance_after FROM postings p
                                  WHERE p.account = a.account AND p.asset = b.asset AND p.created_at <= :until
                                  ORDER BY p.created_at DESC, p.account_seq DESC LIMIT 1), 0) AS due
                FROM accounts a JOIN balances b ON b.account = a.account
            )
            SELECT u.account,
                   sum(CASE WHEN u.asset = 'PT' THEN u.due END)
                     - coalesce((SELECT sum(l.points) FROM settlement_lines l
                                 WHERE l.account = u.account AND l.created_at > :until), 0) AS points,
                   sum(CASE WHEN u.asset = 'JPY' THEN u.due END)
                     - coalesce((SELECT sum(l.money) FROM settlement_lines l
                                 WHERE l.account = u.account AND l.created_at > :until), 0) AS money
            FROM at_until u GROUP BY u.account ORDER BY u.account
            """
        ),
        {"until": until},
    )
    return [Receivable(row[0], int(row[1] or 0), int(row[2] or 0)) for row in rows]


@dataclass(frozen=True, slots=True)
class SettlementLine:
    account: str
    party_kind: str
    party_id: str
    points: int
    money: int
    fee: int
    payout: int
    entry_id: str


@dataclass(frozen=True, slots=True)
class SettlementView:
    id: str
    period_start: datetime | None
    period_end: datetime
    created_at: datetime
    lines: list[SettlementLine]


async def settlement(conn: AsyncConnection, settlement_id: str) -> SettlementView | None:
    head = (
        await conn.execute(
            text("SELECT id, period_start, period_end, created_at FROM settlements WHERE id = :id"),
            {"id": settlement_id},
        )
    ).first()
    if head is None:
        return None
    rows = await conn.execute(
        text(
            "SELECT account, party_kind, party_id, points, money, fee, payout, entry_id::text "
            "FROM settlement_lines WHERE settlement_id = :id ORDER BY account"
        ),
        {"id": settlement_id},
    )
    lines = [SettlementLine(*row) for row in rows]
    return SettlementView(head.id, head.period_start, head.period_end, head.created_at, lines)


async def settlements_before(
    conn: AsyncConnection, before: str | None, limit: int
) -> list[SettlementView] | None:
    """The settlements that ended before settlement `before` (all when None), newest first, with their lines;
    None when `before` names no settlement."""
    if (
        before is not None
        and await conn.scalar(text("SELECT 1 FROM settlements WHERE id = :id"), {"id": before}) is None
    ):
        return None
    ids = (
        await conn.execute(
            text(
                "SELECT id FROM settlements WHERE CAST(:before AS text) IS NULL "
                "OR period_end < (SELECT period_end FROM settlements WHERE id = :before) "
                "ORDER BY period_end DESC LIMIT :limit"
            ),
            {"before": before, "limit": limit},
        )
    ).scalars()
    found = [await settlement(conn, settlement_id) for settlement_id in ids]
    return [view for view in found if view is not None]


@dataclass(frozen=True, slots=True)
class TransferView:
    """The record that a settlement's bank transfer was made (`settlement_transfers`)."""

    settlement_id: str
    transferred_on: date
    reference: str | None
    recorded_by: str
    recorded_at: datetime


async def transfers_of(conn: AsyncConnection, settlement_ids: list[str]) -> dict[str, TransferView]:
    rows = await conn.execute(
        text(
            "SELECT settlement_id, transferred_on, reference, recorded_by, recorded_at "
            "FROM settlement_transfers WHERE settlement_id = ANY(:ids)"
        ),
        {"ids": settlement_ids},
    )
    return {row[0]: TransferView(*row) for row in rows}


@dataclass(frozen=True, slots=True)
class PayoutLine:
    """One settlement of one shop, as its till lists them."""

    settlement_id: str
    period_start: datetime | None
    period_end: datetime
    points: int
    money: int
    fee: int
    payout: int


async def payouts_of(conn: AsyncConnection, merchant_id: str, limit: int) -> list[PayoutLine]:
    """The shop's settlement lines, newest first."""
    rows = await conn.execute(
        text(
            "SELECT s.id, s.period_start, s.period_end, l.points, l.money, l.fee, l.payout "
            "FROM settlement_lines l JOIN settlements s ON s.id = l.settlement_id "
            "WHERE l.party_kind = 'merchant' AND l.party_id = :merchant "
            "ORDER BY s.period_end DESC, s.id LIMIT :limit"
        ),
        {"merchant": merchant_id, "limit": limit},
    )
    return [PayoutLine(*row) for row in rows]


BANK_FIELDS = (
    "bank_code",
    "bank_name_kana",
    "branch_code",
    "branch_name_kana",
    "account_type",
    "account_number",
    "account_holder_kana",
)


async def account_exists(conn: AsyncConnection, code: str) -> bool:
    found = await conn.execute(text("SELECT 1 FROM accounts WHERE code = :code"), {"code": code})
    return found.first() is not None


async def payee_banks(
    conn: AsyncConnection, parties: list[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The newest bank details of each (party_kind, party_id) that has any."""
    if not parties:
        return {}
    rows = await conn.execute(
        text(
            f"SELECT DISTINCT ON (party_kind, party_id) party_kind, party_id, {', '.join(BANK_FIELDS)} "
            "FROM payee_bank_accounts WHERE (party_kind || ':' || party_id) = ANY(:keys) "
            "ORDER BY party_kind, party_id, created_at DESC"
        ),
        {"keys": [f"{kind}:{party_id}" for kind, party_id in parties]},
    )
    return {(row[0], row[1]): dict(zip(BANK_FIELDS, row[2:], strict=True)) for row in rows}


# --- cashback clawbacks ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CashbackCredit:
    """A cashback credited on the month of a payment, with what that month's spending and earlier refunds'
    clawbacks stand at now."""

    campaign_id: str
    program_id: str
    rate_bps: int
    monthly_cap: int
    resident_id: str
    month: str
    lot: str  # the lot the cashback went into
    credited: int
    spent: int  # the month's spending at the campaign's shops, net of every refund made so far
    taken: int  # clawed back and owed by earlier refunds


async def cashback_credits(conn: AsyncConnection, payment_id: str) -> list[CashbackCredit]:
    """The cashback credits a refund of this payment may take back from (none before the month's credit)."""
    rows = await conn.execute(
        text(
            """
            WITH pay AS (
                SELECT p.resident_id, p.merchant_id, m.mcc, p.created_at,
                       to_char(p.created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS month,
                       (p.created_at AT TIME ZONE 'Asia/Tokyo')::date AS day
                FROM payments p JOIN merchants m ON m.id = p.merchant_id WHERE p.id = :payment
            ), camp AS (
                SELECT c.id, c.program_id, c.rate_bps, c.monthly_cap, c.merchant_ids, c.mccs, c.starts_on,
                       c.ends_on, pay.resident_id, pay.month, pay.created_at
                FROM cashback_campaigns c, pay
                WHERE (pay.merchant_id = ANY(c.merchant_ids) OR pay.mcc = ANY(c.mccs))
                  AND pay.day >= c.starts_on AND (c.ends_on IS NULL OR pay.day <= c.ends_on)
            )
            SELECT camp.id, camp.program_id, camp.rate_bps, camp.monthly_cap, camp.resident_id, camp.month,
                   po.account, -po.amount,
                   (SELECT coalesce(sum(p2.amount - coalesce((SELECT sum(r.amount) FROM refunds r
                                                               WHERE r.payment_id = p2.id), 0)), 0)
                    FROM payments p2 JOIN merchants m2 ON m2.id = p2.merchant_id
                    WHERE p2.resident_id = camp.resident_id
                      AND (m2.id = ANY(camp.merchant_ids) OR m2.mcc = ANY(camp.mccs))
                      AND to_char(p2.created_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') = camp.month
                      AND (p2.created_at AT TIME ZONE 'Asia/Tokyo')::date >= camp.starts_on
                      AND (camp.ends_on IS NULL
                           OR (p2.created_at AT TIME ZONE 'Asia/Tokyo')::date <= camp.ends_on)),
                   (SELECT coalesce(sum(k.points_clawed + k.points_owed), 0) FROM cashback_clawbacks k
                    WHERE k.refund_id IS NOT NULL AND k.campaign_id = camp.id
                      AND k.resident_id = camp.resident_id AND k.month = camp.month)
            FROM camp
            JOIN entries e ON e.kind = 'cashback' AND e.created_at >= camp.created_at
                          AND e.meta->>'campaign_id' = camp.id AND e.meta->>'resident_id' = camp.resident_id
                          AND e.meta->>'month' = camp.month
            JOIN postings po ON po.entry_id = e.id AND po.asset = 'PT' AND po.amount < 0
            ORDER BY camp.id
            """
        ),
        {"payment": payment_id},
    )
    return [
        CashbackCredit(row[0], row[1], row[2], int(row[3]), row[4], row[5], row[6], *map(int, row[7:10]))
        for row in rows
    ]


async def cashback_owed(conn: AsyncConnection, resident_ids: list[str]) -> dict[str, int]:
    """What each of the residents still owes of cashback taken back after it was spent (one who owes
    nothing, or never did, is left out)."""
    rows = await conn.execute(
        text(
            "SELECT resident_id, sum(points_owed) FROM cashback_clawbacks"
            " WHERE resident_id = ANY(:r) GROUP BY resident_id"
        ),
        {"r": resident_ids},
    )
    return {resident_id: int(owed) for resident_id, owed in rows if owed}
