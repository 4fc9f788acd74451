"""What the payment routes take and answer: the OpenAPI document shows these shapes, and the shops' SDK is
checked against them. Moments are ISO 8601 strings with their offset, as the services write them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

import msgspec

from mitapo.cards.schemas import CardText, Pin
from mitapo.engine.funding import FundingMode
from mitapo.http.schemas import _NAME_PATTERN, Body, Id, Moment, Name, Out, Points, Yen, whole

Mcc = Annotated[str, msgspec.Meta(pattern=whole(r"[0-9]{4}"))]
Payload = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Reference = Annotated[str, msgspec.Meta(min_length=1, max_length=25, pattern=whole(r"[\x20-\x7e]+"))]
Kana = Annotated[str, msgspec.Meta(min_length=1, max_length=30, pattern=_NAME_PATTERN)]
Funding = FundingMode
Stamp = Annotated[str, msgspec.Meta(description="a moment, ISO 8601 with its offset")]
RequestStatus = Literal["open", "paid", "expired"]
PaymentStatus = Literal["succeeded", "partially_refunded", "refunded"]


# --- requests ----------------------------------------------------------------------------------------------


class BankAccountIn(Body):
    bank_code: Annotated[str, msgspec.Meta(pattern=whole(r"[0-9]{4}"))]
    branch_code: Annotated[str, msgspec.Meta(pattern=whole(r"[0-9]{3}"))]
    account_number: Annotated[str, msgspec.Meta(pattern=whole(r"[0-9]{7}"))]
    account_holder_kana: Kana
    account_type: Literal["ordinary", "current", "savings"] = "ordinary"
    # accepted and ignored: the names in the transfer file are the Zengin list's for the codes (`banks`)
    bank_name_kana: Annotated[str, msgspec.Meta(max_length=15)] = ""
    branch_name_kana: Annotated[str, msgspec.Meta(max_length=15)] = ""


class PayeeBankOut(Out):
    party_kind: str
    party_id: str
    bank_code: str
    bank_name_kana: str
    branch_code: str
    branch_name_kana: str
    account_type: str
    account_number: str
    account_holder_kana: str


class MerchantIn(Body):
    name: Name
    city: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_NAME_PATTERN)] = "三鷹市"
    mcc: Mcc = "5999"
    fee_bps: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 0
    name_ascii: Annotated[str, msgspec.Meta(min_length=1, max_length=25)] | None = None
    city_ascii: Annotated[str, msgspec.Meta(min_length=1, max_length=15)] | None = None
    bank: BankAccountIn | None = None
    postal_code: Annotated[str, msgspec.Meta(pattern=whole(r"[0-9]{3}-?[0-9]{4}"))] | None = None
    jpqr_store_code: Annotated[str, msgspec.Meta(pattern=whole(r"[0-9]{13}"))] | None = None
    area: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_NAME_PATTERN)] | None = None


class WebhookIn(Body):
    url: Annotated[
        str, msgspec.Meta(min_length=8, max_length=2000, pattern=whole(r"https?://[^\x00-\x20\x7f]+"))
    ]


class PaymentRequestIn(Body):
    amount: Yen
    reference: Reference | None = None


class PaymentPreviewIn(Body):
    qr_payload: Payload


class PaymentIn(Body):
    qr_payload: Payload
    amount: Yen | None = None
    funding: Funding = "points_first"


class ChargeIn(Body):
    """The resident's pay code as scanned (`pay_code`), or a みたポ card (`card`: its QR's payload or its
    number) with the PIN its holder entered on the till (`pin`): one of the two."""

    amount: Yen
    pay_code: Payload | None = None
    card: CardText | None = None
    pin: Pin | None = None
    reference: Reference | None = None


class RefundIn(Body):
    amount: Yen


class CashbackCampaignIn(Body):
    name: Name
    program_id: Id
    rate_bps: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    monthly_cap: Points
    starts_on: date
    ends_on: date | None = None
    merchant_ids: Annotated[list[Id], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)
    mccs: Annotated[list[Mcc], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)


class SettlementIn(Body):
    until: Moment | None = None


# a bank's reference for a transfer (振込の受付番号): printable, no control characters
TransferReference = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100, pattern=whole(r"[^\x00-\x1f\x7f]+"))
]


class TransferIn(Body):
    """The bank transfer of a settlement was made: on which day, and the bank's reference if it gave one."""

    transferred_on: date
    reference: TransferReference | None = None


# --- answers -----------------------------------------------------------------------------------------------


class MerchantCreated(Out):
    """`api_key` is the shop's secret, shown once: a replay answers null."""

    id: str
    api_key: str | None
    qr_payload: str


class ShopCodeOut(Out):
    """A shop's code, static or a payment request's (`?format=png` or `svg` draws it)."""

    payload: str


class PayCodeOut(Out):
    payload: str
    expires_at: Stamp


class WebhookOut(Out):
    merchant_id: str
    url: str


class PaymentRequestCreated(Out):
    id: str
    amount: int
    status: RequestStatus
    qr_payload: str
    expires_at: Stamp


class PaymentRequestOut(Out):
    id: str
    amount: int
    status: RequestStatus
    payment_id: str | None
    reference: str | None
    expires_at: Stamp


class PaymentPreviewOut(Out):
    """The shop as registered; for a payment request's code, the request too (null for a static code)."""

    merchant_id: str
    name: str
    city: str
    kind: Literal["static", "dynamic"]
    amount: int | None
    payment_request_id: str | None
    status: RequestStatus | None


class PaymentOut(Out):
    """A payment just made (also the `payment` of the `payment.succeeded` webhook)."""

    id: str
    merchant_id: str
    amount: int
    points_used: int
    money_used: int
    entry_id: str
    status: PaymentStatus
    reference: str | None
    created_at: Stamp


class PaymentListed(Out):
    """A payment in the shop's list, with what was refunded of it so far and its slip number (`reference`,
    as the shop gave it with the sale; null when it gave none)."""

    id: str
    merchant_id: str
    amount: int
    points_used: int
    money_used: int
    entry_id: str
    status: PaymentStatus
    refunded: int
    reference: str | None
    created_at: Stamp


class PaymentPage(Out):
    items: list[PaymentListed]
    next_cursor: str | None


class RefundOut(Out):
    id: str
    payment_id: str
    amount: int
    points_refunded: int
    money_refunded: int
    points_expired: int
    entry_id: str
    created_at: Stamp


class CashbackCampaignCreated(Out):
    id: str


class CampaignShop(Out):
    id: str
    name: str


class CashbackCampaignListed(Out):
    """A cashback campaign: `rate_bps` (1/100 %) of what a resident spends at its shops (`shops`, or any
    shop of a category in `mccs`) comes back as points after each month, at most `monthly_cap` a month;
    `ends_on` null: open-ended."""

    id: str
    name: str
    program_id: str
    rate_bps: int
    monthly_cap: int
    starts_on: date
    ends_on: date | None
    shops: list[CampaignShop]
    mccs: list[str]


class CashbackCampaignsOut(Out):
    items: list[CashbackCampaignListed]


class SettlementLineOut(Out):
    merchant_id: str
    party_kind: str
    account: str
    points: int
    money: int
    fee: int
    payout: int
    entry_id: str


class PayoutFiles(Out):
    csv: str
    zengin: str | None  # none when nobody with bank details is owed anything: `note` says so
    transfers: int  # data records of the Zengin file
    transfer_total: int
    note: str | None


class OwedOut(Out):
    """A payee that ended the period owing the city (refunds after an earlier settlement): carried on, netted
    by a later settlement, never a negative transfer."""

    merchant_id: str
    party_kind: str
    account: str
    amount: int


class TransferOut(Out):
    """Who recorded that the settlement's bank transfer was made, for which day, and when they did."""

    on: date
    reference: str | None
    by: str
    at: Stamp


class SettlementOut(Out):
    id: str
    period_start: Stamp | None
    until: Stamp
    created_at: Stamp
    lines: list[SettlementLineOut]
    payout_files: PayoutFiles
    owed: list[OwedOut]
    transferred: TransferOut | None = None  # null until an admin records the bank transfer


SettlementStatus = Literal["to_transfer", "transferred", "nothing_to_transfer"]


class SettlementListed(Out):
    """One settlement in the city's list: its period, what it pays by bank, and whether that was done."""

    id: str
    period_start: Stamp | None
    until: Stamp
    created_at: Stamp
    lines: int
    payout_total: int
    transfers: int  # payees the bank file pays
    transfer_total: int
    status: SettlementStatus
    transferred: TransferOut | None


class SettlementsPage(Out):
    items: list[SettlementListed]
    next_before: str | None  # the id to ask `before=` for the older ones; null at the end


class MerchantPayout(Out):
    """One settlement of the shop: what it took in points and money, the fee, and the payout."""

    settlement_id: str
    period_start: Stamp | None
    until: Stamp
    points: int
    money: int
    fee: int
    payout: int


class MerchantPayouts(Out):
    items: list[MerchantPayout]


class PaymentReceipt(Out):
    """A resident's own payment, with the shop's registered name: what the app's result screen shows."""

    id: str
    merchant_id: str
    merchant_name: str
    amount: int
    points_used: int
    money_used: int
    entry_id: str
    status: PaymentStatus
    refunded: int
    reference: str | None  # the shop's slip number
    created_at: Stamp


class PaymentAttemptOut(Out):
    """Whether a payment attempt (its Idempotency-Key) went through: `paid` with the payment, or `unknown`
    (nothing was written under that key yet: a retry with the same key pays at most once)."""

    status: Literal["paid", "unknown"]
    payment: PaymentReceipt | None
