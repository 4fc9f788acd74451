"""Bank details of the other payees of a settlement: donation recipients and transit operators. Shops give
theirs when they are registered (`merchants`); these register them here, checked the same way (codes in
the Zengin list, names the banks can carry and that fit), and the Zengin file pays them from then on.

Registering again adds a row; the newest is paid (`payee_bank_accounts` is append-only, so the history of
where the city sent money stays)."""

from __future__ import annotations

import uuid

from mitapo.accounts import staff_log
from mitapo.engine import chart, clock
from mitapo.engine.commands import Command, Idempotency, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.payments import payouts, reads, tables
from mitapo.payments.merchants import BankAccount

BANK_SET = "bank_account.set"  # the staff action
_ACCOUNTS = {"recipient": chart.recipient_account, "operator": chart.operator_receivable}


async def register_bank(
    db: Database,
    party_kind: str,
    party_id: str,
    bank: BankAccount,
    *,
    idempotency: Idempotency | None = None,
    actor: str | None = None,
) -> Written:
    """Record where the city pays this recipient or operator; answer the details as they will be paid. With
    `actor`, the staff action log's line (the payee, never the account number) commits with them."""
    if party_kind not in _ACCOUNTS:
        raise Invalid(
            "payees with bank details here are a recipient or an operator (shops: POST /v1/merchants)"
        )
    columns = payouts.bank_columns(bank)
    async with db.read() as conn:
        if not await reads.account_exists(conn, _ACCOUNTS[party_kind](party_id).code):
            raise NotFound(party_kind)
    answer = {"party_kind": party_kind, "party_id": party_id, **columns}
    row = {"id": uuid.uuid4(), "party_kind": party_kind, "party_id": party_id, "created_at": clock.now()}
    return await post(
        db,
        Command(
            kind=None,
            rows=(
                Row(tables.payee_bank_accounts, row | columns),
                *(() if actor is None else (staff_log.row(actor, BANK_SET, party_id, party_kind),)),
            ),
            idempotency=idempotency,
            result=lambda _: answer,
        ),
    )
