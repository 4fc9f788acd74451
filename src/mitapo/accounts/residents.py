"""Residents: created by the city, each with a secret and a wallet of point lots and money."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts import auth, enrollments, numbers, reads, staff_log, tables
from mitapo.accounts.reads import ResidentView as ResidentView  # the answer of `find` and `by_number`
from mitapo.engine import chart
from mitapo.engine.commands import Command, Idempotency, Row
from mitapo.engine.database import Database
from mitapo.engine.errors import NotFound
from mitapo.engine.ledger import post

FARE_CATEGORIES = ("adult", "child", "concession")
CREATED = "resident.created"


async def create(
    db: Database,
    name: str,
    fare_category: str = "adult",
    *,
    idempotency: Idempotency | None = None,
    public_origin: str = "http://localhost:8000",
    enrollment_days: int = 14,
    actor: str | None = None,
) -> dict[str, Any]:
    """Create a resident with their short number and a first enrollment code for their phone; answer `{id,
    number, token, enrollment}`. A replay answers the id and number with `token` and `enrollment` null,
    because both secrets are stored only hashed. With `actor`, the staff action log's line (never the name:
    the log is the auditors') commits with the resident."""
    import uuid

    resident_id = f"res_{uuid.uuid4().hex[:16]}"
    number = await free_number(db)
    secret = auth.new_secret("resident")
    enrollment, enrollment_row = enrollments.row_for_new_resident(resident_id, public_origin, enrollment_days)
    written = await post(
        db,
        Command(
            kind=None,
            accounts=(chart.resident_money(resident_id),),
            rows=(
                auth.principal_row(resident_id, "resident", name, secret),
                Row(
                    tables.residents,
                    {"id": resident_id, "name": name, "fare_category": fare_category, "number": number},
                ),
                enrollment_row,
                *(() if actor is None else (staff_log.row(actor, CREATED, resident_id, fare_category),)),
            ),
            idempotency=idempotency,
            result=lambda _: {"id": resident_id, "number": number, "token": None, "enrollment": None},
        ),
    )
    if written.replayed:
        return {"enrollment": None} | dict(written.result)
    return {"id": resident_id, "number": number, "token": secret, "enrollment": enrollment.as_json()}


CANDIDATES = 8


async def free_number(db: Database) -> str:
    """A short number no resident holds: of a few random candidates, the first not taken. With a million
    residents each candidate is taken one time in nine, so all eight are taken about once in 40 million; two
    creations drawing the same free number at the same moment is rarer still, and the unique index refuses
    the second."""
    for _ in range(3):
        candidates = [numbers.new_number() for _ in range(CANDIDATES)]
        async with db.read() as conn:
            taken = await reads.numbers_taken(conn, candidates)
        for candidate in candidates:
            if candidate not in taken:
                return candidate
    raise RuntimeError("no free resident number found: the number space is nearly full")


async def find(conn: AsyncConnection, resident_id: str) -> ResidentView | None:
    """The resident, closed or not, or None: how another capability looks a resident up on the connection
    it already reads on, without reaching into this capability's reads."""
    return await reads.get(conn, resident_id)


def printed_number(number: str) -> str:
    """A resident's number as letters and cards print it (1234-5678)."""
    return numbers.printed(number)


async def by_number(conn: AsyncConnection, number: str) -> ResidentView | None:
    """The resident holding a short number (`numbers.parse` it first), closed or not, or None."""
    return await reads.by_number(conn, number)


async def me(db: Database, resident_id: str, today: date) -> dict[str, Any]:
    async with db.lookup() as conn:
        resident, wallet = await reads.with_wallet(conn, resident_id, chart.resident_owner(resident_id))
    if resident is None:
        raise NotFound("resident")
    valid = [(expires_on, points) for expires_on, points in wallet.lots if expires_on >= today]
    return {
        "id": resident.id,
        "number": resident.number,
        "name": resident.name,
        "fare_category": resident.fare_category,
        "balances": {"points": sum(p for _, p in valid), "money": wallet.money},
        "points_expiring": [{"expires_on": d.isoformat(), "points": p} for d, p in valid],
    }
