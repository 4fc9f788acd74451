"""Matching offers: a program adds points to donations to the recipients it chose (e.g. 100 %).

Each match is its own `match` entry beside the donation, drawing on the program's budget, at most
`per_donation_cap` per donation and, when the offer has one, `total_cap` in all (see `awards`). When the
budget or the total has run out the donation still stands, with a smaller match or none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from mitapo.accounts import staff_log
from mitapo.engine import chart
from mitapo.engine.commands import Command, Idempotency, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.money import awards, reads, tables


@dataclass(frozen=True, slots=True)
class NewMatching:
    program_id: str
    recipient_ids: tuple[str, ...]
    rate_percent: int
    per_donation_cap: int
    total_cap: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


CREATED = "matching.created"  # the staff action


async def create(
    db: Database, offer: NewMatching, *, idempotency: Idempotency | None, actor: str | None = None
) -> Written:
    """A matching offer: the program adds points to donations to the chosen recipients; with `actor`, the
    staff action log's line commits with it."""
    if offer.starts_at and offer.ends_at and offer.ends_at <= offer.starts_at:
        raise Invalid("ends_at must be after starts_at")
    chosen = sorted(set(offer.recipient_ids))
    async with db.read() as conn:
        if not await reads.program_exists(conn, offer.program_id):
            raise NotFound("program")
        if len(await reads.known_recipients(conn, chosen)) != len(chosen):
            raise NotFound("recipient")
    matching_id = f"mat_{uuid.uuid4().hex[:16]}"
    terms = {"id": matching_id, "program_id": offer.program_id, "rate_percent": offer.rate_percent}
    terms |= {"per_donation_cap": offer.per_donation_cap, "total_cap": offer.total_cap}
    terms |= {"starts_at": offer.starts_at, "ends_at": offer.ends_at}
    links = tuple(
        Row(tables.matching_recipients, {"matching_id": matching_id, "recipient_id": r}) for r in chosen
    )
    return await post(
        db,
        Command(
            kind=None,
            rows=(Row(tables.matchings, terms), *links, *_logged(actor, matching_id, offer.program_id)),
            idempotency=idempotency,
            result=lambda _: {"id": matching_id},
        ),
    )


def _logged(actor: str | None, matching_id: str, program_id: str) -> tuple[Row, ...]:
    return () if actor is None else (staff_log.row(actor, CREATED, matching_id, program_id),)


async def match_donation(
    db: Database, donation_entry_id: str, recipient_id: str, points: int, at: datetime
) -> int:
    """The match of every offer for this recipient running at the donation's moment; return the points."""
    async with db.read() as conn:
        offers = await reads.active_matchings(conn, recipient_id, at)
    matched = 0
    for offer in offers:
        wanted = min(points * offer.rate_percent // 100, offer.per_donation_cap)
        if wanted == 0:
            continue
        caps = (awards.Cap(f"matching:{offer.id}:total", offer.total_cap),) if offer.total_cap else ()
        matched += await awards.give(
            db,
            awards.Award(
                cause=f"match:{donation_entry_id}:{offer.id}",
                kind="match",
                program_id=offer.program_id,
                destination=chart.recipient_account(recipient_id),
                wanted=wanted,
                caps=caps,
                memo=f"match of offer {offer.id} for donation {donation_entry_id}",
                meta={
                    "matching_id": offer.id,
                    "donation_entry_id": donation_entry_id,
                    "recipient_id": recipient_id,
                },
            ),
        )
    return matched
