"""The settlements as the city's finance officer works through them: the list, newest first, each with what
its bank file pays and whether the transfer was made; and the record that it was made.

A settlement moves what shops, recipients and operators are owed to the city's payable; the money leaves the
city's bank account later, when the officer submits the Zengin file. Marking the settlement transferred says
that this happened, on which day, under which bank reference. It is a fact about the bank, so it is a row of
its own (`settlement_transfers`, append-only, one per settlement: the spent token
`settlement:<id>:transferred` refuses a second one, also when two officers press at once), written in one
transaction with its line in the staff action log.
"""

from __future__ import annotations

from datetime import date

from mitapo.accounts import staff_log
from mitapo.engine import clock
from mitapo.engine.commands import Command, Idempotency, Once, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.payments import payouts, reads, settlement, tables
from mitapo.payments.schemas import SettlementListed, SettlementStatus

TRANSFERRED = "settlement.transferred"  # the staff action


async def listed(db: Database, before: str | None, limit: int) -> tuple[list[SettlementListed], str | None]:
    """Settlements older than `before` (all when None), newest first, and the cursor for the next page."""
    async with db.read() as conn:
        found = await reads.settlements_before(conn, before, limit)
        if found is None:
            raise NotFound("settlement")
        done = await reads.transfers_of(conn, [view.id for view in found])
        items = [_listed(view, await settlement.payees_of(conn, view), done.get(view.id)) for view in found]
    return items, (items[-1].id if len(items) == limit else None)


def _listed(
    view: reads.SettlementView, payees: list[payouts.Payee], transfer: reads.TransferView | None
) -> SettlementListed:
    banked = payouts.transfers(payees)
    status: SettlementStatus = (
        "transferred" if transfer else "to_transfer" if banked else "nothing_to_transfer"
    )
    return SettlementListed(
        id=view.id,
        period_start=view.period_start.isoformat() if view.period_start else None,
        until=view.period_end.isoformat(),
        created_at=view.created_at.isoformat(),
        lines=len(view.lines),
        payout_total=sum(line.payout for line in view.lines),
        transfers=len(banked),
        transfer_total=sum(p.payout for p in banked),
        status=status,
        transferred=settlement.transfer_out(transfer),
    )


async def mark_transferred(
    db: Database,
    settlement_id: str,
    transferred_on: date,
    reference: str | None,
    *,
    actor: str,
    idempotency: Idempotency | None = None,
) -> Written:
    """Record that the bank transfer of the settlement was made on `transferred_on`. Refused, writing
    nothing: a settlement that pays nobody by bank (`nothing_to_transfer`), a day before the settlement was
    run or after today in Tokyo, one marked already (`already_transferred`, unless this is a replay)."""
    async with db.read() as conn:
        found = await reads.settlement(conn, settlement_id)
        if found is None:
            raise NotFound("settlement")
        payees = await settlement.payees_of(conn, found)
    if not payouts.transfers(payees):
        raise DomainError(
            "nothing_to_transfer", f"settlement {settlement_id}: {settlement.NOTHING_TO_TRANSFER}"
        )
    settled_on = clock.tokyo_date(found.created_at)
    if transferred_on < settled_on:
        raise DomainError(
            "transfer_before_settlement",
            f"the settlement was run on {settled_on}: its transfer cannot be made on {transferred_on}",
        )
    if transferred_on > clock.tokyo_date(clock.now()):
        raise Invalid("transferred_on is the day the bank made the transfer, not a day to come")
    row = {
        "settlement_id": settlement_id,
        "transferred_on": transferred_on,
        "reference": reference,
        "recorded_by": actor,
        "recorded_at": clock.now(),
    }
    said = f"{transferred_on.isoformat()}" + (f" ref {reference}" if reference else "")
    return await post(
        db,
        Command(
            kind=None,
            rows=(
                Row(tables.settlement_transfers, row),
                staff_log.row(actor, TRANSFERRED, settlement_id, said),
            ),
            once=(Once(f"settlement:{settlement_id}:transferred", "already_transferred"),),
            idempotency=idempotency,
            result=lambda _: {"id": settlement_id},
        ),
    )
