"""What each endpoint sends and how its answer is read, free of I/O, so `Client` and `AsyncClient` share it.

Arguments are checked here, before anything goes on the wire: a wrong amount is the caller's bug and
should fail at once with a ValueError, not as a 422 after a network round trip.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import quote

from mitapo_merchant._models import Page, Payment, PaymentRequest, Refund

T = TypeVar("T")

MAX_IDEMPOTENCY_KEY_LENGTH = 255


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One logical API call; every retry of it sends the same method, path, body and Idempotency-Key."""

    method: str
    path: str
    parse: Callable[[object], T]
    body: Mapping[str, object] | None = None
    params: Mapping[str, str | int] | None = None
    idempotency_key: str | None = None


def create_payment_request(
    amount: int, reference: str | None, idempotency_key: str | None
) -> Call[PaymentRequest]:
    body = {"amount": require_amount(amount), **_reference(reference)}
    return _post(
        "/v1/payment-requests",
        body,
        lambda data: PaymentRequest.from_json(data, amount=amount, reference=reference),
        idempotency_key,
    )


def get_payment_request(payment_request_id: str) -> Call[PaymentRequest]:
    path = f"/v1/payment-requests/{_path_id(payment_request_id, 'payment_request_id')}"
    return Call("GET", path, PaymentRequest.from_json)


def charge(pay_code: str, amount: int, reference: str | None, idempotency_key: str | None) -> Call[Payment]:
    if not isinstance(pay_code, str) or not pay_code:
        raise ValueError("pay_code must be the non-empty payload scanned from the customer's app")
    body = {"pay_code": pay_code, "amount": require_amount(amount), **_reference(reference)}
    return _post("/v1/charges", body, Payment.from_json, idempotency_key)


def charge_card(
    card: str, pin: str, amount: int, reference: str | None, idempotency_key: str | None
) -> Call[Payment]:
    if not isinstance(card, str) or not card.strip():
        raise ValueError("card must be the scanned QR text of a みたポ card, or its number as printed")
    if not isinstance(pin, str) or not (4 <= len(pin) <= 6 and pin.isascii() and pin.isdigit()):
        raise ValueError("pin must be the 4 to 6 digits the customer entered")
    body = {"card": card, "pin": pin, "amount": require_amount(amount), **_reference(reference)}
    return _post("/v1/charges", body, Payment.from_json, idempotency_key)


def refund(payment_id: str, amount: int, idempotency_key: str | None) -> Call[Refund]:
    path = f"/v1/payments/{_path_id(payment_id, 'payment_id')}/refunds"
    return _post(path, {"amount": require_amount(amount)}, Refund.from_json, idempotency_key)


def list_payments(cursor: str | None, limit: int | None) -> Call[Page[Payment]]:
    params: dict[str, str | int] = {}
    if cursor is not None:
        params["cursor"] = _non_empty(cursor, "cursor")
    if limit is not None:
        params["limit"] = require_amount(limit, "limit")
    return Call(
        "GET", "/v1/merchant/payments", lambda data: Page.from_json(data, Payment.from_json), params=params
    )


def require_amount(value: int, name: str = "amount") -> int:
    """A positive whole number; bool is refused although Python counts it as an int."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive int, not {value!r}")
    return value


def new_idempotency_key() -> str:
    return str(uuid.uuid4())


def _post(path: str, body: Mapping[str, object], parse: Callable[[object], T], key: str | None) -> Call[T]:
    return Call("POST", path, parse, body=body, idempotency_key=_idempotency_key(key))


def _idempotency_key(key: str | None) -> str:
    if key is None:
        return new_idempotency_key()
    if not isinstance(key, str) or not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError(f"an idempotency key is 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters, not {key!r}")
    if not (key.isascii() and key.isprintable()):
        raise ValueError(f"an idempotency key is printable ASCII, not {key!r}")
    return key


def _reference(reference: str | None) -> dict[str, str]:
    return {} if reference is None else {"reference": _non_empty(reference, "reference")}


def _path_id(value: str, name: str) -> str:
    """Quoted whole, so an id can never reach another path ("../admin") or add a query."""
    return quote(_non_empty(value, name), safe="")


def _non_empty(value: str, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    return value
