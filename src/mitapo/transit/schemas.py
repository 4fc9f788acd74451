"""What the transit routes take and answer: the OpenAPI document shows these shapes. Moments are ISO 8601
strings with their offset and service days ISO dates, as the services write them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from mitapo.cards.schemas import CardText
from mitapo.http.schemas import Body, Id, Moment, Name, Out, whole
from mitapo.payments.schemas import Funding, Payload, Stamp

RouteCode = Annotated[
    str, msgspec.Meta(pattern=whole(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}"), examples=["bus-1"])
]
Fare = Annotated[int, msgspec.Meta(ge=0, le=100_000)]
DayCap = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Day = Annotated[str, msgspec.Meta(description="a Tokyo calendar day, ISO 8601")]
RouteKind = Literal["bus", "on_demand"]
BookingStatus = Literal["held", "completed", "cancelled", "no_show"]


# --- requests ----------------------------------------------------------------------------------------------


class OperatorIn(Body):
    name: Name


class RouteIn(Body):
    operator_id: Id
    code: RouteCode
    name: Name
    kind: RouteKind
    adult_fare: Fare | None = None


class DayCapsIn(Body):
    adult: DayCap
    child: DayCap
    concession: DayCap


class FareRuleIn(Body):
    default_adult_fare: Fare
    reduced_percent: Annotated[int, msgspec.Meta(ge=0, le=100)]
    round_to: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    transfer_discount: Fare
    transfer_window_minutes: Annotated[int, msgspec.Meta(ge=0, le=1440)]
    day_caps: DayCapsIn
    effective_from: Moment | None = None


class TapIn(Body):
    """A reader's tap: the resident's pay code (`pay_code`) or a みたポ card (`card`: its QR's payload or its
    number; no PIN on the bus), one of the two. `reader_id` and `signature` (both or neither): the registered
    reader's Ed25519 signature, base64, over the tap record (docs/api.md, "Signed taps"); only a signed tap's
    pay code is judged at `tapped_at`."""

    route: RouteCode
    pay_code: Payload | None = None
    card: CardText | None = None
    tapped_at: Moment | None = None
    reader_id: Id | None = None
    signature: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class ReaderIn(Body):
    """`operator_id` is the admin's to give; an operator registers its own readers and gives none."""

    public_key: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    name: Name = "reader"
    operator_id: Id | None = None


class ReaderOut(Out):
    id: str
    operator_id: str
    name: str
    public_key: str


class ReaderListed(Out):
    """A reader as registered; `revoked_at` null while its key counts."""

    id: str
    operator_id: str
    operator_name: str
    name: str
    public_key: str
    created_at: datetime
    revoked_at: datetime | None


class ReadersOut(Out):
    items: list[ReaderListed]


class ReaderRevocationIn(Body):
    """Why (a lost or stolen reader, a key that leaked): kept in the staff action log."""

    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class ReaderRevoked(Out):
    id: str
    revoked_at: datetime


class OperatorListed(Out):
    id: str
    name: str


class OperatorsOut(Out):
    items: list[OperatorListed]


class BookingIn(Body):
    route_id: Id
    pickup_at: Moment | None = None
    funding: Funding = "points_first"


class RideEndIn(Body):
    ended_at: Moment | None = None


# --- answers -----------------------------------------------------------------------------------------------


class OperatorCreated(Out):
    """`api_key` is the operator's secret, shown once: a replay answers null."""

    id: str
    api_key: str | None


class RouteOut(Out):
    id: str
    operator_id: str
    code: str
    name: str
    kind: RouteKind
    adult_fare: int | None


class DayCaps(Out):
    adult: int
    child: int
    concession: int


class FareRuleOut(Out):
    id: str
    effective_from: Stamp
    default_adult_fare: int
    reduced_percent: int
    round_to: int
    transfer_discount: int
    transfer_window_minutes: int
    day_caps: DayCaps


class FareRules(Out):
    items: list[FareRuleOut]


class RideOut(Out):
    """A ride charged: a reader's tap, or an on-demand ride completed (its id is then the booking's).
    `entry_id` is null when the ride cost nothing (a transfer, the day's cap reached)."""

    id: str
    route_id: str
    tapped_at: Stamp
    service_day: Day
    fare_rule: str
    fare: int
    discount: int
    charged: int
    points_used: int
    money_used: int
    entry_id: str | None


class BookingOut(Out):
    """An on-demand ride booked: its fare held on the resident's wallet until the ride ends."""

    id: str
    resident_id: str
    route_id: str
    category: str
    fare_rule: str
    fare: int
    points_held: int
    money_held: int
    pickup_at: Stamp
    expires_at: Stamp
    status: BookingStatus
