"""Cashback: a rate on a month's spending at chosen shops, net of refunds, capped, from a program's budget."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from mitapo.cli.main import main
from mitapo.engine import clock
from mitapo.payments import cashback
from tests.api.conftest import Api
from tests.api.payments_support import balances, give_money, problem, resident, rows, shop, today, wallet


def next_month_start() -> datetime:
    first = today().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime(following.year, following.month, 1, 0, 5, tzinfo=clock.TOKYO)


def program(api: Api, admin: str, points: int) -> str:
    created = api.post("/v1/programs", admin, {"name": "地産地消", "points_valid_days": 180}, key=None).json()
    assert api.post(f"/v1/programs/{created['id']}/funding", admin, {"points": points}).status_code == 201
    return str(created["id"])


def campaign(api: Api, admin: str, program_id: str, **fields: object) -> str:
    body = {
        "name": "農産物直売所 10% 還元",
        "program_id": program_id,
        "rate_bps": 1000,
        "monthly_cap": 300,
        "starts_on": today().replace(day=1).isoformat(),
        **fields,
    }
    created = api.post("/v1/cashback-campaigns", admin, body, key=None)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def run(api: Api, now: datetime) -> list[dict]:
    return api.run(cashback.run, api.runtime.db, now)


def test_cashback_after_the_month_net_of_refunds_and_capped(api: Api, admin: str) -> None:
    farm, cafe = shop(api, admin, mcc="5431"), shop(api, admin, "カフェ", mcc="5814")
    funded = program(api, admin, 10_000)
    campaign(api, admin, funded, mccs=["5431"])
    ann, ann_secret = resident(api, admin, "Ann")
    bob, bob_secret = resident(api, admin, "Bob")
    give_money(api, ann, 2_000)
    give_money(api, bob, 9_000)
    paid = api.post("/v1/payments", ann_secret, {"qr_payload": farm["qr_payload"], "amount": 1_234}).json()
    api.post(f"/v1/payments/{paid['id']}/refunds", farm["api_key"], {"amount": 234})
    api.post("/v1/payments", ann_secret, {"qr_payload": cafe["qr_payload"], "amount": 500})  # not a farm
    api.post("/v1/payments", bob_secret, {"qr_payload": farm["qr_payload"], "amount": 8_000})
    assert run(api, clock.now()) == []  # the month has not ended
    credited = {c["resident_id"]: c["points"] for c in run(api, next_month_start())}
    assert credited == {ann: 100, bob: 300}  # 10 % of 1,000; Bob's 800 capped at 300
    assert (
        wallet(api, ann_secret)["points"] == 100 and wallet(api, ann_secret)["money"] == 2_000 - 1_000 - 500
    )
    assert run(api, next_month_start()) == []  # decided once
    assert balances(api, admin)[(f"program:{funded}:budget", "PT")] == -(10_000 - 400)


def test_an_empty_budget_gives_what_is_left(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    funded = program(api, admin, 50)
    campaign(api, admin, funded, merchant_ids=[farm["id"]])
    rid, secret = resident(api, admin)
    give_money(api, rid, 1_000)
    api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 1_000})
    assert [c["points"] for c in run(api, next_month_start())] == [50]


def test_bad_campaigns_write_nothing(api: Api, admin: str) -> None:
    funded = program(api, admin, 10)
    before = api.journal_size()
    base = {"name": "x", "program_id": funded, "rate_bps": 1000, "monthly_cap": 10, "starts_on": "2026-01-01"}
    problem(api.post("/v1/cashback-campaigns", admin, base, key=None), 400, "validation_error")
    problem(
        api.post("/v1/cashback-campaigns", admin, {**base, "mccs": ["54"]}, key=None), 400, "validation_error"
    )
    problem(
        api.post("/v1/cashback-campaigns", admin, {**base, "mccs": ["5431"], "rate_bps": 0}, key=None),
        400,
        "validation_error",
    )
    problem(
        api.post("/v1/cashback-campaigns", admin, {**base, "mccs": ["5431"], "program_id": "nope"}, key=None),
        404,
        "not_found",
    )
    assert api.journal_size() == before and rows(api, "cashback_campaigns") == 0


def test_the_cashback_command_runs(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MITAPO_DATABASE_URL", database_url)
    monkeypatch.setenv("MITAPO_DATA_DIR", str(tmp_path))
    assert main(["cashback"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"credited": []}
