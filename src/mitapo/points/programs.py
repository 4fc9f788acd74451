"""City programs: what residents earn points for, the budget that pays for them, the caps that keep it fair.

A program's budget is an account funded from the city's issuance; every grant draws on it, and the writer
refuses a grant the budget cannot pay (`budget_exhausted`), so every point granted has a source.
"""

from __future__ import annotations

import uuid
from typing import Any

from mitapo.engine import chart, journal, ledger
from mitapo.engine.commands import Command, Idempotency, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import NotFound
from mitapo.points import reads, tables
from mitapo.points.reads import ProgramView


async def create(
    db: Database,
    name: str,
    points_valid_days: int,
    monthly_cap: int | None = None,
    annual_cap: int | None = None,
    *,
    idempotency: Idempotency | None = None,
) -> Written:
    """Create a program and open its (empty) budget; answer `{id}`."""
    program_id = f"prg_{uuid.uuid4().hex[:16]}"
    row = {
        "id": program_id,
        "name": name,
        "points_valid_days": points_valid_days,
        "monthly_cap": monthly_cap,
        "annual_cap": annual_cap,
    }
    return await ledger.post(
        db,
        Command(
            kind=None,
            accounts=(chart.CITY_ISSUANCE, chart.program_budget(program_id)),
            rows=(Row(tables.programs, row),),
            idempotency=idempotency,
            result=lambda _: {"id": program_id},
        ),
    )


async def get(db: Database, program_id: str) -> ProgramView:
    async with db.read() as conn:
        found = await reads.program(conn, program_id)
    if found is None:
        raise NotFound("program")
    return found


async def fund(
    db: Database, program_id: str, points: int, *, idempotency: Idempotency | None = None
) -> Written:
    await get(db, program_id)
    return await ledger.fund_program(db, program_id, points, idempotency=idempotency)


async def describe(db: Database, program_id: str) -> dict[str, Any]:
    """What is left in the budget and what was granted: with the fundings, these always add up."""
    program = await get(db, program_id)
    budget = chart.program_budget(program_id)
    async with db.read() as conn:
        posted = await journal.balance(conn, budget.code, chart.PT)
        granted = await reads.granted_total(conn, program_id)
    return {
        "id": program.id,
        "name": program.name,
        "points_valid_days": program.points_valid_days,
        "monthly_cap": program.monthly_cap,
        "annual_cap": program.annual_cap,
        "budget_remaining": -posted,
        "granted_total": granted,
    }
