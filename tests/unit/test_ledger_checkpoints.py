"""Signed checkpoints: the key names itself, and a signature covers every field."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mitapo_ledger import (
    Checkpoint,
    InvalidCheckpoint,
    InvalidPublicKey,
    SignedCheckpoint,
    checkpoint_bytes,
    key_id,
    public_key_b64,
    public_key_from_b64,
    sign_checkpoint,
    signature_valid,
)

KEY = Ed25519PrivateKey.generate()
KID = key_id(KEY.public_key())


def checkpoint(**changes: object) -> Checkpoint:
    fields: dict[str, object] = {
        "seq": 42,
        "hash": bytes(range(32)),
        "signed_at": datetime(2026, 11, 22, 12, 4, 5, 123456, tzinfo=timezone(timedelta(hours=9))),
        "kid": KID,
        "balances_digest": hashlib.sha256(b"[]").digest(),
    }
    fields.update(changes)
    return Checkpoint(**fields)  # type: ignore[arg-type]


def test_key_id_is_the_start_of_the_keys_own_hash() -> None:
    raw = KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert hashlib.sha256(raw).hexdigest()[:16] == KID
    assert len(KID) == 16


def test_public_keys_round_trip_through_base64() -> None:
    text = public_key_b64(KEY.public_key())
    assert base64.b64decode(text) == KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert key_id(public_key_from_b64(text)) == KID


@pytest.mark.parametrize("text", ["", "not base64!", base64.b64encode(bytes(31)).decode(), "ｱ", "QUFB\nQUFB"])
def test_bad_public_keys_are_refused(text: str) -> None:
    with pytest.raises(InvalidPublicKey):
        public_key_from_b64(text)


def test_checkpoint_bytes_follow_the_documented_format() -> None:
    data = checkpoint_bytes(checkpoint())
    assert json.loads(data) == {
        "balances_digest": hashlib.sha256(b"[]").hexdigest(),
        "hash": bytes(range(32)).hex(),
        "kid": KID,
        "purpose": "mitapo.checkpoint.v1",
        "seq": 42,
        "signed_at": "2026-11-22T03:04:05.123456+00:00",
    }
    assert data.startswith(b'{"balances_digest":"')
    assert b" " not in data


def test_a_signature_verifies_with_its_key_only() -> None:
    signed = sign_checkpoint(checkpoint(), KEY)
    assert signature_valid(signed, KEY.public_key())
    assert not signature_valid(signed, Ed25519PrivateKey.generate().public_key())


@pytest.mark.parametrize(
    "changes",
    [
        {"seq": 43},
        {"hash": bytes(32)},
        {"signed_at": datetime(2026, 11, 22, 3, 4, 5, 123457, tzinfo=UTC)},
        {"kid": "0123456789abcdef"},
        {"balances_digest": bytes(32)},
    ],
)
def test_a_signature_does_not_survive_a_changed_field(changes: dict[str, object]) -> None:
    signed = sign_checkpoint(checkpoint(), KEY)
    altered = dataclasses.replace(signed, checkpoint=dataclasses.replace(signed.checkpoint, **changes))
    assert not signature_valid(altered, KEY.public_key())


def test_the_same_instant_in_another_zone_is_the_same_checkpoint() -> None:
    signed = sign_checkpoint(checkpoint(), KEY)
    in_utc = dataclasses.replace(signed.checkpoint, signed_at=signed.checkpoint.signed_at.astimezone(UTC))
    assert signature_valid(dataclasses.replace(signed, checkpoint=in_utc), KEY.public_key())


def test_signing_with_a_key_the_kid_does_not_name_is_refused() -> None:
    with pytest.raises(InvalidCheckpoint):
        sign_checkpoint(checkpoint(), Ed25519PrivateKey.generate())


@pytest.mark.parametrize(
    "changes",
    [
        {"seq": -1},
        {"seq": True},
        {"hash": bytes(31)},
        {"balances_digest": "00" * 32},
        {"signed_at": datetime(2026, 1, 1)},
        {"kid": KID.upper()},
        {"kid": KID[:15]},
    ],
)
def test_bad_checkpoints_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidCheckpoint):
        checkpoint(**changes)


def test_signatures_must_be_64_bytes() -> None:
    with pytest.raises(InvalidCheckpoint):
        SignedCheckpoint(checkpoint(), bytes(63))
