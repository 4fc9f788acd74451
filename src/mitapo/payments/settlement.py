"""Settlement: the city closes a period and pays what shops, recipients and transit operators are owed.

A period runs from the end of the previous settlement to `until`. Opening it spends the token
`settlement:after:<previous end>`, so two admins pressing the button at once, or a retry with another key,
cannot settle one period twice, and periods never overlap. Then each receivable gets one `settlement` entry
that moves what it held at `until` (less what later settlements already took) to the city's payable, the
shop's fee to fee income. Each line is its own command, with its own token, so a settlement interrupted
half-way is completed, not repeated, by the same request again.

The payout file lists the lines: CSV, and the Zengin format banks take (`payouts`).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts import staff_log
from mitapo.engine import chart, clock
from mitapo.engine.commands import (
    ENTRY_ID,
    Command,
    Idempotency,
    Leg,
    Once,
    Plan,
    PlanView,
    Refusal,
    Row,
    Written,
)
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.payments import bankdays, payouts, reads, tables
from mitapo.payments.reads import Receivable
from mitapo.payments.schemas import (
    OwedOut,
    PayoutFiles,
    SettlementLineOut,
    SettlementOut,
    TransferOut,
)

NOTHING_DUE = "nothing_due"
FORMATS = {"csv": "text/csv; charset=utf-8", "zengin": "text/plain; charset=shift_jis"}


async def settle(
    db: Database, until: datetime | None, *, idempotency: Idempotency | None = None, actor: str | None = None
) -> tuple[SettlementOut, bool]:
    """Close the period ending at `until` (now by default); answer `{id, created_at, lines, …}`, and whether
    this was a replay of the request that closed it. With `actor`, the staff action log's line commits with
    the settlement's opening."""
    now = clock.now()
    until = until or now
    if until.tzinfo is None or until > now:
        raise Invalid("until is a moment with an offset, not in the future")
    opened = await _open(db, until, idempotency, actor)
    settlement_id, until = opened.result["id"], datetime.fromisoformat(opened.result["until"])
    async with db.read() as conn:
        due = [r for r in await reads.receivables_due(conn, until) if r.points + r.money > 0]
        fees = {
            m.id: m.fee_bps
            for m in (await reads.merchants_by_id(conn, [_party(r.account)[1] for r in due])).values()
        }
    await asyncio.gather(
        *(_settle_line(db, settlement_id, r, fees.get(_party(r.account)[1], 0)) for r in due)
    )
    return await describe(db, settlement_id), opened.replayed


async def _open(db: Database, until: datetime, idempotency: Idempotency | None, actor: str | None) -> Written:
    async with db.read() as conn:
        previous = await reads.last_settlement_end(conn)
    settlement_id = f"st_{uuid.uuid4().hex[:16]}"
    answer = {"id": settlement_id, "until": until.isoformat()}
    if previous is not None and until <= previous:  # only a replay of the request that settled it may answer
        command = Command(kind=None, plan=_already_settled, idempotency=idempotency)
    else:
        command = Command(
            kind=None,
            rows=(
                Row(tables.settlements, {"id": settlement_id, "period_start": previous, "period_end": until}),
                *_logged(actor, settlement_id, until),
            ),
            once=(
                Once(f"settlement:after:{previous.isoformat() if previous else 'start'}", "already_settled"),
            ),
            idempotency=idempotency,
            result=lambda _: answer,
        )
    return await post(db, command)


RUN = "settlement.run"  # the staff action


def _logged(actor: str | None, settlement_id: str, until: datetime) -> tuple[Row, ...]:
    said = f"until {until.isoformat()}"
    return () if actor is None else (staff_log.row(actor, RUN, settlement_id, said),)


def _already_settled(view: PlanView) -> Plan:
    raise Refusal("already_settled", "this period is settled already")


def _party(account: str) -> tuple[str, str]:
    kind, party_id, _ = account.split(":")
    return kind, party_id


def fee_of(total: int, fee_bps: int) -> int:
    """The shop's fee, rounded down: the city never takes a fraction of a yen more than agreed."""
    return total * fee_bps // 10_000


async def _settle_line(db: Database, settlement_id: str, due: Receivable, fee_bps: int) -> None:
    kind, party_id = _party(due.account)

    def plan(view: PlanView) -> Plan:
        points = _settled(due.points, view.balances[(due.account, chart.PT)].available)
        money = _settled(due.money, view.balances[(due.account, chart.JPY)].available)
        if points + money <= 0:  # nothing, or the shop owes: carried to the next period, never paid negative
            raise Refusal(NOTHING_DUE)
        fee = fee_of(points + money, fee_bps)
        fee_money = min(fee, max(money, 0))
        legs = _legs(due.account, chart.PT, points, fee - fee_money) + _legs(
            due.account, chart.JPY, money, fee_money
        )
        row = {
            "settlement_id": settlement_id,
            "account": due.account,
            "party_kind": kind,
            "party_id": party_id,
            "points": points,
            "money": money,
            "fee": fee,
            "payout": points + money - fee,
            "entry_id": ENTRY_ID,
        }
        return Plan(postings=tuple(legs), rows=(Row(tables.settlement_lines, row),))

    try:
        await post(
            db,
            Command(
                kind="settlement",
                memo=f"settlement {settlement_id} of {due.account}",
                meta={"settlement_id": settlement_id, "account": due.account},
                accounts=(chart.CITY_PAYABLE, chart.FEE_INCOME),
                lock_owners=(f"{kind}:{party_id}",),
                plan=plan,
                once=(Once(f"settlement:{settlement_id}:{due.account}", "already_settled"),),
            ),
        )
    except DomainError as error:
        if error.code not in (NOTHING_DUE, "already_settled"):
            raise


def _settled(due: int, available: int) -> int:
    """What a line moves of one asset: what the period earned, if it is still there, or what the shop owed
    at the period's end (refunds after an earlier settlement), which the line nets against what it earned."""
    return max(0, min(due, available)) if due > 0 else due


def _legs(account: str, asset: str, amount: int, fee: int) -> list[Leg]:
    """Take `amount` off the receivable: the fee to fee income, the rest to the city's payable. A negative
    amount (owed) raises the receivable back to zero and lowers the payable: the payout is net of it."""
    if amount == 0:
        return []
    legs = [Leg(account, asset, amount)]
    if amount - fee:
        legs.append(Leg(chart.CITY_PAYABLE.code, asset, -(amount - fee)))
    if fee:
        legs.append(Leg(chart.FEE_INCOME.code, asset, -fee))
    return legs


NOTHING_TO_TRANSFER = "nothing to transfer by bank (nobody with bank details is owed anything): no file"


async def describe(db: Database, settlement_id: str) -> SettlementOut:
    async with db.read() as conn:
        found = await reads.settlement(conn, settlement_id)
        if found is None:
            raise NotFound("settlement")
        payees = await payees_of(conn, found)
        owing = [r for r in await reads.receivables_due(conn, found.period_end) if r.points + r.money < 0]
        transfer = (await reads.transfers_of(conn, [settlement_id])).get(settlement_id)
    files = {fmt: f"/v1/settlements/{settlement_id}/payout.{fmt}" for fmt in FORMATS}
    transfers = payouts.transfers(payees)
    return SettlementOut(
        id=settlement_id,
        period_start=found.period_start.isoformat() if found.period_start else None,
        until=found.period_end.isoformat(),
        created_at=found.created_at.isoformat(),
        lines=[
            SettlementLineOut(
                merchant_id=line.party_id,
                party_kind=line.party_kind,
                account=line.account,
                points=line.points,
                money=line.money,
                fee=line.fee,
                payout=line.payout,
                entry_id=line.entry_id,
            )
            for line in found.lines
        ],
        payout_files=PayoutFiles(
            csv=files["csv"],
            zengin=files["zengin"] if transfers else None,
            transfers=len(transfers),
            transfer_total=sum(p.payout for p in transfers),
            note=None if transfers else NOTHING_TO_TRANSFER,
        ),
        owed=[
            OwedOut(
                merchant_id=_party(r.account)[1],
                party_kind=_party(r.account)[0],
                account=r.account,
                amount=-(r.points + r.money),
            )
            for r in owing
        ],
        transferred=transfer_out(transfer),
    )


def transfer_out(transfer: reads.TransferView | None) -> TransferOut | None:
    """The record of the bank transfer as answers show it: `{on, reference, by, at}`, or null."""
    if transfer is None:
        return None
    return TransferOut(
        on=transfer.transferred_on,
        reference=transfer.reference,
        by=transfer.recorded_by,
        at=transfer.recorded_at.isoformat(),
    )


@dataclass(frozen=True, slots=True)
class PayoutRules:
    """The city's settings for bank files: its account (`MITAPO_PAYOUT_PAYER`, see `payer`) and when it pays
    (`MITAPO_PAYOUT_BUSINESS_DAYS`: that many bank business days after the settlement's day)."""

    data_dir: Path
    payer: str
    business_days: int = 1


async def payout_file(db: Database, rules: PayoutRules, settlement_id: str, fmt: str) -> bytes:
    """The payout file of a settlement in `fmt` (csv or zengin), also written under the data directory.
    A Zengin file needs the city's own account (`payer_not_configured` before anything is read without it)."""
    city = payer(rules.payer) if fmt == "zengin" else None
    async with db.read() as conn:
        found = await reads.settlement(conn, settlement_id)
        if found is None:
            raise NotFound("settlement")
        payees = await payees_of(conn, found)
    if city is None:
        content = payouts.to_csv(settlement_id, payees)
    elif not payouts.transfers(payees):
        raise DomainError("nothing_to_transfer", f"settlement {settlement_id}: {NOTHING_TO_TRANSFER}")
    else:
        transfer_on = bankdays.transfer_date(clock.tokyo_date(found.created_at), rules.business_days)
        content = payouts.to_zengin(city, payees, transfer_on)
    folder = rules.data_dir / "payouts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{settlement_id}.{fmt}").write_bytes(content)
    return content


async def write_payout_files(db: Database, rules: PayoutRules, settlement_id: str) -> None:
    """Both files under the data directory as the period closes; the Zengin one only when the city's account
    is configured and someone is to be paid by bank (asking for it says which is missing)."""
    for fmt in FORMATS:
        try:
            await payout_file(db, rules, settlement_id, fmt)
        except DomainError as error:
            if error.code not in ("payer_not_configured", "nothing_to_transfer"):
                raise


async def payees_of(conn: AsyncConnection, found: reads.SettlementView) -> list[payouts.Payee]:
    """Each line's payee: a shop with the bank details it registered with, a recipient or an operator with
    the newest it registered (`payees`)."""
    shops = await reads.merchants_by_id(
        conn, [line.party_id for line in found.lines if line.party_kind == "merchant"]
    )
    others = await reads.payee_banks(
        conn, [(line.party_kind, line.party_id) for line in found.lines if line.party_kind != "merchant"]
    )
    return [
        _payee(line, shops.get(line.party_id), others.get((line.party_kind, line.party_id)))
        for line in found.lines
    ]


def _payee(
    line: reads.SettlementLine, shop: reads.MerchantView | None, bank: dict[str, Any] | None
) -> payouts.Payee:
    if shop is not None and shop.bank_code is not None:
        bank = {
            name: getattr(shop, name)
            for name in (
                "bank_code",
                "bank_name_kana",
                "branch_code",
                "branch_name_kana",
                "account_type",
                "account_number",
                "account_holder_kana",
            )
        }
    return payouts.Payee(
        party_id=line.party_id,
        name=shop.name if shop else line.party_id,
        points=line.points,
        money=line.money,
        fee=line.fee,
        payout=line.payout,
        bank=bank,
    )


PAYER_SETTING = "MITAPO_PAYOUT_PAYER"
PAYER_FIELDS = (
    "client code (委託者コード), name, bank code, bank name, branch code, branch name,"
    " account type, account number"
)


def payer(setting: str) -> payouts.Payer:
    """The city's account from `settings.payout_payer` (eight comma-separated fields); without it, or with a
    malformed one, no bank file is made: `payer_not_configured`, naming the setting, never bank 0000."""
    fields = [field.strip() for field in setting.split(",")]
    if not setting.strip():
        raise DomainError(
            "payer_not_configured",
            f"no Zengin file without the city's own account: set {PAYER_SETTING} to {PAYER_FIELDS}",
        )
    try:
        if len(fields) != 8:
            raise Invalid(f"eight comma-separated fields, not {len(fields)}")
        return payouts.payer_of(*fields)
    except Invalid as error:
        detail = f"{PAYER_SETTING} is not a usable account ({error.detail}): {PAYER_FIELDS}"
        raise DomainError("payer_not_configured", detail) from None


PAYOUTS_SHOWN = 100


async def payouts_of(db: Database, merchant_id: str) -> list[dict[str, object]]:
    """What the shop was settled, newest first: points and money taken, the fee, the payout to its bank."""
    async with db.read() as conn:
        found = await reads.payouts_of(conn, merchant_id, PAYOUTS_SHOWN)
    return [
        {
            "settlement_id": line.settlement_id,
            "period_start": line.period_start.isoformat() if line.period_start else None,
            "until": line.period_end.isoformat(),
            "points": line.points,
            "money": line.money,
            "fee": line.fee,
            "payout": line.payout,
        }
        for line in found
    ]
