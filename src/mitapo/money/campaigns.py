"""Premium campaigns (プレミアム): a top-up during a campaign earns bonus points from a program's budget.

The bonus is a share of the yen topped up, rounded down, into a lot that expires after the program's
`points_valid_days` (as a check-in's points do), capped per resident per campaign. It is its own `bonus`
entry, posted after the top-up (see `awards`): a campaign whose budget has run out still lets the top-up
through, with a smaller bonus or none. Only campaigns that existed and ran at the moment of the top-up count,
so a replay answers the same bonus."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from mitapo.accounts import staff_log
from mitapo.engine import chart, clock
from mitapo.engine.commands import Command, Idempotency, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.money import awards, closing, reads, tables


@dataclass(frozen=True, slots=True)
class NewCampaign:
    program_id: str
    name: str
    rate_percent: int
    per_resident_cap: int
    starts_at: datetime
    ends_at: datetime


CREATED = "campaign.created"
LISTED = 500


async def create(
    db: Database, campaign: NewCampaign, *, idempotency: Idempotency | None, actor: str | None = None
) -> Written:
    """A premium campaign; with `actor`, its line in the staff action log commits with it."""
    if campaign.ends_at <= campaign.starts_at:
        raise Invalid("ends_at must be after starts_at")
    async with db.read() as conn:
        if not await reads.program_exists(conn, campaign.program_id):
            raise NotFound("program")
    campaign_id = f"cmp_{uuid.uuid4().hex[:16]}"
    return await post(
        db,
        Command(
            kind=None,
            rows=(
                Row(tables.campaigns, {"id": campaign_id, **asdict(campaign)}),
                *([staff_log.row(actor, CREATED, campaign_id, campaign.name)] if actor else []),
            ),
            idempotency=idempotency,
            result=lambda _: {"id": campaign_id},
        ),
    )


async def listing(db: Database) -> list[dict[str, Any]]:
    """Every premium campaign (the latest 500 to start), for the staff console: a bonus on charging money,
    whichever shop it is later spent at."""
    async with db.read() as conn:
        return await reads.campaign_list(conn, LISTED)


def bonus(amount: int, rate_percent: int) -> int:
    """+10 % of ¥1,234 is 123 points: rounded down, never a fraction of a point."""
    return amount * rate_percent // 100


async def give_bonuses(db: Database, topup_entry_id: str, resident_id: str, amount: int, at: datetime) -> int:
    """The bonus of every campaign running at the top-up's moment; return the points given in all."""
    async with db.read() as conn:
        running = await reads.active_campaigns(conn, at)
    given = 0
    for campaign in running:
        wanted = bonus(amount, campaign.rate_percent)
        if wanted == 0:
            continue
        expires_on = clock.tokyo_date(at) + timedelta(days=campaign.points_valid_days)
        given += await awards.give(
            db,
            awards.Award(
                cause=f"bonus:{topup_entry_id}:{campaign.id}",
                kind="bonus",
                program_id=campaign.program_id,
                destination=chart.resident_lot(resident_id, expires_on),
                wanted=wanted,
                caps=(
                    awards.Cap(f"campaign:{campaign.id}:resident:{resident_id}", campaign.per_resident_cap),
                ),
                guards=(closing.still_open(resident_id),),
                memo=f"premium bonus of campaign {campaign.id}",
                meta={
                    "campaign_id": campaign.id,
                    "topup_entry_id": topup_entry_id,
                    "resident_id": resident_id,
                },
            ),
        )
    return given
