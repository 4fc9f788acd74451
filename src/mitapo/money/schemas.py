"""What the money routes take and answer (the OpenAPI document shows these shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from mitapo.http.schemas import Body, Channel, ExternalRef, Id, Moment, Name, Out, Points, RatePercent, Yen

# --- requests ----------------------------------------------------------------------------------------------


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
    public_name: bool = False
    anonymous: bool | None = None  # v1's; a donor is named only with `public_name: true`, never by default


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


# --- answers -----------------------------------------------------------------------------------------------


class ToppedUp(Out):
    """`money`: the wallet's money after the top-up; `bonus_points`: what the campaigns gave for it."""

    entry_id: str
    money: int
    bonus_points: int


class Donated(Out):
    """`matched_points`: what matching offers added for the recipient."""

    entry_id: str
    matched_points: int


class Closed(Out):
    """The money paid out through the channel and the points that lapsed with the account; `entry_id` is null
    when the account held nothing (the closure writes no entry)."""

    entry_id: str | None
    money_paid: int
    points_forfeited: int


class PublicDonation(Out):
    """`donor` is null for an anonymous donation."""

    donor: str | None
    points: int
    donated_at: str


class RecipientOut(Out):
    id: str
    name: str
    points_received: int
    recent_donations: list[PublicDonation]


class CampaignListed(Out):
    """A premium campaign: `rate_percent` of every yen charged between `starts_at` and `ends_at` comes back
    as points from the program's budget, at most `per_resident_cap` points per resident."""

    id: str
    name: str
    program_id: str
    program_name: str
    rate_percent: int
    per_resident_cap: int
    starts_at: datetime
    ends_at: datetime


class CampaignsOut(Out):
    items: list[CampaignListed]
