"""The chart of accounts: how every account is named, what kind it is, and who may go negative.

Points (PT) come from the city's issuance, are funded into a program's budget, granted to residents into lots
that each expire on one date, and move on to shops, recipients, operators or breakage. Money (JPY) comes in
through a channel's clearing account into a resident's wallet. Only the issuance and the channels' clearing
accounts may go negative (PRODUCT.md).
"""

from __future__ import annotations

from datetime import date

from mitapo.engine.commands import AccountSpec

PT = "PT"
JPY = "JPY"
BOTH = (PT, JPY)

CITY_ISSUANCE = AccountSpec("city:issuance", "equity", (PT,), may_go_negative=True)
BREAKAGE = AccountSpec("breakage", "income", BOTH)
FEE_INCOME = AccountSpec("fees", "income", BOTH)
CITY_PAYABLE = AccountSpec("city:payable", "liability", BOTH)
FOUNDATION = (CITY_ISSUANCE, BREAKAGE, FEE_INCOME, CITY_PAYABLE)


def program_budget(program_id: str) -> AccountSpec:
    return AccountSpec(f"program:{program_id}:budget", "liability", (PT,))


def resident_owner(resident_id: str) -> str:
    return f"resident:{resident_id}"


def resident_lot(resident_id: str, expires_on: date) -> AccountSpec:
    """A resident's points that expire on one date: spending the soonest first is a walk over these."""
    owner = resident_owner(resident_id)
    return AccountSpec(
        f"{owner}:points:{expires_on.isoformat()}", "liability", (PT,), owner=owner, expires_on=expires_on
    )


def resident_money(resident_id: str) -> AccountSpec:
    owner = resident_owner(resident_id)
    return AccountSpec(f"{owner}:money", "liability", (JPY,), owner=owner)


def merchant_receivable(merchant_id: str) -> AccountSpec:
    """What the city owes a shop; below zero when a refund came after the shop was settled (the shop owes it,
    and the next settlement nets it: docs/payments.md)."""
    return AccountSpec(
        f"merchant:{merchant_id}:receivable",
        "liability",
        BOTH,
        may_go_negative=True,
        owner=f"merchant:{merchant_id}",
    )


def recipient_account(recipient_id: str) -> AccountSpec:
    return AccountSpec(
        f"recipient:{recipient_id}:received", "liability", BOTH, owner=f"recipient:{recipient_id}"
    )


def operator_receivable(operator_id: str) -> AccountSpec:
    return AccountSpec(
        f"operator:{operator_id}:receivable", "liability", BOTH, owner=f"operator:{operator_id}"
    )


def channel_clearing(channel: str) -> AccountSpec:
    return AccountSpec(f"channel:{channel}:clearing", "asset", (JPY,), may_go_negative=True)


def plain_account(code: str, *, assets: tuple[str, ...] = BOTH) -> AccountSpec:
    """An account for tests and benchmarks: a liability that may not go negative."""
    return AccountSpec(code, "liability", assets)
