"""What the payment tests share: shops, residents with points and money, and reading balances."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import Command, Leg
from tests.api.conftest import Api


def problem(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code


def shop(api: Api, admin: str, name: str = "三鷹農園", **fields: Any) -> dict[str, Any]:
    created = api.post("/v1/merchants", admin, {"name": name, **fields}, key=None)
    assert created.status_code == 201, created.text
    return dict(created.json())


def resident(api: Api, admin: str, name: str = "三鷹 花子") -> tuple[str, str]:
    created = api.post("/v1/residents", admin, {"name": name}, key=None)
    assert created.status_code == 201, created.text
    return created.json()["id"], created.json()["token"]


def today() -> date:
    return clock.tokyo_date(clock.now())


def give_points(api: Api, resident_id: str, points: int, expires_on: date) -> None:
    """A grant from a test program's budget into the resident's lot for `expires_on`."""
    db = api.runtime.db
    api.run(ledger.fund_program, db, "test", points)
    budget, lot = chart.program_budget("test"), chart.resident_lot(resident_id, expires_on)
    command = Command(
        kind="grant",
        accounts=(lot,),
        postings=(Leg(budget.code, chart.PT, points), Leg(lot.code, chart.PT, -points)),
    )
    api.run(ledger.post, db, command)


def give_money(api: Api, resident_id: str, amount: int) -> None:
    clearing, wallet = chart.channel_clearing("test"), chart.resident_money(resident_id)
    command = Command(
        kind="topup",
        accounts=(clearing, wallet),
        postings=(Leg(clearing.code, chart.JPY, amount), Leg(wallet.code, chart.JPY, -amount)),
    )
    api.run(ledger.post, api.runtime.db, command)


def wallet(api: Api, secret: str) -> dict[str, Any]:
    me = api.get("/v1/me", secret).json()
    return {
        "points": me["balances"]["points"],
        "money": me["balances"]["money"],
        "lots": {e["expires_on"]: e["points"] for e in me["points_expiring"]},
    }


def balances(api: Api, admin: str) -> dict[tuple[str, str], int]:
    accounts = api.get("/v1/audit/trial-balance", admin).json()["accounts"]
    return {(a["account"], a["asset"]): a["balance"] for a in accounts}


def in_days(days: int) -> date:
    return today() + timedelta(days=days)


def rows(api: Api, table: str) -> int:
    """How many rows a domain table holds: what 'wrote nothing' means outside the journal."""

    async def count() -> int:
        async with api.runtime.db.raw() as conn:
            return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))

    return api.run(count)
