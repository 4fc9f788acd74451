"""Top-ups: money paid in through a channel (bank transfer, convenience store, card, the city counter).

A top-up debits the channel's clearing account (what the channel owes the city) and credits the resident's
wallet. A channel's external reference is credited at most once, whatever Idempotency-Key it comes with: its
`Once` token answers the first result to the same reference with the same data and refuses other data with
duplicate_external_ref. The wallet has a ceiling (settings.money_ceiling). The answer's `money` is the
wallet's balance after the top-up, as `GET /v1/me` calls the balance `money`; `bonus_points` is what campaigns
added.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mitapo.accounts import staff_log
from mitapo.engine import chart, spending
from mitapo.engine.commands import (
    ENTRY_ID,
    Ceiling,
    Command,
    Decided,
    Idempotency,
    Leg,
    Once,
    Plan,
    PlanView,
    Row,
    Written,
)
from mitapo.engine.database import Database
from mitapo.engine.ledger import post
from mitapo.money import campaigns, closing, tables


@dataclass(frozen=True, slots=True)
class TopUp:
    resident_id: str
    amount: int
    channel: str
    external_ref: str

    @property
    def token(self) -> str:
        return f"topup:{self.channel}:{self.external_ref}"

    @property
    def fingerprint(self) -> bytes:
        data = [self.resident_id, self.amount, self.channel, self.external_ref]
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).digest()


async def top_up(
    db: Database, topup: TopUp, *, ceiling: int, idempotency: Idempotency | None, actor: str | None = None
) -> tuple[Written, dict[str, Any]]:
    """Credit the wallet, then give the campaigns' bonus: the top-up stands even when no bonus can be. With
    `actor` (staff at the counter), the staff action log's line commits with the entry."""
    await closing.require_resident(db, topup.resident_id)
    written = await post(db, _command(topup, ceiling, idempotency, actor))
    entry_id = str(written.result["entry_id"])
    at = datetime.fromisoformat(str(written.result["at"]))
    bonus = await campaigns.give_bonuses(db, entry_id, topup.resident_id, topup.amount, at)
    return written, {"entry_id": entry_id, "money": written.result["money"], "bonus_points": bonus}


def _command(topup: TopUp, ceiling: int, idempotency: Idempotency | None, actor: str | None) -> Command:
    wallet = chart.resident_money(topup.resident_id)
    clearing = chart.channel_clearing(topup.channel)
    row = {"entry_id": ENTRY_ID, "resident_id": topup.resident_id, "amount": topup.amount}
    row |= {"channel": topup.channel, "external_ref": topup.external_ref}
    return Command(
        kind="topup",
        postings=(Leg(clearing.code, chart.JPY, topup.amount), Leg(wallet.code, chart.JPY, -topup.amount)),
        memo=f"top-up via {topup.channel}",
        meta={"resident_id": topup.resident_id, "channel": topup.channel, "external_ref": topup.external_ref},
        accounts=(clearing, wallet),
        plan=lambda view: _report_balance(view, topup),
        limits=(closing.still_open(topup.resident_id),),
        once=(Once(topup.token, "duplicate_external_ref", request_hash=topup.fingerprint),),
        ceilings=(Ceiling(wallet.code, chart.JPY, ceiling, "balance_limit_exceeded"),),
        rows=(Row(tables.topups, row), *_logged(actor, topup)),
        idempotency=idempotency,
        result=_result,
    )


TOPPED_UP = "money.topped_up"


def _logged(actor: str | None, topup: TopUp) -> tuple[Row, ...]:
    """The staff action log's line: the resident, the amount, the channel and its receipt number."""
    if actor is None:
        return ()
    said = f"¥{topup.amount:,} {topup.channel} {topup.external_ref}"
    return (staff_log.row(actor, TOPPED_UP, topup.resident_id, said),)


def _report_balance(view: PlanView, topup: TopUp) -> Plan:
    """The wallet after the top-up (the view shows it before this command's postings)."""
    return Plan(info={"money": spending.money_available(view, topup.resident_id) + topup.amount})


def _result(decided: Decided) -> dict[str, Any]:
    return {
        "entry_id": str(decided.entry_id),
        "money": decided.info["money"],
        "at": decided.created_at.isoformat(),
    }
