"""Check-in codes: short-lived, Ed25519-signed, small enough for a phone to read from a screen across a room.

A code names its key, its purpose, a time step and the event, and is signed by the service's current key.
The step rotates every `checkin_step_seconds` (30 s); the current and the previous step are accepted, so a
screenshot sent to a friend at home stops working within a minute, while a phone that read the code just
before it rotated still gets through. A code that stands for a person (a pay code, a receive code) takes the
second it was issued as its step instead, and `check_fresh` judges its age. Old keys stay in the keyring, so
rotating keys never breaks a code already on a screen.

The wire form is `MTP1C.` followed by the unpadded base32 of `purpose ‖ kid ‖ step ‖ event id ‖ signature`:
every character is in the QR alphanumeric set, which packs 5.5 bits a character instead of 8, so the whole
code fits in a version 7 QR symbol (45 modules a side) at error correction M.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
from dataclasses import dataclass
from datetime import UTC, datetime

import segno
from cryptography.exceptions import InvalidSignature

from mitapo.engine.errors import DomainError
from mitapo.engine.keys import KeyRing

PREFIX = "MTP1C."
CHECKIN = b"C"
_DOMAIN = b"mitapo.code.v1\x00"  # signed, never sent: a code's signature can never pass for a checkpoint's
_HEAD = struct.Struct(">c8sI")  # purpose, key id (8 raw bytes), time step
_SIGNATURE = 64
ISSUED_SKEW_SECONDS = 5  # a reader's clock a little behind the server's still accepts a fresh code


@dataclass(frozen=True, slots=True)
class IssuedCode:
    payload: str
    expires_at: datetime


def step_of(moment: datetime, step_seconds: int) -> int:
    return int(moment.timestamp()) // step_seconds


def encode(keys: KeyRing, purpose: bytes, subject: str, step: int) -> str:
    """Sign `subject` for `purpose` at `step` with the current key."""
    body = _HEAD.pack(purpose, bytes.fromhex(keys.current_kid), step) + subject.encode()
    signature = keys.sign(_DOMAIN + body)
    return PREFIX + base64.b32encode(body + signature).decode().rstrip("=")


def issue_checkin(keys: KeyRing, event_id: str, now: datetime, step_seconds: int) -> IssuedCode:
    """The event's code for the current step; it is accepted until the step after next begins."""
    step = step_of(now, step_seconds)
    expires_at = datetime.fromtimestamp((step + 2) * step_seconds, UTC)
    return IssuedCode(encode(keys, CHECKIN, event_id, step), expires_at)


def read_checkin(keys: KeyRing, payload: str, now: datetime, step_seconds: int) -> str:
    """The event a check-in code names; `code_invalid` unless it is ours, intact and for check-in,
    `code_expired` when its step is older than the previous one."""
    purpose, step, event_id = verified(keys, payload)
    if purpose != CHECKIN:
        raise DomainError("code_invalid", "this code is not a check-in code")
    current = step_of(now, step_seconds)
    if step < current - 1:
        raise DomainError("code_expired", "this code has expired; scan the code on the screen again")
    if step > current:
        raise DomainError("code_invalid", "this code is not valid yet")
    return event_id


def check_fresh(issued_at: datetime, at: datetime, seconds: int, name: str, renew: str) -> None:
    """Refuse a code issued at `issued_at` and used at `at`: more than `seconds` later (code_expired; `renew`
    tells the resident what to do), or before it was issued by more than a clock's skew (code_invalid)."""
    age = (at - issued_at).total_seconds()
    if age > seconds:
        raise DomainError("code_expired", f"the {name} has expired; {renew}")
    if age < -ISSUED_SKEW_SECONDS:
        raise DomainError("code_invalid", f"the {name} is not valid yet")


def verified(keys: KeyRing, payload: str) -> tuple[bytes, int, str]:
    """The one verifier of signed codes: purpose, step and subject of a code that is ours and intact."""
    if not payload.startswith(PREFIX):
        raise DomainError("code_invalid", "not a みたポ check-in code")
    raw = _b32decode(payload[len(PREFIX) :])
    if len(raw) <= _HEAD.size + _SIGNATURE:
        raise DomainError("code_invalid", "the code is incomplete")
    body, signature = raw[:-_SIGNATURE], raw[-_SIGNATURE:]
    purpose, kid, step = _HEAD.unpack_from(body)
    key = keys.public_keys.get(kid.hex())
    if key is None:
        raise DomainError("code_invalid", "the code was signed with an unknown key")
    try:
        key.verify(signature, _DOMAIN + body)
        subject = body[_HEAD.size :].decode()
    except (InvalidSignature, UnicodeDecodeError):
        raise DomainError("code_invalid", "the code's signature does not verify") from None
    return purpose, step, subject


def _b32decode(text: str) -> bytes:
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise DomainError("code_invalid", "the code is mangled") from None


SVG_SCALE = 12
SVG_BORDER = 4


def _qr(payload: str) -> segno.QRCode:
    """The payload in byte mode as UTF-8, behind the ECI designator 000026 (UTF-8) when it is not plain
    ASCII: a reader that assumes Shift_JIS (as many in Japan do) still reads 三鷹 in tag 64 right."""
    return segno.make(payload, error="m", encoding="utf-8", eci=True, micro=False, boost_error=False)


def qr_png(payload: str) -> bytes:
    out = io.BytesIO()
    _qr(payload).save(out, kind="png", scale=12, border=4)
    return out.getvalue()


def qr_svg(payload: str) -> bytes:
    """The code as SVG with its size and a viewBox: alone (an `<img>`) it keeps its size, and drawn inline in
    a printed page (the enrollment letter, a card's face) it scales to the box CSS gives it; without the
    viewBox that box cut the code to its top-left corner, which no camera can read."""
    code = _qr(payload)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=SVG_SCALE, border=SVG_BORDER, xmldecl=False)
    side = (code.symbol_size(scale=SVG_SCALE, border=SVG_BORDER))[0]
    return out.getvalue().replace(b"<svg ", f'<svg viewBox="0 0 {side} {side}" '.encode(), 1)
