"""Spending a resident's points: the lots that expire soonest go first, and expired lots are never spent.

Pure functions over a `PlanView`: the writer runs them under the locks of the resident's balances, so two
payments racing for the same points cannot both have them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mitapo.engine import chart
from mitapo.engine.commands import BalanceState, Leg, PlanView, Refusal


@dataclass(frozen=True, slots=True)
class Take:
    lot: BalanceState
    points: int


def spendable_lots(view: PlanView, resident_id: str, today: date) -> list[BalanceState]:
    """The resident's unexpired point lots with something available, soonest expiry first."""
    owner = chart.resident_owner(resident_id)
    return [
        lot
        for lot in view.owned(owner, chart.PT)
        if lot.expires_on is not None and lot.expires_on >= today and lot.available > 0
    ]


def spendable_points(view: PlanView, resident_id: str, today: date) -> int:
    return sum(lot.available for lot in spendable_lots(view, resident_id, today))


def take_points(view: PlanView, resident_id: str, points: int, today: date) -> list[Take]:
    """Take `points` soonest-expiring first; refuse with insufficient_funds when there are not enough."""
    takes: list[Take] = []
    remaining = points
    for lot in spendable_lots(view, resident_id, today):
        if remaining == 0:
            break
        taken = min(lot.available, remaining)
        takes.append(Take(lot, taken))
        remaining -= taken
    if remaining > 0:
        raise Refusal("insufficient_funds", f"{points} points asked, {points - remaining} available")
    return takes


def debit_legs(takes: list[Take]) -> list[Leg]:
    """The postings that take the points out of their lots (a debit lowers a liability)."""
    return [Leg(take.lot.account, chart.PT, take.points) for take in takes]


def money_available(view: PlanView, resident_id: str) -> int:
    balance = view.balances.get((chart.resident_money(resident_id).code, chart.JPY))
    return 0 if balance is None else balance.available
