"""The one catalog of the words the service answers with: the kinds of entry it posts to the journal and the
error codes it refuses with.

Everything else derives from here: the HTTP status of a refusal (`mitapo.http.errors`), the pages' names of
kinds (`mitapo.web.i18n`), the words of a resident's statement (`mitapo.points.statements`), the auditor's
monthly series and the kinds the journal may be filtered by (`mitapo.audit.desk`), and the `CHECK (kind IN …)`
on `entries`. Adding a kind or a code is one line here; a test fails while anything that lists them disagrees.

**The auditor's monthly series.** Each kind says which series its volume (the sum of its debits, per asset)
counts in and with which sign: a refund gives back what was spent, so it counts in "spent" negatively. A gift
moves points between residents, a settlement pays out what shops already took, a closure pays out a closed
account and a transfer is the ledger's bare move between two accounts (tools and tests): none of them is a
flow the series measure, so they count in none. A **reversal** is the mirror image of the entry it reverses,
so it counts where that entry counted, with the opposite sign: reversing a grant of 500 takes 500 off
"granted", reversing a refund puts it back into "spent". A reversal of a reversal would restore the
original's flow; the series read one level of `reverses` only, so it counts in none (the journal shows it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from mitapo.engine.chart import JPY, PT


class Kind(StrEnum):
    """What an entry is, as `entries.kind` stores it. Ordered as the auditor's journal filter lists them."""

    FUNDING = "funding"
    GRANT = "grant"
    TOPUP = "topup"
    BONUS = "bonus"
    DONATION = "donation"
    MATCH = "match"
    GIFT = "gift"
    PAYMENT = "payment"
    REFUND = "refund"
    FARE = "fare"
    CASHBACK = "cashback"
    EXPIRY = "expiry"
    SETTLEMENT = "settlement"
    REVERSAL = "reversal"
    CLOSURE = "closure"
    TRANSFER = "transfer"

    @property
    def facts(self) -> KindFacts:
        return KINDS[self]


@dataclass(frozen=True, slots=True)
class Place:
    """A monthly series of the auditor's desk that a kind's volume of `asset` counts in, with `sign`."""

    asset: str
    series: str
    sign: Literal[1, -1] = 1


MIRROR: Final = "mirror"
"""The place of a reversal: that of the entry it reverses, with the opposite sign."""


@dataclass(frozen=True, slots=True)
class KindFacts:
    ja: str
    en: str
    places: tuple[Place, ...] | Literal["mirror"]
    statement_by_label: bool = False
    """A resident's statement describes the entry by its label (lower-cased English) when it names neither an
    event nor a shop; otherwise by its memo, which says more (which program, which campaign)."""


SERIES: Final[Mapping[str, tuple[str, ...]]] = {
    PT: ("funded", "granted", "spent", "donated", "expired"),
    JPY: ("charged", "spent"),
}
"""The auditor's monthly series of each asset, in the order the desk draws them."""

_SPENT = (Place(PT, "spent"), Place(JPY, "spent"))
_GRANTED = (Place(PT, "granted"),)

KINDS: Final[Mapping[Kind, KindFacts]] = {
    Kind.FUNDING: KindFacts("予算の原資", "Budget funding", (Place(PT, "funded"),)),
    Kind.GRANT: KindFacts("参加ポイント", "Points for taking part", _GRANTED),
    Kind.TOPUP: KindFacts("マネーのチャージ", "Money charged", (Place(JPY, "charged"),), True),
    Kind.BONUS: KindFacts("チャージ特典", "Charge bonus", _GRANTED, True),
    Kind.DONATION: KindFacts("寄付", "Donation", (Place(PT, "donated"),), True),
    Kind.MATCH: KindFacts("寄付の上乗せ", "Donation match", _GRANTED),
    Kind.GIFT: KindFacts("ポイントの贈り物", "Gift", (), True),
    Kind.PAYMENT: KindFacts("お支払い", "Payment", _SPENT),
    Kind.REFUND: KindFacts("返金", "Refund", (Place(PT, "spent", -1), Place(JPY, "spent", -1)), True),
    Kind.FARE: KindFacts("バス運賃", "Bus fare", _SPENT, True),
    Kind.CASHBACK: KindFacts("キャッシュバック", "Cashback", _GRANTED),
    Kind.EXPIRY: KindFacts("ポイントの失効", "Points expired", (Place(PT, "expired"),), True),
    Kind.SETTLEMENT: KindFacts("精算", "Settlement", ()),
    Kind.REVERSAL: KindFacts("訂正", "Correction", MIRROR, True),
    Kind.CLOSURE: KindFacts("解約", "Account closed", ()),
    Kind.TRANSFER: KindFacts("振替", "Transfer", ()),
}


def series_places(kind: str, reverses: str | None = None) -> tuple[Place, ...]:
    """Where an entry of `kind` counts; for a reversal, `reverses` is the kind of the entry it reverses."""
    if kind not in _KIND_VALUES:
        return ()
    places = KINDS[Kind(kind)].places
    if places != MIRROR:
        return places
    if reverses is None or reverses == Kind.REVERSAL:
        return ()
    return tuple(Place(p.asset, p.series, -1 if p.sign == 1 else 1) for p in series_places(reverses))


_KIND_VALUES: Final = frozenset(kind.value for kind in Kind)


class Code(StrEnum):
    """A refusal's stable `code`, as problem+json answers it (CONTRACT.md's error codes)."""

    UNAUTHORIZED = "unauthorized"
    CREDENTIAL_REVOKED = "credential_revoked"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    VALIDATION_ERROR = "validation_error"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_MISMATCH = "idempotency_mismatch"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    BUDGET_EXHAUSTED = "budget_exhausted"
    CAP_EXCEEDED = "cap_exceeded"
    ALREADY_CLAIMED = "already_claimed"
    ALREADY_AWARDED = "already_awarded"
    ALREADY_EXPIRED = "already_expired"
    ALREADY_REVERSED = "already_reversed"
    CODE_EXPIRED = "code_expired"
    CODE_INVALID = "code_invalid"
    CODE_USED = "code_used"
    EVENT_NOT_OPEN = "event_not_open"
    EVENT_FULL = "event_full"
    GIFTING_DISABLED = "gifting_disabled"
    REFUND_EXCEEDS_PAYMENT = "refund_exceeds_payment"
    DUPLICATE_EXTERNAL_REF = "duplicate_external_ref"
    BALANCE_LIMIT_EXCEEDED = "balance_limit_exceeded"
    HOLD_NOT_PENDING = "hold_not_pending"
    ALREADY_SETTLED = "already_settled"
    ACCOUNT_CLOSED = "account_closed"
    HOLDS_PENDING = "holds_pending"
    TAP_IN_FUTURE = "tap_in_future"
    TAP_TOO_OLD = "tap_too_old"
    ROUTE_CODE_TAKEN = "route_code_taken"
    ROUTE_NOT_BOOKABLE = "route_not_bookable"
    BOOKING_CLOSED = "booking_closed"
    TRANSIT_BUSY = "transit_busy"
    RATE_LIMITED = "rate_limited"
    LOCKED_OUT = "locked_out"
    VELOCITY_EXCEEDED = "velocity_exceeded"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    DATABASE_UNAVAILABLE = "database_unavailable"
    SEALER_STUCK = "sealer_stuck"
    INTERNAL_ERROR = "internal_error"
    CHECKPOINT_MISMATCH = "checkpoint_mismatch"
    WITNESS_UNKNOWN = "witness_unknown"
    COSIGNATURE_INVALID = "cosignature_invalid"
    PIN_INVALID = "pin_invalid"
    CARD_LOCKED = "card_locked"
    CARD_REVOKED = "card_revoked"
    PAYER_NOT_CONFIGURED = "payer_not_configured"
    NOTHING_TO_TRANSFER = "nothing_to_transfer"
    ALREADY_TRANSFERRED = "already_transferred"
    TRANSFER_BEFORE_SETTLEMENT = "transfer_before_settlement"
    URL_NOT_ALLOWED = "url_not_allowed"
    POINTS_OVER_CEILING = "points_over_ceiling"
    PASSKEY_INVALID = "passkey_invalid"
    NUMBER_INVALID = "number_invalid"
    QUERY_INVALID = "query_invalid"
    # signals between the writer and the services, retried or absorbed before any answer; reaching HTTP would
    # be a bug, so their status is 500
    INTERNAL = "internal"
    FOLLOWER = "_follower"
    REFUND_RACED = "refund_raced"
    TRANSIT_STALE = "transit_stale"
    NOTHING_DUE = "nothing_due"
    EVENT_STARTED = "event_started"
    EVENT_CANCELLED = "event_cancelled"
    CARD_RACED = "card_raced"

    @property
    def status(self) -> int:
        return CODES[self].status

    @property
    def shop(self) -> bool:
        return CODES[self].shop


@dataclass(frozen=True, slots=True)
class CodeFacts:
    status: int
    shop: bool = False
    """A shop can receive it: some merchant-role route (`/v1/payment-requests…`, `/v1/charges`, refunds,
    `/v1/merchant…`, a shop's code) answers with it, so the merchant SDK has an exception for it."""


_SHOP, _OTHERS = True, False

CODES: Final[Mapping[Code, CodeFacts]] = {
    Code.UNAUTHORIZED: CodeFacts(401, _SHOP),
    Code.CREDENTIAL_REVOKED: CodeFacts(401, _SHOP),  # a secret revoked, or rotated out and past its grace
    Code.FORBIDDEN: CodeFacts(403, _SHOP),
    Code.NOT_FOUND: CodeFacts(404, _SHOP),
    Code.METHOD_NOT_ALLOWED: CodeFacts(405, _SHOP),
    Code.VALIDATION_ERROR: CodeFacts(400, _SHOP),
    Code.IDEMPOTENCY_KEY_REQUIRED: CodeFacts(400, _SHOP),
    Code.IDEMPOTENCY_MISMATCH: CodeFacts(422, _SHOP),
    Code.INSUFFICIENT_FUNDS: CodeFacts(422, _SHOP),  # a charge the pay code's owner cannot cover; a refund
    Code.BUDGET_EXHAUSTED: CodeFacts(422, _OTHERS),
    Code.CAP_EXCEEDED: CodeFacts(422, _OTHERS),
    Code.ALREADY_CLAIMED: CodeFacts(409, _OTHERS),
    Code.ALREADY_AWARDED: CodeFacts(409, _OTHERS),  # a cause awarded once already, with other terms
    Code.ALREADY_EXPIRED: CodeFacts(409, _OTHERS),  # a lot expired once already today
    Code.ALREADY_REVERSED: CodeFacts(409, _OTHERS),
    Code.CODE_EXPIRED: CodeFacts(422, _SHOP),
    Code.CODE_INVALID: CodeFacts(422, _SHOP),
    Code.CODE_USED: CodeFacts(409, _SHOP),  # a resident's pay code charged once already
    Code.EVENT_NOT_OPEN: CodeFacts(422, _OTHERS),
    Code.EVENT_FULL: CodeFacts(409, _OTHERS),
    Code.GIFTING_DISABLED: CodeFacts(403, _OTHERS),
    Code.REFUND_EXCEEDS_PAYMENT: CodeFacts(422, _SHOP),
    Code.DUPLICATE_EXTERNAL_REF: CodeFacts(409, _OTHERS),
    Code.BALANCE_LIMIT_EXCEEDED: CodeFacts(422, _OTHERS),
    Code.HOLD_NOT_PENDING: CodeFacts(409, _OTHERS),
    Code.ALREADY_SETTLED: CodeFacts(409, _OTHERS),  # settling is the city's (admin); the SDK names it anyway
    Code.ACCOUNT_CLOSED: CodeFacts(409, _OTHERS),
    Code.HOLDS_PENDING: CodeFacts(409, _OTHERS),
    Code.TAP_IN_FUTURE: CodeFacts(422, _OTHERS),
    Code.TAP_TOO_OLD: CodeFacts(422, _OTHERS),
    Code.ROUTE_CODE_TAKEN: CodeFacts(409, _OTHERS),
    Code.ROUTE_NOT_BOOKABLE: CodeFacts(422, _OTHERS),
    Code.BOOKING_CLOSED: CodeFacts(409, _OTHERS),
    Code.TRANSIT_BUSY: CodeFacts(409, _OTHERS),
    Code.RATE_LIMITED: CodeFacts(429, _SHOP),  # charges count against the "payments" rate; refunds that race
    Code.LOCKED_OUT: CodeFacts(429, _SHOP),  # too many unknown secrets from the till's address
    Code.VELOCITY_EXCEEDED: CodeFacts(422, _SHOP),  # a charge over the resident's daily spend
    Code.PAYLOAD_TOO_LARGE: CodeFacts(413, _SHOP),
    Code.UNSUPPORTED_MEDIA_TYPE: CodeFacts(415, _SHOP),
    Code.DATABASE_UNAVAILABLE: CodeFacts(503, _SHOP),
    Code.SEALER_STUCK: CodeFacts(503, _OTHERS),  # the readiness probe's, for the load balancer
    Code.INTERNAL_ERROR: CodeFacts(500, _SHOP),
    Code.CHECKPOINT_MISMATCH: CodeFacts(
        409, _OTHERS
    ),  # the service's checkpoint at that seq states another hash
    Code.WITNESS_UNKNOWN: CodeFacts(403, _OTHERS),  # a cosignature by a key no admin registered
    Code.COSIGNATURE_INVALID: CodeFacts(422, _OTHERS),  # it does not verify with the witness's key
    Code.PIN_INVALID: CodeFacts(422, _SHOP),  # a みたポ card charged with a wrong PIN
    Code.CARD_LOCKED: CodeFacts(409, _SHOP),  # five wrong PINs: locked until staff unlock it
    Code.CARD_REVOKED: CodeFacts(422, _SHOP),  # a card replaced by a newer one of its resident
    Code.PAYER_NOT_CONFIGURED: CodeFacts(409, _OTHERS),  # a Zengin file asked of a service with no payer set
    Code.NOTHING_TO_TRANSFER: CodeFacts(409, _OTHERS),  # a Zengin file of a settlement paying nobody by bank
    Code.ALREADY_TRANSFERRED: CodeFacts(409, _OTHERS),  # a settlement marked transferred once already
    Code.TRANSFER_BEFORE_SETTLEMENT: CodeFacts(422, _OTHERS),  # a transfer dated before its settlement's day
    Code.URL_NOT_ALLOWED: CodeFacts(422, _SHOP),  # a webhook URL that leads to a private address
    Code.POINTS_OVER_CEILING: CodeFacts(422, _OTHERS),  # an event worth more than its program allows
    Code.PASSKEY_INVALID: CodeFacts(422, _OTHERS),  # a passkey answer refused (origin, counter)
    Code.NUMBER_INVALID: CodeFacts(422, _OTHERS),  # a resident number mistyped: length or check digit
    Code.QUERY_INVALID: CodeFacts(422, _OTHERS),  # a search for residents empty, too short or too long
    Code.INTERNAL: CodeFacts(500, _OTHERS),  # the writer retries with more accounts locked
    Code.FOLLOWER: CodeFacts(500, _OTHERS),  # the writer's own: decided with an earlier command of its batch
    Code.REFUND_RACED: CodeFacts(500, _OTHERS),  # retried; rate_limited when it keeps racing
    Code.TRANSIT_STALE: CodeFacts(500, _OTHERS),  # retried; transit_busy when it keeps racing
    Code.NOTHING_DUE: CodeFacts(500, _OTHERS),  # a settlement line with nothing left to pay: skipped
    Code.EVENT_STARTED: CodeFacts(409, _OTHERS),  # an event is edited only before it starts
    Code.EVENT_CANCELLED: CodeFacts(409, _OTHERS),  # a cancelled event is not edited or cancelled again
    Code.CARD_RACED: CodeFacts(500, _OTHERS),  # two cards issued to one resident at once: the later retried
}


def shop_codes() -> frozenset[Code]:
    """The codes a shop can receive, each of which the merchant SDK raises as its own exception."""
    return frozenset(code for code, facts in CODES.items() if facts.shop)
