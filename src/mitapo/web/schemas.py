"""What the pages' own JSON endpoints (`web.views`) answer, beyond the capabilities' shapes."""

from __future__ import annotations

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
