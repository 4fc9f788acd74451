"""Request bodies. msgspec validates them strictly: an amount is an integer (never a float, a string or a
boolean) within bounds, unknown fields are refused, strings have lengths."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Points = Annotated[int, msgspec.Meta(gt=0, le=1_000_000_000)]
Yen = Annotated[int, msgspec.Meta(gt=0, le=10_000_000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=1000)]


class Body(msgspec.Struct, forbid_unknown_fields=True):
    """Base of every request body."""


class FundingIn(Body):
    points: Points


class ReversalIn(Body):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class ResidentIn(Body):
    name: Name
    fare_category: Literal["adult", "child", "concession"] = "adult"
