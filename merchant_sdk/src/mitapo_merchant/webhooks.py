"""Signing and verifying みたポ webhook deliveries (Ed25519).

Each delivery carries the header

    Mitapo-Signature: t=<unix seconds>,kid=<key id>,sig=<base64 Ed25519 signature>

over the bytes `f"{t}.".encode() + raw_body`. Binding the timestamp into the signature lets a shop refuse
an old delivery replayed later; `kid` (the first 16 hex digits of SHA-256 of the raw 32-byte public key)
says which key signed, so the server can rotate keys while shops trust both for a while.

The server calls `sign`; shops call `verify` on the raw body, *before* parsing it, and act only on the
returned event. A signature proves who sent a delivery, not that it is the first: the server retries
deliveries, and an attacker may replay one within the tolerance window. So remember the ids of the events
you have processed (a unique column in your database will do) and skip any id you have already seen.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature as _CryptographyInvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mitapo_merchant._exceptions import (
    InvalidSignature,
    MalformedEvent,
    MalformedSignatureHeader,
    TimestampOutOfTolerance,
    UnknownSigningKey,
    WebhookVerificationError,
)

__all__ = [
    "DEFAULT_TOLERANCE_SECONDS",
    "PAYMENT_SUCCEEDED",
    "REFUND_SUCCEEDED",
    "SIGNATURE_HEADER",
    "InvalidSignature",
    "MalformedEvent",
    "MalformedSignatureHeader",
    "TimestampOutOfTolerance",
    "UnknownSigningKey",
    "WebhookEvent",
    "WebhookVerificationError",
    "key_id",
    "load_public_key",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "Mitapo-Signature"
DEFAULT_TOLERANCE_SECONDS = 300
PAYMENT_SUCCEEDED = "payment.succeeded"
REFUND_SUCCEEDED = "refund.succeeded"

_HEADER_PART = re.compile(r"(t|kid|sig)=([^,=]+=*)")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_MAX_TIMESTAMP = 10**12  # twelve digits of seconds; a thirteen-digit value is milliseconds by mistake
_KEY_ID = re.compile(r"[0-9a-f]{16}")
_SIGNATURE_BYTES = 64


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A verified delivery. `type` is a str, not a closed set, so new event types never break a shop."""

    id: str
    type: str
    created_at: datetime
    data: Mapping[str, Any]

    def to_body(self) -> bytes:
        """The JSON body the server sends for this event; `verify` turns it back into an equal event."""
        document = {"id": self.id, "type": self.type, "created_at": self.created_at.isoformat()}
        return json.dumps({**document, "data": dict(self.data)}, ensure_ascii=False).encode("utf-8")


def key_id(public_key: Ed25519PublicKey) -> str:
    """The key's id: the first 16 hex digits of SHA-256 over its raw 32 bytes."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def load_public_key(raw_base64: str) -> Ed25519PublicKey:
    """A public key from the base64 of its raw 32 bytes, the form the service publishes keys in."""
    try:
        raw = base64.b64decode(raw_base64, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as error:
        raise ValueError("an Ed25519 public key is the base64 of exactly 32 bytes") from error


def sign(body: bytes, private_key: Ed25519PrivateKey, *, timestamp: int) -> str:
    """The Mitapo-Signature header value for delivering `body` at `timestamp` (unix seconds)."""
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or not 0 <= timestamp < _MAX_TIMESTAMP:
        raise ValueError(f"timestamp must be whole unix seconds (not milliseconds), not {timestamp!r}")
    signature = private_key.sign(_signed_bytes(timestamp, body))
    kid = key_id(private_key.public_key())
    return f"t={timestamp},kid={kid},sig={base64.b64encode(signature).decode('ascii')}"


def verify(
    body: bytes,
    header: str,
    public_keys: Mapping[str, Ed25519PublicKey] | Ed25519PublicKey,
    *,
    tolerance_seconds: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> WebhookEvent:
    """The event in `body`, once the header proves the service sent it within `tolerance_seconds` of `now`.

    `public_keys` maps key ids to keys (see `key_id`), or is the one key you trust. Pass the raw bytes
    exactly as received: re-serialized JSON will not verify. Raises a `WebhookVerificationError` subclass
    for anything that does not hold; answer those deliveries with a 400 and act on nothing in them.
    """
    timestamp, kid, signature = _parse_header(header)
    public_key = _find_key(public_keys, kid)
    try:
        public_key.verify(signature, _signed_bytes(timestamp, body))
    except _CryptographyInvalidSignature:
        raise InvalidSignature("the signature does not match this body and timestamp") from None
    skew = (time.time() if now is None else now) - timestamp
    if abs(skew) > tolerance_seconds:
        direction = "old" if skew > 0 else "in the future"
        raise TimestampOutOfTolerance(
            f"the delivery was signed {abs(skew):.0f} s {direction}; the tolerance is {tolerance_seconds} s"
        )
    return _parse_event(body)


def _signed_bytes(timestamp: int, body: bytes) -> bytes:
    return f"{timestamp}.".encode("ascii") + body


def _parse_header(header: str) -> tuple[int, str, bytes]:
    if not isinstance(header, str) or not header.strip():
        raise MalformedSignatureHeader(f"the {SIGNATURE_HEADER} header is missing or empty")
    parts: dict[str, str] = {}
    for part in header.split(","):
        match = _HEADER_PART.fullmatch(part.strip())
        if match is None or match[1] in parts:
            raise MalformedSignatureHeader(f"unexpected part {part.strip()!r} in {SIGNATURE_HEADER}")
        parts[match[1]] = match[2]
    if parts.keys() != {"t", "kid", "sig"}:
        raise MalformedSignatureHeader(f"{SIGNATURE_HEADER} needs t=, kid= and sig=, got {sorted(parts)}")
    if not _TIMESTAMP.fullmatch(parts["t"]) or not _KEY_ID.fullmatch(parts["kid"]):
        raise MalformedSignatureHeader("t must be unix seconds and kid 16 lower-case hex digits")
    try:
        signature = base64.b64decode(parts["sig"], validate=True)
    except binascii.Error:
        raise MalformedSignatureHeader("sig is not valid base64") from None
    if len(signature) != _SIGNATURE_BYTES:
        raise MalformedSignatureHeader(f"sig must be {_SIGNATURE_BYTES} bytes, not {len(signature)}")
    return int(parts["t"]), parts["kid"], signature


def _find_key(public_keys: Mapping[str, Ed25519PublicKey] | Ed25519PublicKey, kid: str) -> Ed25519PublicKey:
    if isinstance(public_keys, Ed25519PublicKey):
        if key_id(public_keys) == kid:
            return public_keys
    elif kid in public_keys:
        return public_keys[kid]
    raise UnknownSigningKey(f"the delivery was signed with key {kid}, which is not among the trusted keys")


def _parse_event(body: bytes) -> WebhookEvent:
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedEvent(f"the body is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise MalformedEvent("the body is not a JSON object")
    event_id, event_type, created_at, data = (document.get(k) for k in ("id", "type", "created_at", "data"))
    if not (isinstance(event_id, str) and event_id and isinstance(event_type, str) and event_type):
        raise MalformedEvent("the event needs a non-empty string id and type")
    if not isinstance(data, dict):
        raise MalformedEvent("the event's data must be a JSON object")
    try:
        when = datetime.fromisoformat(created_at) if isinstance(created_at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise MalformedEvent(f"created_at must be an ISO 8601 time with offset, not {created_at!r}")
    return WebhookEvent(id=event_id, type=event_type, created_at=when, data=data)
