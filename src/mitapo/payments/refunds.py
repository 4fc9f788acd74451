"""Refunds: part or all of a payment, as often as asked, never more than was paid.

What comes back retraces the payment backwards: money first (it was spent last), then points, the lot spent
last first, each into a lot with its original expiry date. Points whose date has passed meanwhile go to
breakage in the same entry, as expiry would have sent them.

Two refunds of one payment are serialized by a spent token naming their place in line
(`refund:<payment>:<n>`): both may read "n refunds so far", only one can become the next; the other reads
again and is decided on the new truth. So the split into money and points is always computed from every
earlier refund, and the sum can never pass the payment.
"""

from __future__ import annotations

import uuid
from datetime import date

from mitapo.engine import chart, clock
from mitapo.engine.commands import (
    ENTRY_ID,
    AccountSpec,
    Command,
    Idempotency,
    Leg,
    Once,
    Plan,
    PlanView,
    Refusal,
    Row,
    Written,
)
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, NotFound
from mitapo.engine.ledger import post
from mitapo.payments import clawbacks, reads, tables, webhooks
from mitapo.payments.reads import PaymentView

RACED = "refund_raced"
ATTEMPTS = 20


async def refund(
    db: Database, merchant_id: str, payment_id: str, amount: int, *, idempotency: Idempotency | None = None
) -> Written:
    """Refund `amount` of a payment: `{id, points_refunded, money_refunded, points_expired, entry_id, …}`."""
    for _ in range(ATTEMPTS):
        async with db.read() as conn:
            payment = await reads.payment(conn, payment_id)
            if payment is None or payment.merchant_id != merchant_id:
                raise NotFound("payment")
            credits = await reads.cashback_credits(conn, payment_id)
        try:
            return await post(db, _command(payment, amount, clawbacks.due(credits, amount), idempotency))
        except DomainError as error:
            if error.code != RACED:
                raise
    raise DomainError("rate_limited", "too many refunds of this payment at once; retry with the same key")


def split(payment: PaymentView, amount: int) -> tuple[int, list[tuple[str, int]]]:
    """(money, [(expires_on, points), …]) that `amount` gives back after the refunds already made."""
    before = payment.refunded
    money = min(before + amount, payment.money_used) - min(before, payment.money_used)
    points_before = before - min(before, payment.money_used)
    return money, _lots_back(payment.lots, points_before, amount - money)


def _lots_back(lots: list[tuple[str, int]], skip: int, points: int) -> list[tuple[str, int]]:
    """Walk the lots from the last spent, past the `skip` points already given back, and take `points`."""
    back: list[tuple[str, int]] = []
    for expires_on, taken in reversed(lots):
        passed = min(skip, taken)
        skip -= passed
        give = min(taken - passed, points)
        if give:
            back.append((expires_on, give))
            points -= give
    return back


def _command(
    payment: PaymentView, amount: int, owed: list[clawbacks.Due], idempotency: Idempotency | None
) -> Command:
    refund_id = f"rf_{uuid.uuid4().hex[:20]}"
    entry_id = uuid.uuid4()
    money, lots = split(payment, amount)
    receivable = chart.merchant_receivable(payment.merchant_id)

    def plan(view: PlanView) -> Plan:
        if payment.refunded + amount > payment.amount:  # decided here, so that a retry is answered first
            left = payment.amount - payment.refunded
            raise Refusal(
                "refund_exceeds_payment", f"{left} of {payment.amount} is left to refund, not {amount}"
            )
        today = clock.tokyo_date(view.now)
        legs, accounts, expired = _giving_back(payment.resident_id, money, lots, today)
        given_back = {leg.account: -leg.amount for leg in legs if leg.asset == chart.PT}
        taking = clawbacks.take_back(view, owed, given_back, refund_id, today)
        legs.extend(taking.legs)
        legs.extend(_from_receivable(receivable.code, amount - money, money))
        record = {
            "id": refund_id,
            "payment_id": payment.id,
            "amount": amount,
            "points_refunded": amount - money,
            "money_refunded": money,
            "points_expired": expired,
            "entry_id": str(entry_id),
            "created_at": view.now.isoformat(),
        }
        row = {
            "id": refund_id,
            "payment_id": payment.id,
            "seq": payment.refunds + 1,
            "amount": amount,
            "points_refunded": amount - money,
            "money_refunded": money,
            "points_expired": expired,
            "entry_id": ENTRY_ID,
            "created_at": view.now,
        }
        event = webhooks.event_row(
            payment.merchant_id, webhooks.REFUND_SUCCEEDED, {"refund": record}, view.now
        )
        return Plan(
            postings=tuple(legs),
            accounts=accounts,
            info={"refund": record},
            rows=(Row(tables.refunds, row), event, *taking.rows),
        )

    return Command(
        kind="refund",
        entry_id=entry_id,
        memo=f"refund {refund_id} of payment {payment.id}",
        meta={"refund_id": refund_id, "payment_id": payment.id, "merchant_id": payment.merchant_id},
        accounts=(chart.resident_money(payment.resident_id), *clawbacks.budgets(owed)),
        lock_owners=(chart.resident_owner(payment.resident_id), receivable.owner or ""),
        plan=plan,
        limits=clawbacks.limits(owed, RACED),
        once=(Once(f"refund:{payment.id}:{payment.refunds + 1}", RACED),),
        idempotency=idempotency,
        result=lambda decided: decided.info["refund"],
    )


def _giving_back(
    resident_id: str, money: int, lots: list[tuple[str, int]], today: date
) -> tuple[list[Leg], tuple[AccountSpec, ...], int]:
    """Credits to the resident (money, then lots still valid) and to breakage for lots whose date passed."""
    legs = [Leg(chart.resident_money(resident_id).code, chart.JPY, -money)] if money else []
    accounts: list[AccountSpec] = []
    expired = 0
    for expires_on, points in lots:
        day = date.fromisoformat(expires_on)
        if day < today:
            expired += points
            continue
        lot = chart.resident_lot(resident_id, day)
        accounts.append(lot)
        legs.append(Leg(lot.code, chart.PT, -points))
    if expired:
        accounts.append(chart.BREAKAGE)
        legs.append(Leg(chart.BREAKAGE.code, chart.PT, -expired))
    return legs, tuple(accounts), expired


def _from_receivable(account: str, points: int, money: int) -> list[Leg]:
    legs = [Leg(account, chart.PT, points)] if points else []
    if money:
        legs.append(Leg(account, chart.JPY, money))
    return legs
