"""What the pages' own JSON endpoints (`web.views`) answer, beyond the capabilities' shapes."""

from __future__ import annotations

from typing import Literal

from mitapo.http.schemas import Out


class AttendanceOut(Out):
    """How many residents checked in so far and the points they were given."""

    event_id: str
    count: int
    points: int
    capacity: int | None


class RecipientListed(Out):
    id: str
    name: str


class RecipientsOut(Out):
    items: list[RecipientListed]


class ShopOut(Out):
    """The till's own shop, with its static code for the sticker."""

    id: str
    name: str
    city: str
    qr_payload: str


class Counterpart(Out):
    """Whom an entry was with: the shop, the donation's recipient, the other resident of a gift (`giver` or
    `receiver`), the event, the campaign or the bus route."""

    role: Literal["shop", "recipient", "giver", "receiver", "event", "campaign", "route"]
    id: str
    name: str | None


class HistoryDetails(Out):
    payment_id: str | None = None
    reference: str | None = None  # the shop's slip number
    refund_id: str | None = None
    channel: str | None = None
    service_day: str | None = None


class HistoryLine(Out):
    """One entry as the resident sees it: points and money apart (+ in, − out)."""

    entry_id: str
    kind: str
    label: str
    created_at: str
    points: int
    money: int
    counterpart: Counterpart | None
    details: HistoryDetails


class HistoryOut(Out):
    month: str
    items: list[HistoryLine]


class LatestOut(Out):
    """The newest lines of a resident's history, whatever their month, newest first."""

    items: list[HistoryLine]


class UpcomingEvent(Out):
    id: str
    title: str
    starts_at: str
    ends_at: str
    points: int
    place: str | None
    area: str | None
    organizer: str


class UpcomingOut(Out):
    """Events open to check-in from `from` (default now) to `to`, soonest first."""

    items: list[UpcomingEvent]


class ShopCampaign(Out):
    """A campaign that applies at the shop: `cashback` (points back on payments there) or `premium` (a bonus
    on charging money, spent at every shop)."""

    kind: Literal["cashback", "premium"]
    id: str
    name: str
    rate: str


class ShopListed(Out):
    id: str
    name: str
    area: str | None
    mcc: str
    kind: str
    campaigns: list[ShopCampaign]


class ShopsOut(Out):
    items: list[ShopListed]
