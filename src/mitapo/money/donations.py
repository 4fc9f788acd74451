"""Recipients (NPOs, 町会, 住民協議会, a university fund) and the points residents donate to them.

A donation takes the donor's points that expire soonest first, under the lock of the donor's balances, into
the recipient's account; matching offers then add their match beside it (`matching`). What a recipient
received is public; a donor is named in it only when the resident chose to be (`public_name`), never by
default (個人情報保護法: a donation says something about a person that is theirs to publish). The journal
entry itself never names the donor in its memo or meta (its postings name the donor's accounts, which only
auditors see).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from mitapo.accounts import staff_log
from mitapo.engine import chart, clock, spending
from mitapo.engine.commands import ENTRY_ID, Command, Decided, Idempotency, Leg, Plan, PlanView, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import NotFound
from mitapo.engine.ledger import post
from mitapo.money import matching, reads, tables

PUBLIC_DONATIONS = 20
RECIPIENT_CREATED = "recipient.created"  # the staff action


async def create_recipient(
    db: Database, name: str, *, idempotency: Idempotency | None, actor: str | None = None
) -> Written:
    """A recipient of donations (a charity, not a person); with `actor`, the staff action log's line
    commits with it."""
    recipient_id = f"rcp_{uuid.uuid4().hex[:16]}"
    logged = () if actor is None else (staff_log.row(actor, RECIPIENT_CREATED, recipient_id, name),)
    return await post(
        db,
        Command(
            kind=None,
            accounts=(chart.recipient_account(recipient_id),),
            rows=(Row(tables.recipients, {"id": recipient_id, "name": name}), *logged),
            idempotency=idempotency,
            result=lambda _: {"id": recipient_id},
        ),
    )


async def public_page(db: Database, recipient_id: str) -> dict[str, Any]:
    async with db.read() as conn:
        recipient = await reads.recipient(conn, recipient_id)
        if recipient is None:
            raise NotFound("recipient")
        received = await reads.points_received(conn, chart.recipient_account(recipient_id).code)
        recent = await reads.recent_donations(conn, recipient_id, PUBLIC_DONATIONS)
    return {
        "id": recipient.id,
        "name": recipient.name,
        "points_received": received,
        "recent_donations": [
            {"donor": d.donor, "points": d.points, "donated_at": d.donated_at.isoformat()} for d in recent
        ],
    }


async def donate(
    db: Database,
    resident_id: str,
    recipient_id: str,
    points: int,
    *,
    public_name: bool = False,
    idempotency: Idempotency | None,
) -> tuple[Written, dict[str, Any]]:
    """Post the donation, then the matches; answer `{entry_id, matched_points}`."""
    async with db.read() as conn:
        if await reads.recipient(conn, recipient_id) is None:
            raise NotFound("recipient")
    recipient = chart.recipient_account(recipient_id)
    row = {"entry_id": ENTRY_ID, "resident_id": resident_id, "recipient_id": recipient_id}
    row |= {"points": points, "anonymous": not public_name, "public_name": public_name}
    written = await post(
        db,
        Command(
            kind="donation",
            memo=f"donation to {recipient_id}",
            meta={"recipient_id": recipient_id, "anonymous": not public_name},
            accounts=(recipient,),
            lock_owners=(chart.resident_owner(resident_id),),
            plan=lambda view: _taking(view, resident_id, recipient.code, points),
            rows=(Row(tables.donations, row),),
            idempotency=idempotency,
            result=_result,
        ),
    )
    entry_id = str(written.result["entry_id"])
    at = datetime.fromisoformat(str(written.result["at"]))
    matched = await matching.match_donation(db, entry_id, recipient_id, points, at)
    return written, {"entry_id": entry_id, "matched_points": matched}


def _taking(view: PlanView, resident_id: str, recipient_account: str, points: int) -> Plan:
    takes = spending.take_points(view, resident_id, points, clock.tokyo_date(view.now))
    return Plan(postings=(*spending.debit_legs(takes), Leg(recipient_account, chart.PT, -points)))


def _result(decided: Decided) -> dict[str, Any]:
    return {"entry_id": str(decided.entry_id), "at": decided.created_at.isoformat()}
