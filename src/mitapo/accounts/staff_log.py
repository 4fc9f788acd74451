"""The staff action log: who did what to whom, when and why (migration 0019, `staff_actions`).

Append-only like the journal (its triggers refuse UPDATE, DELETE and TRUNCATE, also under replication), so a
revocation, a rotation or a new principal stays on record for the auditors (`GET /v1/audit/staff-actions`)
whoever later wishes it had not happened.

`record` runs on the caller's connection (`Database.raw`), inside the caller's transaction when there is one,
so that the action and its record commit together or not at all; an action written by the ledger's writer
puts `row(...)` among its command's rows instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts.tables import staff_actions
from mitapo.engine.commands import Row

COMMAND_LINE = "cli"  # the actor of what `mitapo …` does on the server itself, with no principal


@dataclass(frozen=True, slots=True)
class StaffAction:
    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    reason: str


async def record(conn: asyncpg.Connection, actor: str, action: str, subject: str, reason: str = "") -> None:
    """Record that `actor` (a principal's id, or `cli`) did `action` (a dotted word: `principal.revoked`,
    `resident.revoked`, `card.issued`) to `subject` (what it was done to: a principal's or a card's id)."""
    await conn.execute(
        "INSERT INTO staff_actions (actor, action, subject, reason) VALUES ($1, $2, $3, $4)",
        actor,
        action,
        subject,
        reason,
    )


def row(actor: str, action: str, subject: str, reason: str = "") -> Row:
    """The same record as a `Row` of a ledger command: written in the entry's transaction."""
    return Row(staff_actions, {"actor": actor, "action": action, "subject": subject, "reason": reason})


async def page(conn: AsyncConnection, after_id: int, limit: int, subject: str | None) -> list[StaffAction]:
    """The actions after `after_id`, oldest first; only those done to `subject` when it is given."""
    query = select(staff_actions).where(staff_actions.c.id > after_id)
    if subject is not None:
        query = query.where(staff_actions.c.subject == subject)
    rows = (await conn.execute(query.order_by(staff_actions.c.id).limit(limit))).all()
    return [StaffAction(r.id, r.at, r.actor, r.action, r.subject, r.reason) for r in rows]
