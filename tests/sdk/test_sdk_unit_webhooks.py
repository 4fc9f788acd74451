"""Webhook signatures: a genuine delivery verifies; forged, foreign, stale and garbled ones do not."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import given
from hypothesis import strategies as st

from mitapo_merchant.webhooks import (
    InvalidSignature,
    MalformedEvent,
    MalformedSignatureHeader,
    TimestampOutOfTolerance,
    UnknownSigningKey,
    WebhookEvent,
    WebhookVerificationError,
    key_id,
    load_public_key,
    sign,
    verify,
)

SERVER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
EVENT = WebhookEvent(
    id="evt_1",
    type="payment.succeeded",
    created_at=datetime(2026, 1, 1, tzinfo=UTC),
    data={"payment_id": "pay_1", "amount": 1200, "merchant_id": "m_1"},
)
BODY = EVENT.to_body()


def trusted() -> dict[str, Ed25519PublicKey]:
    public = SERVER_KEY.public_key()
    return {key_id(public): public}


def test_good_signature_passes_and_returns_the_event() -> None:
    header = sign(BODY, SERVER_KEY, timestamp=NOW)
    event = verify(BODY, header, trusted(), now=NOW + 10)
    assert event == EVENT
    assert event.data["amount"] == 1200


def test_a_single_public_key_is_accepted() -> None:
    header = sign(BODY, SERVER_KEY, timestamp=NOW)
    assert verify(BODY, header, SERVER_KEY.public_key(), now=NOW) == EVENT


def test_header_layout() -> None:
    header = sign(BODY, SERVER_KEY, timestamp=NOW)
    t, kid, sig = header.split(",")
    raw_public = SERVER_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert t == f"t={NOW}"
    assert kid == f"kid={hashlib.sha256(raw_public).hexdigest()[:16]}"
    signature = base64.b64decode(sig.removeprefix("sig="))
    SERVER_KEY.public_key().verify(signature, f"{NOW}.".encode() + BODY)


def test_forged_body_fails() -> None:
    header = sign(BODY, SERVER_KEY, timestamp=NOW)
    forged = BODY.replace(b"1200", b"9200")
    with pytest.raises(InvalidSignature):
        verify(forged, header, SERVER_KEY.public_key(), now=NOW)


def test_moved_timestamp_fails() -> None:
    header = sign(BODY, SERVER_KEY, timestamp=NOW)
    with pytest.raises(InvalidSignature):
        verify(BODY, header.replace(f"t={NOW}", f"t={NOW + 1}"), SERVER_KEY.public_key(), now=NOW)


def test_other_key_fails() -> None:
    header = sign(BODY, OTHER_KEY, timestamp=NOW)
    with pytest.raises(UnknownSigningKey):
        verify(BODY, header, trusted(), now=NOW)
    with pytest.raises(UnknownSigningKey):
        verify(BODY, header, SERVER_KEY.public_key(), now=NOW)


def test_other_key_claiming_our_kid_fails() -> None:
    forged = sign(BODY, OTHER_KEY, timestamp=NOW).replace(
        f"kid={key_id(OTHER_KEY.public_key())}", f"kid={key_id(SERVER_KEY.public_key())}"
    )
    with pytest.raises(InvalidSignature):
        verify(BODY, forged, SERVER_KEY.public_key(), now=NOW)


def test_rotation_trusts_both_keys() -> None:
    keys = {key_id(k.public_key()): k.public_key() for k in (SERVER_KEY, OTHER_KEY)}
    for key in (SERVER_KEY, OTHER_KEY):
        assert verify(BODY, sign(BODY, key, timestamp=NOW), keys, now=NOW) == EVENT


@pytest.mark.parametrize("skew", [301, 3600, -301])
def test_stale_or_future_timestamp_fails(skew: int) -> None:
    header = sign(BODY, SERVER_KEY, timestamp=NOW)
    with pytest.raises(TimestampOutOfTolerance):
        verify(BODY, header, SERVER_KEY.public_key(), now=NOW + skew)


def test_tolerance_is_configurable_and_inclusive() -> None:
    header = sign(BODY, SERVER_KEY, timestamp=NOW)
    assert verify(BODY, header, SERVER_KEY.public_key(), now=NOW + 300) == EVENT
    assert verify(BODY, header, SERVER_KEY.public_key(), now=NOW + 3000, tolerance_seconds=3600) == EVENT


def test_default_now_is_the_clock() -> None:
    header = sign(BODY, SERVER_KEY, timestamp=NOW)
    with pytest.raises(TimestampOutOfTolerance):
        verify(BODY, header, SERVER_KEY.public_key())


GOOD = sign(BODY, SERVER_KEY, timestamp=NOW)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "   ",
        "garbage",
        GOOD.replace("t=", "ts="),
        GOOD.split(",sig=")[0],
        GOOD + ",sig=AAAA",
        GOOD.replace(f"t={NOW}", "t=-5"),
        GOOD.replace(f"t={NOW}", "t=1.5"),
        GOOD.replace("kid=", "kid=X"),
        GOOD.replace("sig=", "sig=!!"),
        GOOD.rsplit("sig=", 1)[0] + "sig=" + base64.b64encode(b"short").decode(),
        GOOD.replace(",", ";"),
    ],
)
def test_malformed_header_fails(header: str) -> None:
    with pytest.raises(MalformedSignatureHeader):
        verify(BODY, header, SERVER_KEY.public_key(), now=NOW)


def test_spaces_around_parts_are_tolerated() -> None:
    assert verify(BODY, GOOD.replace(",", ", "), SERVER_KEY.public_key(), now=NOW) == EVENT


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        json.dumps({"id": "e", "type": "payment.succeeded", "created_at": "2026-01-01T00:00:00Z"}).encode(),
        json.dumps({"id": "e", "type": "x", "created_at": "2026-01-01T00:00:00", "data": {}}).encode(),
        json.dumps({"id": "", "type": "x", "created_at": "2026-01-01T00:00:00Z", "data": {}}).encode(),
        json.dumps({"id": "e", "type": 3, "created_at": "2026-01-01T00:00:00Z", "data": {}}).encode(),
    ],
)
def test_authentic_but_malformed_event_fails(body: bytes) -> None:
    header = sign(body, SERVER_KEY, timestamp=NOW)
    with pytest.raises(MalformedEvent):
        verify(body, header, SERVER_KEY.public_key(), now=NOW)


def test_unknown_event_types_pass_through() -> None:
    body = json.dumps(
        {"id": "e", "type": "payout.sent", "created_at": "2026-01-01T09:00:00+09:00", "data": {}}
    )
    event = verify(
        body.encode(), sign(body.encode(), SERVER_KEY, timestamp=NOW), SERVER_KEY.public_key(), now=NOW
    )
    assert event.type == "payout.sent"
    assert event.created_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_every_failure_is_a_webhook_verification_error() -> None:
    for failure in (InvalidSignature, MalformedEvent, MalformedSignatureHeader, TimestampOutOfTolerance):
        assert issubclass(failure, WebhookVerificationError)
    assert issubclass(UnknownSigningKey, WebhookVerificationError)


def test_sign_refuses_a_bad_timestamp() -> None:
    for bad in (-1, 1.5, True, NOW * 1000):
        with pytest.raises(ValueError, match="timestamp"):
            sign(BODY, SERVER_KEY, timestamp=bad)  # type: ignore[arg-type]


def test_load_public_key_from_published_form() -> None:
    raw = SERVER_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    loaded = load_public_key(base64.b64encode(raw).decode())
    assert key_id(loaded) == key_id(SERVER_KEY.public_key())
    with pytest.raises(ValueError, match="32 bytes"):
        load_public_key(base64.b64encode(raw[:31]).decode())
    with pytest.raises(ValueError, match="32 bytes"):
        load_public_key("not base64!")


@given(st.binary(max_size=200), st.integers(0, 10**12 - 1))
def test_any_body_signed_verifies_and_any_flipped_byte_fails(body: bytes, timestamp: int) -> None:
    header = sign(body, SERVER_KEY, timestamp=timestamp)
    public = SERVER_KEY.public_key()
    with contextlib.suppress(MalformedEvent):  # signature and time held; the bytes need not be an event
        verify(body, header, public, now=timestamp)
    if body:
        flipped = bytes([body[0] ^ 1]) + body[1:]
        with pytest.raises(InvalidSignature):
            verify(flipped, header, public, now=timestamp)


@given(st.text(max_size=200))
def test_any_header_raises_only_verification_errors(header: str) -> None:
    with pytest.raises(WebhookVerificationError):
        verify(BODY, header, SERVER_KEY.public_key(), now=NOW)
