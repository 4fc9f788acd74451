"""The みたポ merchant SDK: take payments, refund, read shop codes and verify webhooks.

    from mitapo_merchant import Client

    with Client("https://mitapo.example", api_key) as mitapo:
        request = mitapo.create_payment_request(1200, reference="receipt-0042")
        show_qr(request.qr_payload)

The two modules the server shares with shops are public on their own: `mitapo_merchant.emvco` (shop QR
codes) and `mitapo_merchant.webhooks` (signed deliveries). Everything else is re-exported here; modules whose
names start with an underscore are private and may change in any release.
"""

from mitapo_merchant import emvco, webhooks
from mitapo_merchant._client import AsyncClient, Client
from mitapo_merchant._exceptions import (
    AlreadyClaimed,
    AlreadySettled,
    APIError,
    BalanceLimitExceeded,
    BudgetExhausted,
    CapExceeded,
    CodeExpired,
    CodeInvalid,
    CodeUsed,
    CRCMismatch,
    DatabaseUnavailable,
    DuplicateExternalRef,
    EMVCoError,
    EventFull,
    EventNotOpen,
    Forbidden,
    ForeignCode,
    GiftingDisabled,
    IdempotencyKeyRequired,
    IdempotencyMismatch,
    InsufficientFunds,
    InternalError,
    InvalidSignature,
    LockedOut,
    MalformedEvent,
    MalformedPayload,
    MalformedSignatureHeader,
    MethodNotAllowed,
    MitapoError,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    RefundExceedsPayment,
    TimestampOutOfTolerance,
    TransportError,
    Unauthorized,
    UnexpectedResponse,
    UnknownSigningKey,
    UnsupportedMediaType,
    UrlNotAllowed,
    ValidationError,
    VelocityExceeded,
    WebhookVerificationError,
)
from mitapo_merchant._models import Page, Payment, PaymentRequest, PaymentRequestStatus, Refund
from mitapo_merchant._version import __version__
from mitapo_merchant.emvco import MerchantCode
from mitapo_merchant.webhooks import WebhookEvent

__all__ = [
    "APIError",
    "AlreadyClaimed",
    "AlreadySettled",
    "AsyncClient",
    "BalanceLimitExceeded",
    "BudgetExhausted",
    "CRCMismatch",
    "CapExceeded",
    "Client",
    "CodeExpired",
    "CodeInvalid",
    "CodeUsed",
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
    "MerchantCode",
    "MethodNotAllowed",
    "MitapoError",
    "NotFound",
    "Page",
    "PayloadTooLarge",
    "Payment",
    "PaymentRequest",
    "PaymentRequestStatus",
    "RateLimited",
    "Refund",
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
    "WebhookEvent",
    "WebhookVerificationError",
    "__version__",
    "emvco",
    "webhooks",
]
