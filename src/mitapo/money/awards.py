"""Points a program gives because of something else: a top-up's premium bonus, a donation's match.

An award is its own entry, posted after the entry that caused it, so that the cause stands even when the award
is refused. It gives as much as it may, up to what it wants: never more than the program's budget holds, and
never past its caps (a resident's bonus per campaign, a matching offer's total). The writer enforces both
under its locks (the budget may not go negative, a `Limit` per cap), so an award sized from a read taken a
moment earlier may be refused when another award got there first; it is then sized again from a fresh read.

Each cause is awarded once: a `Once` token per cause records the decision, even a decision to give nothing,
and answers it again to any later attempt, whatever budget has been added since.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mitapo.engine import chart
from mitapo.engine.commands import AccountSpec, Command, Leg, Limit, Once, Row
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo.engine.ledger import post
from mitapo.money import reads

ATTEMPTS = 20
RACED = ("cap_exceeded", "budget_exhausted")  # another award got there first: size it again


@dataclass(frozen=True, slots=True)
class Cap:
    """A counter of what has been awarded under some rule, and its maximum."""

    key: str
    maximum: int


@dataclass(frozen=True, slots=True)
class Award:
    cause: str
    kind: str
    program_id: str
    destination: AccountSpec
    wanted: int
    caps: tuple[Cap, ...] = ()
    guards: tuple[Limit, ...] = ()
    memo: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    rows: tuple[Row, ...] = ()  # written with the award's decision (once, like it)


async def give(db: Database, award: Award) -> int:
    """Post the award (or replay it); return the points given, 0 when the budget or a cap left nothing.

    A refusal by a guard (the destination was closed meanwhile) gives nothing and records nothing.
    """
    guarded = {guard.code for guard in award.guards}
    for _ in range(ATTEMPTS):
        points = await _affordable(db, award)
        try:
            written = await post(db, _command(award, points))
        except DomainError as refusal:
            if refusal.code in RACED:
                continue
            if refusal.code in guarded:
                return 0
            raise
        return int(written.result["points"])
    return 0


async def _affordable(db: Database, award: Award) -> int:
    async with db.read() as conn:
        budget = await reads.available(conn, chart.program_budget(award.program_id).code, chart.PT)
        room = [cap.maximum - await reads.counter(conn, cap.key) for cap in award.caps]
    return max(0, min(award.wanted, budget, *room))


def _command(award: Award, points: int) -> Command:
    budget = chart.program_budget(award.program_id).code
    legs = (Leg(budget, chart.PT, points), Leg(award.destination.code, chart.PT, -points)) if points else ()
    return Command(
        kind=award.kind,
        postings=legs,
        accounts=(award.destination,) if points else (),
        memo=award.memo,
        meta=award.meta,
        limits=(*(Limit(cap.key, points, cap.maximum, "cap_exceeded") for cap in award.caps), *award.guards),
        once=(
            Once(award.cause, "already_awarded", request_hash=hashlib.sha256(award.cause.encode()).digest()),
        ),
        shortfall_codes={"program:": "budget_exhausted"},
        rows=award.rows,
        result=lambda _: {"points": points},
    )
