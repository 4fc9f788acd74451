"""How a resident pays an amount: points that expire soonest first, then money (docs/api.md's default), or
only points, or only money, as the resident chooses. Shops and bus fares both pay this way.

`split` is pure over a `PlanView`, so it runs inside a command's plan under the lock of the resident's
balances: two payments racing for the same points cannot both have them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from mitapo.engine import chart, clock
from mitapo.engine.commands import Leg, PlanView, Refusal
from mitapo.engine.spending import Take, debit_legs, money_available, spendable_points, take_points

FundingMode = Literal["points_first", "points_only", "money_only"]
FUNDING_MODES: tuple[str, ...] = get_args(FundingMode)


@dataclass(frozen=True, slots=True)
class Funding:
    takes: list[Take]
    money: int

    @property
    def points(self) -> int:
        return sum(take.points for take in self.takes)

    def lots(self) -> list[tuple[str, int]]:
        """(expires_on, points) of every lot taken, in the order taken: what a refund gives back."""
        return [(str(take.lot.expires_on), take.points) for take in self.takes]


def split(view: PlanView, resident_id: str, amount: int, mode: FundingMode) -> Funding:
    """Decide how `amount` is paid; refuse with insufficient_funds when the chosen way cannot pay it."""
    today = clock.tokyo_date(view.now)
    points = 0
    if mode == "points_only":
        points = amount
    elif mode == "points_first":
        points = min(amount, spendable_points(view, resident_id, today))
    takes = take_points(view, resident_id, points, today) if points else []
    money = amount - points
    if money > money_available(view, resident_id):
        raise Refusal("insufficient_funds", f"{amount} asked, not enough points and money to pay it")
    return Funding(takes, money)


def debits(resident_id: str, funding: Funding) -> list[Leg]:
    """The postings that take the funding out of the resident's lots and wallet."""
    legs = debit_legs(funding.takes)
    if funding.money:
        legs.append(Leg(chart.resident_money(resident_id).code, chart.JPY, funding.money))
    return legs


def credits(account: str, funding: Funding) -> list[Leg]:
    """The postings that put the funding on a receivable account (a shop's, an operator's)."""
    legs = []
    if funding.points:
        legs.append(Leg(account, chart.PT, -funding.points))
    if funding.money:
        legs.append(Leg(account, chart.JPY, -funding.money))
    return legs
