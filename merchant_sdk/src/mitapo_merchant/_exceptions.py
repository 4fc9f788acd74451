"""Every exception the SDK raises, in one tree, so callers can catch as broadly or narrowly as they need.

    MitapoError
    ├── EMVCoError (also ValueError) ........ a QR payload we cannot accept
    │   ├── MalformedPayload ................ not well-formed TLV, wrong order, bad lengths or values
    │   ├── CRCMismatch ..................... the checksum does not match: damaged or tampered with
    │   └── ForeignCode ..................... well-formed, but another scheme's code (not みたポ)
    ├── WebhookVerificationError ............ a webhook delivery that must not be trusted
    │   ├── MalformedSignatureHeader ........ the Mitapo-Signature header cannot be parsed
    │   ├── UnknownSigningKey ............... signed with a key id we were not given
    │   ├── InvalidSignature ................ the signature does not cover this body and timestamp
    │   ├── TimestampOutOfTolerance ......... authentic, but too old (a replay?) or from the future
    │   └── MalformedEvent .................. authentic, but not the event shape we know
    ├── TransportError ...................... no answer from the server, even after retries
    ├── UnexpectedResponse .................. a success answer whose body breaks the contract
    └── APIError ............................ the server refused: problem+json, one class per `code`
        ├── Unauthorized                      unauthorized             (401)
        │   └── CredentialRevoked             credential_revoked       (401)
        ├── Forbidden                         forbidden                (403)
        ├── NotFound                          not_found                (404)
        ├── MethodNotAllowed                  method_not_allowed       (405)
        ├── ValidationError                   validation_error
        ├── IdempotencyKeyRequired            idempotency_key_required
        ├── IdempotencyMismatch               idempotency_mismatch
        ├── InsufficientFunds                 insufficient_funds
        ├── BudgetExhausted                   budget_exhausted
        ├── CapExceeded                       cap_exceeded
        ├── AlreadyClaimed                    already_claimed
        ├── CodeExpired                       code_expired
        ├── CodeInvalid                       code_invalid
        ├── CodeUsed                          code_used
        ├── EventNotOpen                      event_not_open
        ├── EventFull                         event_full
        ├── GiftingDisabled                   gifting_disabled
        ├── RefundExceedsPayment              refund_exceeds_payment
        ├── DuplicateExternalRef              duplicate_external_ref
        ├── BalanceLimitExceeded              balance_limit_exceeded
        ├── AlreadySettled                    already_settled
        ├── VelocityExceeded                  velocity_exceeded
        ├── RateLimited                       rate_limited             (429)
        ├── LockedOut                         locked_out               (429)
        ├── PayloadTooLarge                   payload_too_large        (413)
        ├── UnsupportedMediaType              unsupported_media_type   (415)
        ├── InternalError                     internal_error           (500)
        ├── DatabaseUnavailable               database_unavailable     (503)
        ├── PinInvalid                        pin_invalid
        ├── CardLocked                        card_locked
        ├── CardRevoked                       card_revoked
        └── UrlNotAllowed                     url_not_allowed          (422)

The SDK retries a 429 and a 5xx before it raises one of the last four (see `RetryPolicy`). An `APIError`
whose `code` this version does not know is raised as a plain `APIError`, so new server codes
never break an old integration: branch on the subclasses you care about, then on `APIError`.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "APIError",
    "AlreadyClaimed",
    "AlreadySettled",
    "BalanceLimitExceeded",
    "BudgetExhausted",
    "CRCMismatch",
    "CapExceeded",
    "CardLocked",
    "CardRevoked",
    "CodeExpired",
    "CodeInvalid",
    "CodeUsed",
    "CredentialRevoked",
    "DatabaseUnavailable",
    "DuplicateExternalRef",
    "EMVCoError",
    "EventFull",
    "EventNotOpen",
    "Forbidden",
    "ForeignCode",
    "GiftingDisabled",
    "IdempotencyKeyRequired",
    "IdempotencyMismatch",
    "InsufficientFunds",
    "InternalError",
    "InvalidSignature",
    "LockedOut",
    "MalformedEvent",
    "MalformedPayload",
    "MalformedSignatureHeader",
    "MethodNotAllowed",
    "MitapoError",
    "NotFound",
    "PayloadTooLarge",
    "PinInvalid",
    "RateLimited",
    "RefundExceedsPayment",
    "TimestampOutOfTolerance",
    "TransportError",
    "Unauthorized",
    "UnexpectedResponse",
    "UnknownSigningKey",
    "UnsupportedMediaType",
    "UrlNotAllowed",
    "ValidationError",
    "VelocityExceeded",
    "WebhookVerificationError",
    "api_error_class",
]


class MitapoError(Exception):
    """Root of every error this SDK raises on purpose."""


# --- QR payloads -------------------------------------------------------------------------------------------


class EMVCoError(MitapoError, ValueError):
    """A QR payload we cannot accept. Also a ValueError: it is bad input, not a failure of ours."""


class MalformedPayload(EMVCoError):
    """The payload is not well-formed EMVCo TLV, or a field breaks its order, length or format."""


class CRCMismatch(EMVCoError):
    """The CRC in tag 63 does not match: the payload was damaged or tampered with."""


class ForeignCode(EMVCoError):
    """A well-formed EMVCo code of another scheme; the customer scanned the wrong sticker."""


# --- webhooks ----------------------------------------------------------------------------------------------


class WebhookVerificationError(MitapoError):
    """The delivery must not be trusted; answer it with a 400 and do not act on it."""


class MalformedSignatureHeader(WebhookVerificationError):
    """The Mitapo-Signature header is missing a part or has one that cannot be parsed."""


class UnknownSigningKey(WebhookVerificationError):
    """The header names a key id that is not among the keys we were given (rotated out, or forged)."""


class InvalidSignature(WebhookVerificationError):
    """The signature does not cover this timestamp and body: forged, or altered on the way."""


class TimestampOutOfTolerance(WebhookVerificationError):
    """The signature is genuine but its timestamp is too old (a likely replay) or too far ahead."""


class MalformedEvent(WebhookVerificationError):
    """The body is authentic but is not a JSON event of the shape this SDK knows."""


# --- HTTP --------------------------------------------------------------------------------------------------


class TransportError(MitapoError):
    """The server could not be reached or did not answer, on every try.

    The request may still have been carried out. For a POST, `idempotency_key` is the key every try sent:
    call again with the same key (the methods take `idempotency_key=`) and the server answers with the
    first outcome instead of doing it twice.
    """

    def __init__(self, message: str, *, idempotency_key: str | None = None) -> None:
        super().__init__(message)
        self.idempotency_key = idempotency_key


class UnexpectedResponse(MitapoError):
    """A success answer whose body does not match docs/api.md; a server bug, never the caller's."""


class APIError(MitapoError):
    """The server refused the request with a problem+json answer (RFC 9457).

    Subclasses are named after the contract's stable `code` words; branch on them, never on `detail`, which
    is prose for people and may change.
    """

    code_word: ClassVar[str | None] = None

    def __init__(
        self, status: int, code: str | None, title: str = "", detail: str = "", type: str = "about:blank"
    ) -> None:
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.type = type
        super().__init__(f"{status} {code or 'error'}: {detail or title or 'no detail given'}")


class Unauthorized(APIError):
    """No API key, or one the server does not know (401)."""

    code_word = "unauthorized"


class CredentialRevoked(Unauthorized):
    """The API key was revoked, or rotated and past its grace period (401): the city stopped it. Ask the
    city for a new key; retrying with this one never succeeds. An `Unauthorized`, so that older handlers
    still catch it."""

    code_word = "credential_revoked"


class Forbidden(APIError):
    """The key is valid but its role may not do this (403); a merchant key on an admin endpoint."""

    code_word = "forbidden"


class NotFound(APIError):
    """No such thing, or it belongs to someone else (404)."""

    code_word = "not_found"


class ValidationError(APIError):
    """The request body or parameters were refused as invalid."""

    code_word = "validation_error"


class IdempotencyKeyRequired(APIError):
    """The POST lacked an Idempotency-Key; the SDK always sends one, so this means a proxy dropped it."""

    code_word = "idempotency_key_required"


class IdempotencyMismatch(APIError):
    """The same Idempotency-Key was used before with a different body."""

    code_word = "idempotency_mismatch"


class InsufficientFunds(APIError):
    """The customer's points and money do not cover the amount."""

    code_word = "insufficient_funds"


class BudgetExhausted(APIError):
    """The city program funding the points has no budget left."""

    code_word = "budget_exhausted"


class CapExceeded(APIError):
    """A per-resident monthly or annual cap would be exceeded."""

    code_word = "cap_exceeded"


class AlreadyClaimed(APIError):
    """The code or reward was already used once."""

    code_word = "already_claimed"


class CodeExpired(APIError):
    """The scanned code (a pay code or a payment request) is past its lifetime; ask for a fresh one."""

    code_word = "code_expired"


class CodeInvalid(APIError):
    """The scanned code is not a valid みたポ code, or its signature does not hold."""

    code_word = "code_invalid"


class EventNotOpen(APIError):
    """The event is not running now."""

    code_word = "event_not_open"


class EventFull(APIError):
    """The event has reached its capacity."""

    code_word = "event_full"


class GiftingDisabled(APIError):
    """Gifting points between residents is switched off."""

    code_word = "gifting_disabled"


class RefundExceedsPayment(APIError):
    """The refund would return more than is left of the payment."""

    code_word = "refund_exceeds_payment"


class DuplicateExternalRef(APIError):
    """The external reference was already used for another operation."""

    code_word = "duplicate_external_ref"


class BalanceLimitExceeded(APIError):
    """The operation would take a balance over its allowed maximum."""

    code_word = "balance_limit_exceeded"


class MethodNotAllowed(APIError):
    """The path exists but not with this HTTP method (405): an SDK older or newer than the server."""

    code_word = "method_not_allowed"


class CodeUsed(APIError):
    """The resident's pay code, or the payment request, was paid once already; ask for a fresh one."""

    code_word = "code_used"


class AlreadySettled(APIError):
    """The period was settled already; what it owed the shop is paid, a second settlement of it is refused."""

    code_word = "already_settled"


class VelocityExceeded(APIError):
    """The customer reached the most a resident may spend in a day; ask for another way to pay."""

    code_word = "velocity_exceeded"


class RateLimited(APIError):
    """Too many requests of this kind from this key or address (429), still so after the SDK's retries."""

    code_word = "rate_limited"


class LockedOut(APIError):
    """Too many unknown keys from this address (429); check the key the till is configured with."""

    code_word = "locked_out"


class PayloadTooLarge(APIError):
    """The request body is over the server's limit (413)."""

    code_word = "payload_too_large"


class UnsupportedMediaType(APIError):
    """The body was not sent as application/json (415); a proxy changed it on the way."""

    code_word = "unsupported_media_type"


class InternalError(APIError):
    """The server failed (500), on every try; nothing was done twice: call again with the same key."""

    code_word = "internal_error"


class DatabaseUnavailable(APIError):
    """The server's database was out of reach (503), on every try; call again later with the same key."""

    code_word = "database_unavailable"


class PinInvalid(APIError):
    """A みたポ card was charged with a wrong PIN; let the customer enter it again (`detail` says how many
    tries are left: the fifth wrong one locks the card)."""

    code_word = "pin_invalid"


class CardLocked(APIError):
    """The みたポ card is locked after five wrong PINs; the holder asks city staff to unlock it."""

    code_word = "card_locked"


class CardRevoked(APIError):
    """The みたポ card was replaced by a newer one; the holder's balance is on the new card."""

    code_word = "card_revoked"


class UrlNotAllowed(APIError):
    """The webhook URL is refused (422): not https, or its host is or resolves to a loopback, private,
    link-local, multicast or unspecified address. Register a public https URL."""

    code_word = "url_not_allowed"


def _every_subclass(cls: type[APIError]) -> list[type[APIError]]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *_every_subclass(direct))]


_BY_CODE: dict[str, type[APIError]] = {
    cls.code_word: cls for cls in _every_subclass(APIError) if cls.code_word is not None
}
_BY_STATUS: dict[int, type[APIError]] = {401: Unauthorized, 403: Forbidden, 404: NotFound}


def api_error_class(code: str | None, status: int) -> type[APIError]:
    """The exception class for a problem `code`; by HTTP status when the answer carries no code."""
    if code is not None:
        return _BY_CODE.get(code, APIError)
    return _BY_STATUS.get(status, APIError)
