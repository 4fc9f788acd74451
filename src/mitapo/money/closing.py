"""Closing a resident who moves away: their money goes back through a channel, their points to breakage.

One `closure` entry moves both (JPY: the wallet is debited, the channel's clearing account credited, the
reverse of a top-up; PT: every lot, expired or not, is emptied into breakage), so an auditor finds the whole
closing in one place, and the `closures` row written with it closes the resident and disables their secret in
the same transaction (a trigger of migration 0004).

"Closed" is also a counter that the closure raises to 1 and that everything crediting a resident requires to
be 0 (`still_open`): the writer locks it with the balances, so a top-up racing a closure either lands before
it (and is paid back) or is refused, never credited to a closed wallet.

Every request looks its secret up (`accounts.auth.Authenticator`), so the closed resident's secret is refused
by every worker from the next request on.
"""

from __future__ import annotations

from typing import Any

from mitapo.accounts import residents, staff_log
from mitapo.engine import chart
from mitapo.engine.commands import (
    ENTRY_ID,
    Command,
    Idempotency,
    Leg,
    Limit,
    Plan,
    PlanView,
    Refusal,
    Row,
    Written,
)
from mitapo.engine.database import Database
from mitapo.engine.errors import NotFound
from mitapo.engine.ledger import post
from mitapo.money import tables

CLOSED = "resident.closed"  # the staff action


def _closed_key(resident_id: str) -> str:
    return f"closed:{resident_id}"


def still_open(resident_id: str) -> Limit:
    """Add to any command that credits the resident: refused with account_closed once they are closed."""
    return Limit(_closed_key(resident_id), 0, 0, "account_closed", "the resident's account is closed")


async def require_resident(db: Database, resident_id: str) -> None:
    """Closed or not: a closed resident is refused by `still_open` inside the writer, after replays are
    answered, so that a retry of a top-up made before the closure still gets its first answer."""
    async with db.read() as conn:
        if await residents.find(conn, resident_id) is None:
            raise NotFound("resident")


async def close(
    db: Database, resident_id: str, channel: str, *, idempotency: Idempotency | None, actor: str | None = None
) -> Written:
    """Close the resident's account, paying their money back through `channel`; with `actor`, the staff
    action log's line commits with the closure."""
    await require_resident(db, resident_id)
    logged = () if actor is None else (staff_log.row(actor, CLOSED, resident_id, channel),)
    clearing = chart.channel_clearing(channel)
    return await post(
        db,
        Command(
            kind="closure",
            memo=f"closure of resident {resident_id}, money paid back via {channel}",
            meta={"resident_id": resident_id, "channel": channel},
            accounts=(clearing, chart.BREAKAGE),
            lock_owners=(chart.resident_owner(resident_id),),
            plan=lambda view: _emptying(view, resident_id, channel),
            limits=(
                Limit(_closed_key(resident_id), 1, 1, "account_closed", "the resident is already closed"),
            ),
            rows=logged,
            idempotency=idempotency,
            result=lambda decided: {"entry_id": _entry_id(decided.entry_id), **decided.info},
        ),
    )


def _entry_id(entry_id: Any) -> str | None:
    return None if entry_id is None else str(entry_id)


def _emptying(view: PlanView, resident_id: str, channel: str) -> Plan:
    """Postings that bring every balance of the resident to zero, and the closure row recording them."""
    owner = chart.resident_owner(resident_id)
    owned = [*view.owned(owner, chart.PT), *view.owned(owner, chart.JPY)]
    if any(balance.pending for balance in owned):
        raise Refusal("holds_pending", "the resident has payments in progress; close after they settle")
    lots = [lot for lot in view.owned(owner, chart.PT) if lot.posted != 0]
    points = sum(lot.normal_sign * lot.posted for lot in lots)
    money = sum(wallet.normal_sign * wallet.posted for wallet in view.owned(owner, chart.JPY))
    legs = [Leg(lot.account, chart.PT, -lot.posted) for lot in lots]
    if points:
        legs.append(Leg(chart.BREAKAGE.code, chart.PT, -points))
    if money:
        legs += [Leg(chart.resident_money(resident_id).code, chart.JPY, money)]
        legs += [Leg(chart.channel_clearing(channel).code, chart.JPY, -money)]
    closure = {"resident_id": resident_id, "entry_id": ENTRY_ID, "channel": channel}
    closure |= {"money_paid": money, "points_forfeited": points}
    return Plan(
        postings=tuple(legs),
        info={"money_paid": money, "points_forfeited": points},
        rows=(Row(tables.closures, closure),),
    )
