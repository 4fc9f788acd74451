"""Abuse limits with low numbers: rates per principal and per address on check-ins, pay codes and payments;
lock-out after unknown secrets; a resident's daily spending. Each refusal is a problem+json with its code,
writes nothing, and is counted in /metrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.settings import Settings
from tests.api.conftest import METRICS_SECRET, Api
from tests.api.payments_support import give_money, problem, resident, shop, wallet
from tests.api.test_metrics import scrape, value
from tests.api.test_points_town import Town
from tests.api.test_transit_support import Transit

ABUSE = "mitapo_abuse_refusals_total"


def limited_api(database_url: str, tmp_path: Path, **limits: Any) -> Iterator[Api]:
    settings = Settings(
        data_dir=tmp_path,
        seal_interval=3600,
        checkpoint_interval=3600,
        metrics_secret=METRICS_SECRET,
        **limits,
    )
    with TestClient(create_app(settings, url=database_url, migrate=False)) as client:
        yield Api(client)


@pytest.fixture
def per_principal(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from limited_api(database_url, tmp_path, rate_per_principal=3)


@pytest.fixture
def per_address(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from limited_api(database_url, tmp_path, rate_per_address=4)


@pytest.fixture
def lockout(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from limited_api(database_url, tmp_path, bad_secrets_per_address=3)


@pytest.fixture
def thrifty(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from limited_api(database_url, tmp_path, daily_spend_limit=1_000)


def shopper(api: Api) -> tuple[str, str, str, dict[str, Any]]:
    """An admin's secret, a resident with ¥10,000 (id and secret), and a shop."""
    admin = api.token("admin")
    resident_id, secret = resident(api, admin)
    give_money(api, resident_id, 10_000)
    return admin, resident_id, secret, shop(api, admin)


def refused_by(limit: str, before: Any, after: Any) -> float:
    return value(after, ABUSE, limit=limit) - value(before, ABUSE, limit=limit)


def rate_limited(response: Any) -> None:
    problem(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) >= 1


def test_pay_codes_are_limited_per_principal_and_others_are_not(per_principal: Api) -> None:
    api = per_principal
    admin = api.token("admin")
    _, first = resident(api, admin)
    _, second = resident(api, admin)
    before = scrape(api)
    assert [api.get("/v1/me/pay-code", first).status_code for _ in range(3)] == [200] * 3
    rate_limited(api.get("/v1/me/pay-code", first))
    assert api.get("/v1/me/pay-code", second).status_code == 200
    assert api.get("/v1/me", first).status_code == 200  # only the limited routes count
    assert refused_by("pay_codes", before, scrape(api)) == 1


def test_payments_over_the_rate_write_nothing(per_principal: Api) -> None:
    api = per_principal
    _, _, secret, merchant = shopper(api)
    code = merchant["qr_payload"]
    for _ in range(3):
        assert api.post("/v1/payments", secret, {"qr_payload": code, "amount": 100}).status_code == 201
    before = api.journal_size()
    rate_limited(api.post("/v1/payments", secret, {"qr_payload": code, "amount": 100}))
    assert api.journal_size() == before
    assert wallet(api, secret)["money"] == 9_700


def test_check_ins_are_limited_per_address_across_residents(per_address: Api) -> None:
    api = per_address
    town = Town(api, api.token("admin"))
    organizer = town.organizer()[1]
    program = town.program()
    events = [town.event(organizer, program, title=f"清掃 {n}") for n in range(5)]
    residents = [town.resident(f"住民 {n}")[1] for n in range(2)]
    claims = [town.claim(residents[n % 2], town.code(organizer, events[n])) for n in range(4)]
    assert [c.status_code for c in claims] == [201] * 4
    before = town.written()
    rate_limited(town.claim(residents[0], town.code(organizer, events[4])))
    assert town.written() == before


def test_unknown_secrets_lock_the_address_out_but_never_a_good_secret(lockout: Api) -> None:
    api = lockout
    admin = api.token("admin")
    before = scrape(api)
    for n in range(
        3
    ):  # a write with a body: asked for its caller twice (body check, dependency), counted once
        gift = {"to_resident_id": "res_x", "points": 1}
        problem(api.post("/v1/gifts", f"mtp_res_guess{n}", gift), 401, "unauthorized")
    for secret in ("mtp_adm_guess3", "mtp_adm_guess4"):
        refused = api.get("/v1/audit/trial-balance", secret)
        problem(refused, 429, "locked_out")
        assert int(refused.headers["Retry-After"]) >= 1
    assert api.get("/v1/audit/trial-balance", admin).status_code == 200  # from the same address
    problem(api.get("/v1/audit/trial-balance", None), 401, "unauthorized")  # no secret tries nothing
    assert refused_by("bad_secrets", before, scrape(api)) == 2


def test_spending_a_day_stops_at_the_limit_for_payments_charges_and_fares(thrifty: Api) -> None:
    api = thrifty
    admin, resident_id, secret, merchant = shopper(api)
    code = merchant["qr_payload"]
    assert api.post("/v1/payments", secret, {"qr_payload": code, "amount": 600}).status_code == 201
    before, metrics_before = api.journal_size(), scrape(api)
    problem(api.post("/v1/payments", secret, {"qr_payload": code, "amount": 500}), 422, "velocity_exceeded")
    pay_code = api.get("/v1/me/pay-code", secret).json()["payload"]
    charge = {"pay_code": pay_code, "amount": 401}
    problem(api.post("/v1/charges", merchant["api_key"], charge), 422, "velocity_exceeded")
    assert api.journal_size() == before
    assert refused_by("daily_spend", metrics_before, scrape(api)) == 2
    assert api.post("/v1/payments", secret, {"qr_payload": code, "amount": 200}).status_code == 201
    transit = Transit(api, admin)
    operator_id, reader = transit.operator()
    transit.route(operator_id, "bus-1")
    before = api.journal_size()
    problem(transit.tap(reader, "bus-1", resident_id), 422, "velocity_exceeded")  # ¥210 > ¥200 left
    assert api.journal_size() == before
    assert wallet(api, secret)["money"] == 9_200
