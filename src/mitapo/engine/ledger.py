"""The ledger as other services use it: post a command, move an amount, fund a program, reverse an entry."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from mitapo.engine import chart, journal
from mitapo.engine import idempotency as idempotency_records
from mitapo.engine.commands import AccountSpec, Command, Idempotency, Leg, Once, Rejected, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, NotFound


async def post(db: Database, command: Command) -> Written:
    """Submit a command to the writer; a refusal becomes a DomainError with its code."""
    outcome = await db.submit(command)
    if isinstance(outcome, Rejected):
        raise DomainError(outcome.code, outcome.detail)
    return outcome


async def earlier_answer(db: Database, idempotency: Idempotency | None) -> Written | None:
    """The first answer to this request, if it was already carried out.

    A service that checks something that expires (a 60-second pay code, a check-in code's 30-second step) asks
    this first, so that a retry after a lost answer gets that answer again rather than `code_expired`."""
    if idempotency is None:
        return None
    async with db.read() as conn:
        known = await idempotency_records.record(conn, idempotency.scope, idempotency.key)
    if known is None:
        return None
    if known.request_hash != idempotency.request_hash:
        raise DomainError("idempotency_mismatch", "this Idempotency-Key was used with another request")
    return Written(entry_id=known.entry_id, created_at=None, result=known.result, replayed=True)


async def open_accounts(db: Database, *specs: AccountSpec) -> None:
    await post(db, Command(kind=None, accounts=specs))


async def transfer(
    db: Database,
    *,
    source: str,
    destination: str,
    asset: str,
    amount: int,
    kind: str = "transfer",
    memo: str = "",
    meta: Mapping[str, Any] | None = None,
    idempotency: Idempotency | None = None,
) -> Written:
    """Move `amount` of `asset` from `source` to `destination` (debit the source, credit the destination)."""
    if amount <= 0:
        raise DomainError("validation_error", "amount must be a positive integer")
    legs = (Leg(source, asset, amount), Leg(destination, asset, -amount))
    return await post(
        db, Command(kind=kind, postings=legs, memo=memo, meta=meta or {}, idempotency=idempotency)
    )


async def fund_program(
    db: Database,
    program_id: str,
    points: int,
    *,
    idempotency: Idempotency | None = None,
    rows: tuple[Row, ...] = (),
) -> Written:
    """Move points from the city's issuance into a program's budget: every point has a source. `rows`
    commit with the entry (the staff action log's line, which the engine cannot write itself)."""
    budget = chart.program_budget(program_id)
    if points <= 0:
        raise DomainError("validation_error", "points must be a positive integer")
    return await post(
        db,
        Command(
            kind="funding",
            accounts=(chart.CITY_ISSUANCE, budget),
            postings=(Leg(chart.CITY_ISSUANCE.code, chart.PT, points), Leg(budget.code, chart.PT, -points)),
            memo=f"funding of program {program_id}",
            meta={"program_id": program_id},
            rows=rows,
            idempotency=idempotency,
        ),
    )


async def reverse(
    db: Database,
    entry_id: str,
    reason: str,
    *,
    idempotency: Idempotency | None = None,
    rows: tuple[Row, ...] = (),
) -> Written:
    """Undo an entry by its mirror image; the original stays in the journal as it was. `rows` commit with
    the reversal (the staff action log's line)."""
    try:
        original = uuid.UUID(entry_id)
    except ValueError:
        raise NotFound("entry") from None
    async with db.read() as conn:
        postings = await journal.entry_postings(conn, original)
    if postings is None:
        raise NotFound("entry")
    legs = tuple(Leg(p.account, p.asset, -p.amount) for p in postings)
    return await post(
        db,
        Command(
            kind="reversal",
            postings=legs,
            memo=reason,
            meta={"reverses": entry_id},
            reverses=original,
            once=(Once(f"reversal:{entry_id}", "already_reversed"),),
            rows=rows,
            idempotency=idempotency,
            shortfall_code="insufficient_funds",
        ),
    )
