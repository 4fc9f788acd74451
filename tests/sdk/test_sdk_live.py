"""The merchant SDK against the running service over real HTTP: uvicorn on 127.0.0.1, a fresh database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from bench.server import start_server

from mitapo.accounts import auth
from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import Command, Leg
from mitapo.engine.database import Database
from mitapo.engine.keys import load_keyring
from mitapo.payments import paycodes
from mitapo_merchant import (
    APIError,
    AsyncClient,
    CardLocked,
    CardRevoked,
    Client,
    CodeExpired,
    PinInvalid,
    RefundExceedsPayment,
    emvco,
)

T = TypeVar("T")


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The service in its own process, as `mitapo serve` runs it; its keys under `tmp_path / "keys"`."""
    process, base = start_server(database_url, tmp_path)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


async def _with_database(url: str, job: Callable[[Database], Awaitable[T]]) -> T:
    db = Database(url)
    await db.start()
    try:
        return await job(db)
    finally:
        await db.close()


def admin_secret(database_url: str) -> str:
    """An admin, made as `mitapo token create` makes one: straight in the database."""
    created = asyncio.run(_with_database(database_url, lambda db: auth.create_principal(db, "admin", "live")))
    return created[1]


def top_up(database_url: str, resident_id: str, amount: int) -> None:
    clearing, wallet = chart.channel_clearing("live"), chart.resident_money(resident_id)
    legs = (Leg(clearing.code, chart.JPY, amount), Leg(wallet.code, chart.JPY, -amount))
    command = Command(kind="topup", accounts=(clearing, wallet), postings=legs)
    asyncio.run(_with_database(database_url, lambda db: ledger.post(db, command)))


def test_a_shop_takes_payments_with_the_sdk(server: str, database_url: str, tmp_path: Path) -> None:
    admin = admin_secret(database_url)
    as_admin = {"Authorization": f"Bearer {admin}"}
    merchant = httpx.post(f"{server}/v1/merchants", json={"name": "三鷹ベーカリー"}, headers=as_admin).json()
    resident = httpx.post(f"{server}/v1/residents", json={"name": "三鷹 一郎"}, headers=as_admin).json()
    top_up(database_url, resident["id"], 1_000)
    as_resident = {"Authorization": f"Bearer {resident['token']}"}

    with Client(server, merchant["api_key"]) as shop:
        request = shop.create_payment_request(400, reference="R-1")
        assert emvco.decode(request.qr_payload or "").payment_request_id == request.id
        assert request.reference == "R-1"  # the slip number asked for, kept with the request
        read_back = shop.get_payment_request(request.id)
        assert (read_back.status, read_back.reference) == ("open", "R-1")
        paid = httpx.post(
            f"{server}/v1/payments",
            json={"qr_payload": request.qr_payload},
            headers={**as_resident, "Idempotency-Key": "pay-1"},
        )
        assert paid.status_code == 201, paid.text
        state = shop.get_payment_request(request.id)
        assert state.status == "paid" and state.payment_id == paid.json()["id"]

        code = httpx.get(f"{server}/v1/me/pay-code", headers=as_resident).json()["payload"]
        charged = shop.charge(code, 300, reference="R-2")
        assert (charged.amount, charged.money_used, charged.merchant_id) == (300, 300, merchant["id"])
        assert charged.reference == "R-2"  # the shop's slip number comes back with the payment
        with pytest.raises(APIError) as replayed:
            shop.charge(code, 300)
        assert replayed.value.code == "code_used"

        refund = shop.refund(charged.id, 100)
        assert (refund.money_refunded, refund.points_refunded) == (100, 0)
        with pytest.raises(RefundExceedsPayment):
            shop.refund(charged.id, 201)
        assert [(p.amount, p.reference) for p in shop.iter_payments(limit=1)] == [(300, "R-2"), (400, "R-1")]
        assert [p.reference for p in shop.list_payments().items] == ["R-2", "R-1"]
        again = httpx.get(f"{server}/v1/me/pay-code", headers=as_resident).json()["payload"]
        assert shop.charge(again, 5).reference is None  # no slip number given: None
        with pytest.raises(CodeExpired):
            shop.charge(expired_code(tmp_path / "keys", resident["id"]), 10)

    async def asynchronously() -> list[str | None]:
        async with AsyncClient(server, merchant["api_key"]) as shop:
            return [p.reference async for p in shop.iter_payments()]

    assert asyncio.run(asynchronously()) == [None, "R-2", "R-1"]


def expired_code(keys_dir: Path, resident_id: str) -> str:
    """A pay code issued 61 seconds ago with the server's own key, as the server would have made it."""
    keys = load_keyring(keys_dir)
    return str(paycodes.issue(keys, resident_id, clock.now() - timedelta(seconds=61), 60)["payload"])


def test_a_till_charges_a_mitapo_card_with_the_sdk(server: str, database_url: str) -> None:
    admin = admin_secret(database_url)
    as_admin = {"Authorization": f"Bearer {admin}"}
    merchant = httpx.post(f"{server}/v1/merchants", json={"name": "三鷹青果"}, headers=as_admin).json()
    resident = httpx.post(f"{server}/v1/residents", json={"name": "三鷹 トメ"}, headers=as_admin).json()
    top_up(database_url, resident["id"], 1_000)
    cards_path = f"{server}/v1/residents/{resident['id']}/cards"
    card = httpx.post(cards_path, json={"pin": "1357"}, headers=as_admin).json()

    with Client(server, merchant["api_key"]) as shop:
        paid = shop.charge_card(card["qr_payload"], "1357", 250, reference="R-9")
        assert (paid.amount, paid.money_used, paid.merchant_id) == (250, 250, merchant["id"])
        assert paid.reference == "R-9"
        assert [p.reference for p in shop.iter_payments()] == ["R-9"]
        for _ in range(4):
            with pytest.raises(PinInvalid):
                shop.charge_card(card["card_number"], "0000", 100)
        with pytest.raises(CardLocked):
            shop.charge_card(card["card_number"], "0000", 100)
        httpx.post(cards_path, json={"pin": "2468"}, headers=as_admin)
        with pytest.raises(CardRevoked):
            shop.charge_card(card["card_number"], "1357", 100)
        with pytest.raises(ValueError, match="pin"):
            shop.charge_card(card["card_number"], "12", 100)
