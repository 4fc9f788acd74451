"""The typed results of the client's calls, with exactly the fields docs/api.md promises.

Each model is built from the server's JSON by `from_json`, which checks every field's type: a wrong answer
fails loudly here as `UnexpectedResponse` instead of as a confusing error deep in a shop's POS code.
Fields the server adds later are ignored, so new server versions never break old integrations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar, cast

from mitapo_merchant._exceptions import UnexpectedResponse

__all__ = ["Page", "Payment", "PaymentRequest", "PaymentRequestStatus", "Refund"]

PaymentRequestStatus = Literal["open", "paid", "expired"]
_REQUEST_STATUSES: tuple[PaymentRequestStatus, ...] = ("open", "paid", "expired")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """A request for one payment of `amount` yen, shown to the customer as a dynamic QR code.

    `qr_payload` and `expires_at` come only with the answer that created it; reading it back later
    (`get_payment_request`) gives the status and, once paid, the `payment_id`. `reference` is the shop's
    slip (receipt) number given at creation; None when the shop gave none.
    """

    id: str
    amount: int
    status: PaymentRequestStatus
    payment_id: str | None = None
    qr_payload: str | None = None
    expires_at: datetime | None = None
    reference: str | None = None

    @classmethod
    def from_json(
        cls, data: object, *, amount: int | None = None, reference: str | None = None
    ) -> PaymentRequest:
        """`amount` and `reference` fill in what the creation answer does not repeat: what we asked for."""
        fields = _object(data, "payment request")
        status = fields.get("status", "open")
        if status not in _REQUEST_STATUSES:
            raise UnexpectedResponse(f"payment request status {status!r} is not one of {_REQUEST_STATUSES}")
        expires_at = _optional(fields, "expires_at", str)
        return cls(
            id=_required(fields, "id", str),
            amount=_amount(fields, "amount") if amount is None or "amount" in fields else amount,
            status=cast(PaymentRequestStatus, status),
            payment_id=_optional(fields, "payment_id", str),
            qr_payload=_optional(fields, "qr_payload", str),
            expires_at=None if expires_at is None else _timestamp(expires_at, "expires_at"),
            reference=_optional(fields, "reference", str) if "reference" in fields else reference,
        )


@dataclass(frozen=True, slots=True)
class Payment:
    """A completed payment to this shop; `points_used + money_used == amount`. `reference` is the shop's
    slip (receipt) number given with the sale (`charge`, `charge_card`, or the payment request it paid);
    None when the shop gave none."""

    id: str
    merchant_id: str
    amount: int
    points_used: int
    money_used: int
    entry_id: str
    status: str
    reference: str | None = None

    @classmethod
    def from_json(cls, data: object) -> Payment:
        fields = _object(data, "payment")
        return cls(
            id=_required(fields, "id", str),
            merchant_id=_required(fields, "merchant_id", str),
            amount=_amount(fields, "amount"),
            points_used=_amount(fields, "points_used"),
            money_used=_amount(fields, "money_used"),
            entry_id=_required(fields, "entry_id", str),
            status=_required(fields, "status", str),
            reference=_optional(fields, "reference", str),
        )


@dataclass(frozen=True, slots=True)
class Refund:
    """A refund of part or all of a payment, split back into points and money as the payment was."""

    id: str
    points_refunded: int
    money_refunded: int
    entry_id: str

    @classmethod
    def from_json(cls, data: object) -> Refund:
        fields = _object(data, "refund")
        return cls(
            id=_required(fields, "id", str),
            points_refunded=_amount(fields, "points_refunded"),
            money_refunded=_amount(fields, "money_refunded"),
            entry_id=_required(fields, "entry_id", str),
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list; pass `next_cursor` back to get the next one, until it is None."""

    items: tuple[T, ...]
    next_cursor: str | None

    @classmethod
    def from_json(cls, data: object, parse_item: Callable[[object], T]) -> Page[T]:
        fields = _object(data, "page")
        items = _required(fields, "items", list)
        return cls(
            items=tuple(parse_item(item) for item in items), next_cursor=_optional(fields, "next_cursor", str)
        )


def _object(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise UnexpectedResponse(f"expected a JSON object for the {what}, got {type(data).__name__}")
    return data


def _required(fields: Mapping[str, Any], name: str, kind: type[T]) -> T:
    value = fields.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UnexpectedResponse(f"field {name!r} should be {kind.__name__}, got {value!r}")
    return value


def _optional(fields: Mapping[str, Any], name: str, kind: type[T]) -> T | None:
    return None if fields.get(name) is None else _required(fields, name, kind)


def _amount(fields: Mapping[str, Any], name: str) -> int:
    """Money and points are whole numbers: a float or a string here is a contract breach, not a rounding."""
    value = _required(fields, name, int)
    if value < 0:
        raise UnexpectedResponse(f"field {name!r} should not be negative, got {value}")
    return value


def _timestamp(text: str, name: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UnexpectedResponse(f"field {name!r} is not an ISO 8601 time: {text!r}") from None
    if when.tzinfo is None:
        raise UnexpectedResponse(f"field {name!r} lacks a UTC offset: {text!r}")
    return when
