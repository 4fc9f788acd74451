"""Cashback campaigns, like the farm stands' 10 % back: a rate on what residents spend at chosen shops (or
shops of chosen MCCs), paid as points from a program's budget, at most a monthly cap per resident.

Credited by a job (`mitapo cashback`) after each Tokyo month ends, on the month's spending net of refunds
made by then. The points come from the program's budget, never out of the payment: the shop is paid in
full, and the resident's money is never touched. Each (campaign, resident, month) is decided once by
`awards.give`, which gives what the budget still allows, so running the job twice credits nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mitapo.accounts import staff_log
from mitapo.engine import chart, clock
from mitapo.engine.commands import Command, Idempotency, Row
from mitapo.engine.database import Database
from mitapo.engine.errors import Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.money import awards
from mitapo.payments import reads, tables
from mitapo.payments.reads import MonthlySpending
from mitapo.points import programs

CAUSE = "cashback:"
CREATED = "cashback_campaign.created"
LISTED = 500


@dataclass(frozen=True, slots=True)
class NewCampaign:
    name: str
    program_id: str
    rate_bps: int
    monthly_cap: int
    starts_on: date
    ends_on: date | None = None
    merchant_ids: tuple[str, ...] = ()
    mccs: tuple[str, ...] = ()


async def create(
    db: Database, new: NewCampaign, *, idempotency: Idempotency | None = None, actor: str | None = None
) -> dict[str, Any]:
    """A cashback campaign at the named shops (every one must exist: a mistyped shop would silently earn
    nothing) or kinds of shop; with `actor`, its line in the staff action log commits with it."""
    if not new.merchant_ids and not new.mccs:
        raise Invalid("name the shops (merchant_ids) or the kinds of shop (mccs) the campaign pays back at")
    if new.ends_on is not None and new.ends_on < new.starts_on:
        raise Invalid("ends_on is before starts_on")
    await programs.get(db, new.program_id)  # NotFound("program")
    async with db.read() as conn:
        known = await reads.merchants_by_id(conn, list(set(new.merchant_ids)))
    if len(known) != len(set(new.merchant_ids)):
        raise NotFound("merchant")
    campaign_id = f"cb_{uuid.uuid4().hex[:16]}"
    row = {"id": campaign_id, **asdict(new)} | {
        "merchant_ids": list(new.merchant_ids),
        "mccs": list(new.mccs),
    }
    written = await post(
        db,
        Command(
            kind=None,
            rows=(
                Row(tables.cashback_campaigns, row),
                *([staff_log.row(actor, CREATED, campaign_id, new.name)] if actor else []),
            ),
            idempotency=idempotency,
            result=lambda _: {"id": campaign_id},
        ),
    )
    return dict(written.result)


async def listing(db: Database) -> list[dict[str, Any]]:
    """Every cashback campaign (the latest 500 to start), with the names of the shops it names."""
    async with db.read() as conn:
        return await reads.cashback_campaign_list(conn, LISTED)


def cashback(spent: int, rate_bps: int, monthly_cap: int) -> int:
    """10 % of ¥1,234 is 123 points: rounded down, never past the cap."""
    return min(spent * rate_bps // 10_000, monthly_cap)


async def run(db: Database, now: datetime | None = None) -> list[dict[str, Any]]:
    """Credit every month that ended by `now` and has not been decided yet; list what was credited.

    The residents' debts are read once for the batch; what one credit pays down is taken off before the
    next credit of the same resident, so a debt is paid down once however many of their months are due."""
    now = now or clock.now()
    async with db.read() as conn:
        due = await reads.uncredited_spending(conn, now, CAUSE)
        owed = await reads.cashback_owed(conn, sorted({spending.resident_id for spending in due}))
    credited = []
    for spending in due:
        award = _award(spending, clock.tokyo_date(now), owed.get(spending.resident_id, 0))
        points = await awards.give(db, award)
        paid_down = -sum(row.values["points_owed"] for row in award.rows)
        owed[spending.resident_id] = owed.get(spending.resident_id, 0) - paid_down
        credited.append(
            {
                "campaign_id": spending.campaign.id,
                "resident_id": spending.resident_id,
                "month": spending.month,
                "spent": spending.spent,
                "points": points,
                "debt_paid": paid_down,
            }
        )
    return credited


def _paydown(spending: MonthlySpending, points: int) -> Row:
    return Row(
        tables.cashback_clawbacks,
        {
            "id": uuid.uuid4(),
            "refund_id": None,
            "campaign_id": spending.campaign.id,
            "resident_id": spending.resident_id,
            "month": spending.month,
            "points_clawed": 0,
            "points_owed": -points,
            "entry_id": None,
        },
    )


def _award(spending: MonthlySpending, today: date, owed: int) -> awards.Award:
    """The month's cashback, less what the resident owes of cashback taken back after it was spent (the debt
    is paid down first: the budget keeps those points, `clawbacks`)."""
    campaign = spending.campaign
    key = f"{campaign.id}:{spending.resident_id}:{spending.month}"
    expires_on = today + timedelta(days=campaign.points_valid_days)
    earned = cashback(spending.spent, campaign.rate_bps, campaign.monthly_cap)
    paid_down = min(max(owed, 0), earned)
    return awards.Award(
        cause=CAUSE + key,
        kind="cashback",
        program_id=campaign.program_id,
        destination=chart.resident_lot(spending.resident_id, expires_on),
        wanted=earned - paid_down,
        rows=(_paydown(spending, paid_down),) if paid_down else (),
        memo=f"cashback of campaign {campaign.id} for {spending.month}",
        meta={
            "campaign_id": campaign.id,
            "resident_id": spending.resident_id,
            "month": spending.month,
            "spent": spending.spent,
        },
    )
