"""City programs: what residents earn points for, the budget that pays for them, the caps that keep it fair.

A program's budget is an account funded from the city's issuance; every grant draws on it, and the writer
refuses a grant the budget cannot pay (`budget_exhausted`), so every point granted has a source.
"""

from __future__ import annotations

import uuid
from typing import Any

from mitapo.accounts import principals, staff_log
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
    max_points_per_event: int | None = None,
    idempotency: Idempotency | None = None,
    actor: str | None = None,
) -> Written:
    """Create a program and open its (empty) budget; answer `{id}`. `max_points_per_event` is the most one
    event of the program may grant a check-in, whoever makes the event. With `actor`, the staff action log
    records it with the program (a replay records nothing more)."""
    program_id = f"prg_{uuid.uuid4().hex[:16]}"
    row = {
        "id": program_id,
        "name": name,
        "points_valid_days": points_valid_days,
        "monthly_cap": monthly_cap,
        "annual_cap": annual_cap,
        "max_points_per_event": max_points_per_event,
    }
    return await ledger.post(
        db,
        Command(
            kind=None,
            accounts=(chart.CITY_ISSUANCE, chart.program_budget(program_id)),
            rows=(Row(tables.programs, row), *_logged(actor, CREATED, program_id, name)),
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


GRANTED = "program.organizer_granted"
WITHDRAWN = "program.organizer_withdrawn"
CREATED = "program.created"
FUNDED = "program.funded"
ORGANIZERS_LISTED = 500


async def grant_organizer(
    db: Database, program_id: str, organizer_id: str, *, actor: str | None = None
) -> dict[str, str]:
    """Let an organizer run events in the program (an admin's decision); granting twice changes nothing.
    With `actor`, the staff action log records the grant (subject: the organizer; reason: the program) in
    the same transaction; a second grant of the same program records nothing."""
    await get(db, program_id)
    async with db.read() as conn:
        organizer = await principals.by_id(conn, organizer_id)
    if organizer is None or organizer.role != "organizer":
        raise NotFound("organizer")
    async with db.raw() as raw, raw.transaction():
        if await reads.grant_organizer(raw, program_id, organizer_id) and actor is not None:
            await staff_log.record(raw, actor, GRANTED, organizer_id, program_id)
    return {"program_id": program_id, "organizer_id": organizer_id}


async def withdraw_organizer(db: Database, program_id: str, organizer_id: str, *, actor: str) -> None:
    """Take a granted program back from an organizer (an admin's decision): from then on it makes no new
    event in the program; its events already made stay and run (check-ins, edits, cancellation). The staff
    action log records the withdrawal (subject: the organizer; reason: the program) in the same
    transaction. An unknown program, or an organizer not granted it, is `NotFound` and writes nothing."""
    await get(db, program_id)
    async with db.raw() as raw, raw.transaction():
        if not await reads.withdraw_organizer(raw, program_id, organizer_id):
            raise NotFound("grant of the program to the organizer")
        await staff_log.record(raw, actor, WITHDRAWN, organizer_id, program_id)


async def organizers(db: Database) -> list[dict[str, Any]]:
    """The city's organizers, newest first, each with the programs granted to it and whether its secrets
    were revoked: what the staff console shows before granting or rotating."""
    async with db.read() as conn:
        found = await principals.of_role(conn, "organizer", ORGANIZERS_LISTED)
        granted = await reads.grants(conn, [organizer.id for organizer in found])
    programs_of: dict[str, list[dict[str, str]]] = {organizer.id: [] for organizer in found}
    for organizer_id, program_id, name in granted:
        programs_of[organizer_id].append({"id": program_id, "name": name})
    return [
        {
            "id": organizer.id,
            "name": organizer.name,
            "created_at": organizer.created_at,
            "revoked": organizer.revoked,
            "programs": programs_of[organizer.id],
        }
        for organizer in found
    ]


async def may_organize(db: Database, program_id: str, organizer_id: str) -> bool:
    """Whether an admin granted the organizer this program."""
    async with db.read() as conn:
        return await reads.is_granted(conn, program_id, organizer_id)


async def fund(
    db: Database,
    program_id: str,
    points: int,
    *,
    idempotency: Idempotency | None = None,
    actor: str | None = None,
) -> Written:
    """Fund the program's budget; with `actor`, the staff action log's line commits with the entry."""
    await get(db, program_id)
    logged = _logged(actor, FUNDED, program_id, f"{points} pt")
    return await ledger.fund_program(db, program_id, points, idempotency=idempotency, rows=logged)


def _logged(actor: str | None, action: str, subject: str, reason: str) -> tuple[Row, ...]:
    return () if actor is None else (staff_log.row(actor, action, subject, reason),)


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
        "max_points_per_event": program.max_points_per_event,
        "budget_remaining": -posted,
        "granted_total": granted,
    }
