"""Cashback taken back by a refund made after the month's cashback was credited.

A resident who bought ¥10,000 at a 10 % farm stand and got 1,000 points must not keep them after the
purchase is refunded. The refund's own entry takes back the cashback earned on the refunded part: what the
month's spending at the campaign's shops, net of every refund, still earns (rate, rounding down and the cap
as when it was credited, never more than was credited) is kept; the rest goes from the resident's points
back to the program's budget, from the lot the cashback went into first, then the lots that expire soonest
(including points this very refund gives back).

The rule for points the resident has already spent: they become a debt (`cashback_clawbacks.points_owed`),
which the resident's next cashback pays down before it gives anything (`cashback.run`); the budget keeps
what it does not give. Nothing is written off. Auditors see the taking back as postings from the resident's
lots to the budget in the `refund` entry, and every clawback and debt in `cashback_clawbacks`.

A counter per (campaign, resident, month) keeps what all refunds take back at or below what was credited,
also when two refunds race.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from mitapo.engine import chart
from mitapo.engine.commands import ENTRY_ID, AccountSpec, BalanceState, Leg, Limit, PlanView, Row
from mitapo.payments import cashback, tables
from mitapo.payments.reads import CashbackCredit


@dataclass(frozen=True, slots=True)
class Due:
    credit: CashbackCredit
    points: int


@dataclass(frozen=True, slots=True)
class Taking:
    legs: tuple[Leg, ...]
    rows: tuple[Row, ...]


def due(credits: list[CashbackCredit], refunded: int) -> list[Due]:
    """What a refund of `refunded` yen takes back of each credit: the credit less what the month still earns
    and what earlier refunds took."""
    owed = []
    for credit in credits:
        earned = cashback.cashback(max(credit.spent - refunded, 0), credit.rate_bps, credit.monthly_cap)
        points = credit.credited - min(credit.credited, earned) - credit.taken
        if points > 0:
            owed.append(Due(credit, points))
    return owed


def limits(owed: list[Due], raced: str) -> tuple[Limit, ...]:
    return tuple(
        Limit(_counter(d.credit), d.points, d.credit.credited, raced, "cashback taken back meanwhile")
        for d in owed
    )


def budgets(owed: list[Due]) -> tuple[AccountSpec, ...]:
    return tuple({chart.program_budget(d.credit.program_id) for d in owed})


def take_back(
    view: PlanView, owed: list[Due], given_back: dict[str, int], refund_id: str, today: date
) -> Taking:
    """The legs from the resident's lots to each budget and the rows recording them; `given_back` is what
    this refund's own legs add to the resident's lots."""
    legs: list[Leg] = []
    rows: list[Row] = []
    used: dict[str, int] = {}
    for d in owed:
        left = d.points
        for lot in _lots(view, d.credit, today):
            room = lot.available + given_back.get(lot.account, 0) - used.get(lot.account, 0)
            take = min(room, left)
            if take > 0:
                legs += [Leg(lot.account, chart.PT, take)]
                used[lot.account] = used.get(lot.account, 0) + take
                left -= take
        clawed = d.points - left
        if clawed:
            legs.append(Leg(chart.program_budget(d.credit.program_id).code, chart.PT, -clawed))
        rows.append(_row(d, refund_id, clawed, left))
    return Taking(tuple(legs), tuple(rows))


def _lots(view: PlanView, credit: CashbackCredit, today: date) -> list[BalanceState]:
    """The resident's unexpired lots: the cashback's own first, then soonest expiry first."""
    lots = [
        lot
        for lot in view.owned(chart.resident_owner(credit.resident_id), chart.PT)
        if lot.expires_on is not None and lot.expires_on >= today
    ]
    return sorted(lots, key=lambda lot: lot.account != credit.lot)


def _row(d: Due, refund_id: str, clawed: int, owed: int) -> Row:
    return Row(
        tables.cashback_clawbacks,
        {
            "id": uuid.uuid4(),
            "refund_id": refund_id,
            "campaign_id": d.credit.campaign_id,
            "resident_id": d.credit.resident_id,
            "month": d.credit.month,
            "points_clawed": clawed,
            "points_owed": owed,
            "entry_id": ENTRY_ID,
        },
    )


def _counter(credit: CashbackCredit) -> str:
    return f"cashback_clawback:{credit.campaign_id}:{credit.resident_id}:{credit.month}"
