"""Expiry: points whose date has passed move to breakage by a ledger entry, never by deletion.

The job reads only the lots that are due (a partial index holds just the lots with a balance), a page at a
time, and posts one `expiry` entry per resident and page. The amount is decided under the resident's locks,
so a payment racing with the job can take the points or the job can expire them, never both. A spent token
per lot and day makes a second run, or two runs at once, post nothing more (docs/expiry.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from mitapo.engine import chart
from mitapo.engine.commands import Command, Leg, Once, Plan, PlanView, Written
from mitapo.engine.database import Database
from mitapo.points import reads
from mitapo.points.reads import DueLot

PAGE = 2000


@dataclass(frozen=True, slots=True)
class ExpiryReport:
    entries: int = 0
    lots: int = 0
    points: int = 0

    def __add__(self, other: ExpiryReport) -> ExpiryReport:
        return ExpiryReport(self.entries + other.entries, self.lots + other.lots, self.points + other.points)


async def run(db: Database, today: date, page: int = PAGE) -> ExpiryReport:
    """Expire every lot dated before `today` (Tokyo) that still holds points."""
    report = ExpiryReport()
    after: tuple[date, str] | None = None
    while True:
        async with db.read() as conn:
            due = await reads.due_lots(conn, today, after, page)
        if not due:
            return report
        after = (due[-1].expires_on, due[-1].account)
        commands = [expiry_command(owner, accounts, today) for owner, accounts in _by_owner(due).items()]
        outcomes = await asyncio.gather(*(db.submit(command) for command in commands))
        for outcome in outcomes:
            if isinstance(outcome, Written) and outcome.entry_id is not None:
                report += ExpiryReport(1, int(outcome.result["lots"]), int(outcome.result["points"]))


def _by_owner(due: Sequence[DueLot]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for lot in due:
        grouped.setdefault(lot.owner, []).append(lot.account)
    return grouped


def expiry_command(owner: str, accounts: Sequence[str], today: date) -> Command:
    return Command(
        kind="expiry",
        plan=_expire(accounts),
        accounts=(chart.BREAKAGE,),
        lock_owners=(owner,),
        once=tuple(Once(f"expiry:{account}:{today.isoformat()}", "already_expired") for account in accounts),
        memo="points expired",
        meta={"owner": owner, "expired_before": today.isoformat()},
        result=lambda decided: dict(decided.info),
    )


def _expire(accounts: Sequence[str]) -> Callable[[PlanView], Plan]:
    """Move what is available on each lot (held points stay until their hold is resolved)."""

    def plan(view: PlanView) -> Plan:
        legs = []
        for account in accounts:
            lot = view.balances.get((account, chart.PT))
            if lot is not None and lot.available > 0:
                legs.append(Leg(account, chart.PT, lot.available))
        total = sum(leg.amount for leg in legs)
        if total:
            legs.append(Leg(chart.BREAKAGE.code, chart.PT, -total))
        return Plan(postings=tuple(legs), info={"lots": len(legs) - 1 if total else 0, "points": total})

    return plan
