"""What the cards' routes take and answer."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from mitapo.http.schemas import Body, Out, whole

Pin = Annotated[str, msgspec.Meta(min_length=4, max_length=6, pattern=whole(r"[0-9]{4,6}"))]
CardText = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
"""A card as a till sends it: the QR's payload (`MITAPO-CARD:<number>`) or the 16 digits, spaces allowed."""


class CardIn(Body):
    pin: Pin


class CardIssued(Out):
    """The new card: its number (with a Luhn check digit), what its QR code holds, and its printable face."""

    card_number: str
    qr_payload: str
    face_url: str


class CardStateOut(Out):
    card_number: str
    resident_id: str
    status: Literal["active", "locked", "replaced"]
    failed_pins: int
    issued_at: str
    locked_at: str | None


class CardCheckinIn(Body):
    card: CardText
