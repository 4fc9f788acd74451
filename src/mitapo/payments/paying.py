"""Paying at shops, three ways: the resident scans a payment request's code (dynamic), the shop's sticker and
types the amount (static), or the shop scans the resident's pay code and charges it.

Every way ends in one command: a `payment` entry that takes points (soonest-expiring lots first, or as the
resident chose) and money from the resident and puts them on the shop's receivable, the payment row that
remembers which lots it took, and the `payment.succeeded` event for the shop's webhook, all in one
transaction. What may be used once (a payment request, a pay code) is spent in that same transaction.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec

from mitapo.cards import cards
from mitapo.engine import chart, clock, funding
from mitapo.engine.commands import (
    ENTRY_ID,
    Command,
    Idempotency,
    Limit,
    Once,
    Plan,
    PlanView,
    Refusal,
    Row,
    Written,
)
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.engine.funding import FundingMode
from mitapo.engine.keys import KeyRing
from mitapo.engine.ledger import earlier_answer, post
from mitapo.limits import rules
from mitapo.payments import merchants, paycodes, reads, tables, webhooks
from mitapo.payments.reads import MerchantView, PaymentView
from mitapo.payments.schemas import (
    PaymentListed,
    PaymentPage,
    PaymentPreviewOut,
    PaymentRequestOut,
    PaymentStatus,
    RequestStatus,
)

REFERENCE_LIMIT = 25


@dataclass(frozen=True, slots=True)
class Purchase:
    """One payment about to be made: who pays whom how much, and how it came about."""

    merchant: MerchantView
    resident_id: str
    amount: int
    mode: FundingMode
    source: str
    request_id: str | None = None
    reference: str | None = None
    valid_until: datetime | None = None  # of the code it pays, judged by the writer's clock
    spend_per_day: int | None = None  # the resident's daily spending limit
    limits: tuple[Limit, ...] = ()  # more for the writer to hold: a card's life and its daily limit


async def create_request(
    db: Database,
    merchant_id: str,
    amount: int,
    reference: str | None,
    seconds: int,
    *,
    idempotency: Idempotency | None = None,
) -> Written:
    """A request for one payment of `amount`, as a dynamic code good until it expires or is paid."""
    _check_reference(reference)
    merchant = await merchants.get(db, merchant_id)
    request_id = f"pr_{uuid.uuid4().hex[:20]}"
    expires_at = (clock.now() + timedelta(seconds=seconds)).replace(microsecond=0)
    body = {
        "id": request_id,
        "amount": amount,
        "status": "open",
        "qr_payload": merchants.dynamic_code(merchant, request_id, amount, reference),
        "expires_at": expires_at.isoformat(),
    }
    row = {
        "id": request_id,
        "merchant_id": merchant_id,
        "amount": amount,
        "reference": reference,
        "expires_at": expires_at,
    }
    return await post(
        db,
        Command(
            kind=None,
            rows=(Row(tables.payment_requests, row),),
            idempotency=idempotency,
            result=lambda _: body,
        ),
    )


async def get_request(db: Database, merchant_id: str, request_id: str) -> PaymentRequestOut:
    async with db.read() as conn:
        request = await reads.payment_request(conn, request_id)
    if request is None or request.merchant_id != merchant_id:
        raise NotFound("payment request")
    return PaymentRequestOut(
        id=request.id,
        amount=request.amount,
        status=_status(request),
        payment_id=request.payment_id,
        reference=request.reference,
        expires_at=request.expires_at.isoformat(),
    )


def _status(request: reads.RequestView) -> RequestStatus:
    return "paid" if request.payment_id else "expired" if clock.now() > request.expires_at else "open"


async def request_code(db: Database, merchant_id: str, request_id: str) -> str:
    """A payment request's code again, to draw it (the code is a function of the request)."""
    async with db.read() as conn:
        request = await reads.payment_request(conn, request_id)
        merchant = await reads.merchant(conn, merchant_id)
    if request is None or merchant is None or request.merchant_id != merchant_id:
        raise NotFound("payment request")
    return merchants.dynamic_code(merchant, request.id, request.amount, request.reference)


async def preview(db: Database, qr_payload: str) -> PaymentPreviewOut:
    """What the resident's app shows before paying: the shop as registered, not as the sticker says."""
    code = merchants.read_code(qr_payload)
    merchant = await _merchant_of(db, code.merchant_id)
    answer = PaymentPreviewOut(
        merchant_id=merchant.id,
        name=merchant.name,
        city=merchant.city,
        kind=code.kind,
        amount=None,
        payment_request_id=None,
        status=None,
    )
    if code.kind == "dynamic":
        request = await _request_of(db, merchant, code.payment_request_id or "", code.amount)
        answer = msgspec.structs.replace(
            answer, amount=request.amount, payment_request_id=request.id, status=_status(request)
        )
    return answer


async def pay(
    db: Database,
    resident_id: str,
    qr_payload: str,
    amount: int | None,
    mode: FundingMode,
    *,
    idempotency: Idempotency | None = None,
    spend_per_day: int | None = None,
) -> Written:
    """The resident pays a shop's code: a payment request exactly once, a static code for `amount`."""
    code = merchants.read_code(qr_payload)
    merchant = await _merchant_of(db, code.merchant_id)
    if code.kind == "static":
        if amount is None:
            raise Invalid("a shop's static code needs the amount")
        purchase = Purchase(merchant, resident_id, amount, mode, "static", spend_per_day=spend_per_day)
        return await _submit(db, purchase, (), idempotency)
    request = await _request_of(db, merchant, code.payment_request_id or "", code.amount)
    if amount is not None and amount != request.amount:
        raise Invalid(f"this payment request is for {request.amount}, not {amount}")
    purchase = Purchase(
        merchant,
        resident_id,
        request.amount,
        mode,
        "dynamic",
        request.id,
        request.reference,
        request.expires_at,
        spend_per_day,
    )
    return await _submit(db, purchase, (Once(f"payment-request:{request.id}", "code_used"),), idempotency)


async def charge(
    db: Database,
    keys: KeyRing,
    merchant_id: str,
    pay_code: str,
    amount: int,
    reference: str | None,
    seconds: int,
    *,
    idempotency: Idempotency | None = None,
    spend_per_day: int | None = None,
) -> Written:
    """The shop scanned the resident's pay code: charge it, once."""
    _check_reference(reference)
    code = paycodes.read(keys, pay_code)
    merchant = await merchants.get(db, merchant_id)
    valid_until = code.issued_at + timedelta(seconds=seconds)
    purchase = Purchase(
        merchant,
        code.resident_id,
        amount,
        code.funding,
        "charge",
        None,
        reference,
        valid_until,
        spend_per_day,
    )
    return await _submit(db, purchase, (paycodes.once(code),), idempotency)


@dataclass(frozen=True, slots=True)
class CardCharge:
    """A till's charge of a みたポ card: the card as scanned or typed, the PIN its holder entered."""

    card: str
    pin: str
    amount: int
    reference: str | None = None


async def charge_card(
    db: Database,
    merchant_id: str,
    asked: CardCharge,
    pin_key: bytes,
    *,
    idempotency: Idempotency | None = None,
    spend_per_day: int | None = None,
    card_per_day: int | None = None,
) -> Written:
    """The shop charges a みたポ card with its holder's PIN, points first; a retry answers the first charge
    without asking the PIN again (the card may be locked or replaced by then, and the charge stands)."""
    reference = asked.reference
    _check_reference(reference)
    if idempotency is not None:
        sent = {"card": asked.card, "amount": asked.amount, "reference": reference}
        idempotency = cards.without_pin(idempotency, "POST /v1/charges", sent)
    earlier = await earlier_answer(db, idempotency)
    if earlier is not None:
        return earlier
    merchant = await merchants.get(db, merchant_id)
    holder = await cards.paying_holder(db, asked.card, asked.pin, pin_key)
    purchase = Purchase(
        merchant,
        holder.resident_id,
        asked.amount,
        "points_first",
        "card",
        reference=reference,
        spend_per_day=spend_per_day,
        limits=holder.limits(asked.amount, clock.tokyo_date(clock.now()), card_per_day),
    )
    return await _submit(db, purchase, (), idempotency)


async def list_for_merchant(db: Database, merchant_id: str, cursor: str | None, limit: int) -> PaymentPage:
    if cursor is not None and not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
        raise Invalid("cursor is the next_cursor of the previous page")
    async with db.read() as conn:
        found = await reads.merchant_payments(conn, merchant_id, int(cursor) if cursor else None, limit + 1)
    page = found[:limit]
    return PaymentPage(
        items=[listed(p) for p in page],
        next_cursor=str(page[-1].n) if len(found) > limit else None,
    )


def listed(payment: PaymentView) -> PaymentListed:
    refunded = payment.refunded
    status: PaymentStatus = (
        "refunded" if refunded == payment.amount else "partially_refunded" if refunded else "succeeded"
    )
    return PaymentListed(
        id=payment.id,
        merchant_id=payment.merchant_id,
        amount=payment.amount,
        points_used=payment.points_used,
        money_used=payment.money_used,
        entry_id=payment.entry_id,
        status=status,
        refunded=refunded,
        reference=payment.reference,
        created_at=payment.created_at.isoformat(),
    )


def _check_reference(reference: str | None) -> None:
    if reference is not None and not (0 < len(reference) <= REFERENCE_LIMIT and reference.isascii()):
        raise Invalid(f"reference is 1 to {REFERENCE_LIMIT} ASCII characters (it travels in the QR code)")


async def _merchant_of(db: Database, merchant_id: str) -> MerchantView:
    merchant = await merchants.find(db, merchant_id)
    if merchant is None:
        raise DomainError("code_invalid", "this code names no みたポ shop")
    return merchant


async def _request_of(
    db: Database, merchant: MerchantView, request_id: str, amount: int | None
) -> reads.RequestView:
    async with db.read() as conn:
        request = await reads.payment_request(conn, request_id)
    if request is None or request.merchant_id != merchant.id or request.amount != amount:
        raise DomainError("code_invalid", "this code names no payment request of this shop")
    return request  # paid already, or expired: the writer decides, after answering a retry of the payment


async def _submit(
    db: Database, purchase: Purchase, once: tuple[Once, ...], idempotency: Idempotency | None
) -> Written:
    return await post(db, _command(purchase, once, idempotency))


def _command(purchase: Purchase, once: tuple[Once, ...], idempotency: Idempotency | None) -> Command:
    payment_id = f"pay_{uuid.uuid4().hex[:20]}"
    entry_id = uuid.uuid4()
    merchant_id = purchase.merchant.id
    receivable = chart.merchant_receivable(merchant_id)

    def plan(view: PlanView) -> Plan:
        if purchase.valid_until is not None and view.now > purchase.valid_until:
            raise Refusal("code_expired", "the code has expired; show or ask for a fresh one")
        paid = funding.split(view, purchase.resident_id, purchase.amount, purchase.mode)
        record = {
            "id": payment_id,
            "merchant_id": merchant_id,
            "amount": purchase.amount,
            "points_used": paid.points,
            "money_used": paid.money,
            "entry_id": str(entry_id),
            "status": "succeeded",
            "reference": purchase.reference,
            "created_at": view.now.isoformat(),
        }
        return Plan(
            postings=(*funding.debits(purchase.resident_id, paid), *funding.credits(receivable.code, paid)),
            info={"payment": record},
            rows=(_payment_row(purchase, payment_id, paid, view.now), _event(merchant_id, record, view.now)),
        )

    return Command(
        kind="payment",
        entry_id=entry_id,
        memo=f"payment {payment_id} to {purchase.merchant.name}",
        meta={"payment_id": payment_id, "merchant_id": merchant_id, "source": purchase.source},
        lock_owners=(chart.resident_owner(purchase.resident_id), receivable.owner or ""),
        plan=plan,
        once=once,
        limits=(
            *rules.daily_spend(
                purchase.resident_id, purchase.amount, clock.tokyo_date(clock.now()), purchase.spend_per_day
            ),
            *purchase.limits,
        ),
        idempotency=idempotency,
        result=lambda decided: decided.info["payment"],
    )


def _payment_row(purchase: Purchase, payment_id: str, paid: funding.Funding, at: datetime) -> Row:
    return Row(
        tables.payments,
        {
            "id": payment_id,
            "merchant_id": purchase.merchant.id,
            "resident_id": purchase.resident_id,
            "request_id": purchase.request_id,
            "source": purchase.source,
            "amount": purchase.amount,
            "points_used": paid.points,
            "money_used": paid.money,
            "lots": json.dumps(paid.lots()),
            "reference": purchase.reference,
            "entry_id": ENTRY_ID,
            "created_at": at,
        },
    )


def _event(merchant_id: str, record: dict[str, Any], at: datetime) -> Row:
    return webhooks.event_row(merchant_id, webhooks.PAYMENT_SUCCEEDED, {"payment": record}, at)
