"""Request bodies. msgspec validates them strictly: an amount is an integer (never a float, a string or a
boolean) within bounds, unknown fields are refused, strings have lengths."""

from __future__ import annotations

from datetime import datetime
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


Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]


class ProgramIn(Body):
    name: Name
    points_valid_days: Annotated[int, msgspec.Meta(ge=1, le=3660)]
    monthly_cap: Points | None = None
    annual_cap: Points | None = None


class OrganizerIn(Body):
    name: Name


class EventIn(Body):
    program_id: Id
    title: Name
    points: Points
    starts_at: Moment
    ends_at: Moment
    capacity: Annotated[int, msgspec.Meta(gt=0, le=10_000_000)] | None = None


class CheckinIn(Body):
    payload: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class GiftIn(Body):
    to_resident_id: Id
    points: Points


Channel = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,39}$", examples=["bank_transfer", "card"])]
ExternalRef = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")]
RatePercent = Annotated[int, msgspec.Meta(ge=1, le=1000)]


class TopUpIn(Body):
    resident_id: Id
    amount: Yen
    channel: Channel
    external_ref: ExternalRef


class CampaignIn(Body):
    program_id: Id
    name: Name
    rate_percent: RatePercent
    per_resident_cap: Points
    starts_at: Moment
    ends_at: Moment


class RecipientIn(Body):
    name: Name


class DonationIn(Body):
    recipient_id: Id
    points: Points
    anonymous: bool = False


class MatchingIn(Body):
    program_id: Id
    recipient_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=100)]
    per_donation_cap: Points
    rate_percent: RatePercent = 100
    total_cap: Points | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None


class ClosureIn(Body):
    channel: Channel
