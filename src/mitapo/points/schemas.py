"""What the participation routes take and answer (the OpenAPI document shows these shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from mitapo.http.schemas import _NAME_PATTERN, Body, Id, Moment, Name, Out, Points, whole

# --- requests ----------------------------------------------------------------------------------------------


class FundingIn(Body):
    points: Points


class ProgramIn(Body):
    name: Name
    points_valid_days: Annotated[int, msgspec.Meta(ge=1, le=3660)]
    monthly_cap: Points | None = None
    annual_cap: Points | None = None
    max_points_per_event: Points | None = None


class OrganizerIn(Body):
    name: Name


Place = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=_NAME_PATTERN)]


class ProgramOrganizerIn(Body):
    organizer_id: Id


class ProgramOrganizerOut(Out):
    """The organizer may now run events in the program."""

    program_id: str
    organizer_id: str


class EventIn(Body):
    program_id: Id
    title: Name
    points: Points
    starts_at: Moment
    ends_at: Moment
    capacity: Annotated[int, msgspec.Meta(gt=0, le=10_000_000)] | None = None
    place: Place | None = None  # where: a hall, a park
    area: Place | None = None  # a コミュニティ住区 or town name


class EventPatchIn(Body):
    """An edit before the event starts: the fields given change, the others stay."""

    title: Name | None = None
    points: Points | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    capacity: Annotated[int, msgspec.Meta(gt=0, le=10_000_000)] | None = None
    place: Place | None = None
    area: Place | None = None


class CancellationIn(Body):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=1000, pattern=whole(r"[^\x00]+"))]


class CheckinIn(Body):
    payload: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


ReceiveCode = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
ResidentNumber = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["1234-5678"])]


class GiftIn(Body):
    """To a resident by id, by the receive code they show (`GET /v1/me/receive-code`), or by the short number
    they told the giver (`to_resident_number`, full-width digits, spaces and dashes are fine): one of the
    three."""

    points: Points
    to_resident_id: Id | None = None
    receive_code: ReceiveCode | None = None
    to_resident_number: ResidentNumber | None = None


class GiftPreviewIn(Body):
    """Whom a receive code, or a typed resident number, names: one of the two."""

    receive_code: ReceiveCode | None = None
    to_resident_number: ResidentNumber | None = None


# --- answers -----------------------------------------------------------------------------------------------


class GrantedProgram(Out):
    id: str
    name: str


class OrganizerListed(Out):
    """An organizer as the city sees it: the programs it may run events in; `revoked`: its secrets stopped
    (an admin's rotation gives it a new one)."""

    id: str
    name: str
    created_at: datetime
    revoked: bool
    programs: list[GrantedProgram]


class OrganizersOut(Out):
    items: list[OrganizerListed]


class OrganizerCreated(Out):
    """`token` is the organizer's secret, shown once: a replay answers null."""

    id: str
    token: str | None


class ProgramOut(Out):
    """What is left in the budget and what was granted: with the fundings, these always add up."""

    id: str
    name: str
    points_valid_days: int
    monthly_cap: int | None
    annual_cap: int | None
    max_points_per_event: int | None
    budget_remaining: int
    granted_total: int


class EventOut(Out):
    id: str
    program_id: str
    organizer_id: str
    title: str
    points: int
    starts_at: str
    ends_at: str
    capacity: int | None
    cancelled_at: str | None = None
    place: str | None = None  # where: a hall, a park
    area: str | None = None  # a コミュニティ住区 or town name


class EventCancelled(Out):
    id: str
    cancelled_at: str


class EventsOut(Out):
    items: list[EventOut]


class CheckinCodeOut(Out):
    """The code to show at the door and when it stops being accepted."""

    payload: str
    expires_at: str


class CheckedIn(Out):
    entry_id: str
    event_id: str
    points: int


class StatementEvent(Out):
    id: str
    title: str | None


class StatementShop(Out):
    id: str
    name: str | None


class StatementLineOut(Out):
    """The resident's side of an entry; `event` or `shop` when the entry names one."""

    entry_id: str
    kind: str
    created_at: str
    points: int
    money: int
    description: str
    event: StatementEvent | msgspec.UnsetType = msgspec.UNSET
    shop: StatementShop | msgspec.UnsetType = msgspec.UNSET


class StatementOut(Out):
    """Pass `next_cursor` back to read the next page, until it is null."""

    items: list[StatementLineOut]
    next_cursor: str | None


class ReceiveCodeOut(Out):
    """A code another resident scans to give points to the caller: signed, good until `expires_at`."""

    payload: str
    expires_at: str


class GiftPreviewOut(Out):
    """Whom a receive code or a number names, for the giver to confirm: the display name the city holds.
    `expires_at` is the receive code's end (null for a number, which does not expire)."""

    name: str
    is_self: bool
    expires_at: str | None


class PushKeysIn(Body):
    p256dh: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    auth: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class PushSubscriptionIn(Body):
    """The browser's PushSubscription as `toJSON()` gives it (`expirationTime` is ignored)."""

    endpoint: Annotated[str, msgspec.Meta(min_length=8, max_length=2000)]
    keys: PushKeysIn
    expirationTime: int | None = None  # the browser's name for it


class PushKeyOut(Out):
    """The `applicationServerKey` to subscribe with, and whether the city sends reminders at all."""

    public_key: str
    enabled: bool


class PushStateOut(Out):
    subscribed: bool
