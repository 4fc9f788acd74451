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
from datetime import date, datetime

import asyncpg
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts.tables import principals, staff_actions
from mitapo.engine import clock
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


@dataclass(frozen=True, slots=True)
class Filters:
    """Which actions a reader asks for: done to `subject`, by `actor`, of kind `action`, from the Tokyo day
    `since` to the Tokyo day `until` (both included); any that is None does not narrow."""

    subject: str | None = None
    actor: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Named(StaffAction):
    """An action with the names of its actor and subject where they are staff or partners (a resident's name
    is not shown: the log is the auditors' too)."""

    actor_name: str | None = None
    subject_name: str | None = None


async def page(
    conn: AsyncConnection, limit: int, filters: Filters, *, after_id: int = 0, before_id: int | None = None
) -> list[Named]:
    """The actions after `after_id`, oldest first; or, with `before_id`, those before it, newest first."""
    actor, subject = principals.alias("actor_p"), principals.alias("subject_p")
    query = (
        select(staff_actions, actor.c.name.label("actor_name"), subject.c.name.label("subject_name"))
        .outerjoin(actor, (actor.c.id == staff_actions.c.actor) & (actor.c.role != "resident"))
        .outerjoin(subject, (subject.c.id == staff_actions.c.subject) & (subject.c.role != "resident"))
        .where(*_conditions(filters))
    )
    if before_id is None:
        query = query.where(staff_actions.c.id > after_id).order_by(staff_actions.c.id)
    else:
        query = query.where(staff_actions.c.id < before_id).order_by(staff_actions.c.id.desc())
    rows = (await conn.execute(query.limit(limit))).all()
    return [
        Named(r.id, r.at, r.actor, r.action, r.subject, r.reason, r.actor_name, r.subject_name) for r in rows
    ]


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    column = staff_actions.c
    found: list[ColumnElement[bool]] = []
    for name, value in (("subject", filters.subject), ("actor", filters.actor), ("action", filters.action)):
        if value is not None:
            found.append(column[name] == value)
    if filters.since is not None:
        found.append(column.at >= clock.midnight(filters.since))
    if filters.until is not None:
        found.append(column.at < clock.day_after(filters.until))
    return found
