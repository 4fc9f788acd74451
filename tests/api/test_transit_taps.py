"""Taps at bus and on-demand readers through HTTP: fares, points-first funding, transfers, the day's cap,
late and out-of-order uploads, duplicates charged once, and every refusal writing nothing."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta

import pytest

from mitapo.engine import clock
from tests.api.conftest import Api
from tests.api.payments_support import balances, problem, wallet
from tests.api.test_transit_support import FAR_APART, Transit, one_service_day


@pytest.fixture
def town(api: Api, admin: str) -> Transit:
    return Transit(api, admin)


def entry(api: Api, admin: str, entry_id: str) -> dict:
    api.seal()
    items = api.get("/v1/audit/entries", admin, params={"limit": 1000}).json()["items"]
    return next(e for e in items if e["id"] == entry_id)


def test_a_tap_charges_the_fare_points_first_and_owes_it_to_the_operator(
    api: Api, admin: str, town: Transit
) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, secret = town.rider(points=150, money=1000)
    response = town.tap(key, "bus-1", rider)
    assert response.status_code == 201, response.text
    body = response.json()
    assert {k: body[k] for k in ("fare", "discount", "charged", "points_used", "money_used")} == {
        "fare": 210,
        "discount": 0,
        "charged": 210,
        "points_used": 150,
        "money_used": 60,
    }
    assert body["fare_rule"] == "fr_default"
    assert wallet(api, secret)["points"] == 0 and wallet(api, secret)["money"] == 940
    owed = balances(api, admin)
    assert owed[(f"operator:{operator_id}:receivable", "PT")] == -150
    assert owed[(f"operator:{operator_id}:receivable", "JPY")] == -60
    fare = entry(api, admin, body["entry_id"])
    assert fare["kind"] == "fare"


def test_a_transfer_within_the_hour_is_100_yen_off_across_bus_and_on_demand(town: Transit) -> None:
    bus_operator, bus_key = town.operator("みたかシティバス")
    ride_operator, ride_key = town.operator("AIデマンド")
    town.route(bus_operator, "bus-1")
    town.route(ride_operator, "area-east", kind="on_demand", adult_fare=300)
    rider, _ = town.rider(money=5000)
    start = one_service_day(clock.now())
    assert town.charged(bus_key, "bus-1", rider, start) == 210
    transfer = town.tap(ride_key, "area-east", rider, start + timedelta(minutes=60)).json()
    assert (transfer["fare"], transfer["discount"], transfer["charged"]) == (300, 100, 200)
    later = town.tap(bus_key, "bus-1", rider, start + timedelta(minutes=200)).json()
    assert (later["discount"], later["charged"]) == (0, 90)  # no transfer; the day's cap leaves 90


def test_child_fares_are_half_rounded_up_and_capped_at_250_a_day(town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, _ = town.rider("child", money=5000)
    start = one_service_day(clock.now())
    charges = [town.charged(key, "bus-1", rider, start + n * FAR_APART) for n in range(4)]
    assert charges == [110, 110, 30, 0]


def test_an_adult_day_never_passes_500_and_a_free_tap_posts_no_entry(api: Api, town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, secret = town.rider(money=5000)
    start = one_service_day(clock.now())
    charges = [town.charged(key, "bus-1", rider, start + n * FAR_APART) for n in range(3)]
    assert charges == [210, 210, 80]
    free = town.tap(key, "bus-1", rider, start + 3 * FAR_APART).json()
    assert (free["charged"], free["entry_id"]) == (0, None)
    assert wallet(api, secret)["money"] == 4500


def test_a_late_upload_is_judged_at_its_own_time_and_takes_the_transfer_itself(town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, _ = town.rider(money=5000)
    start = one_service_day(clock.now())
    assert town.charged(key, "bus-1", rider, start + timedelta(minutes=40)) == 210
    late = town.tap(key, "bus-1", rider, start).json()
    assert (late["discount"], late["charged"]) == (100, 110)


def test_out_of_order_uploads_never_pass_the_cap(town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, _ = town.rider(money=5000)
    start = one_service_day(clock.now())
    order = [4, 0, 3, 1, 2]
    charges = [town.charged(key, "bus-1", rider, start + n * FAR_APART) for n in order]
    assert charges == [210, 210, 80, 0, 0]


def test_a_tap_uploaded_twice_is_charged_once(api: Api, town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    town.route(operator_id, "bus-2")
    rider, secret = town.rider(money=1000)
    at = clock.now() - timedelta(hours=3)
    body = {"pay_code": town.code(rider, at), "route": "bus-1", "tapped_at": at.isoformat()}
    body = town.signed(key, body)
    first = api.post("/v1/transit/taps", key, body)
    before = api.journal_size()
    again = api.post("/v1/transit/taps", key, body)
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert api.journal_size() == before
    problem(api.post("/v1/transit/taps", key, town.signed(key, {**body, "route": "bus-2"})), 409, "code_used")
    assert api.journal_size() == before
    assert wallet(api, secret)["money"] == 790


def test_a_tap_uploaded_by_many_readers_at_once_is_charged_once(api: Api, town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, secret = town.rider(money=1000)
    body = {"pay_code": town.code(rider), "route": "bus-1"}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: api.post("/v1/transit/taps", key, body), range(8)))
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["entry_id"] for a in answers}) == 1
    assert wallet(api, secret)["money"] == 790


def test_concurrent_taps_of_one_resident_stay_within_the_cap(api: Api, town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, secret = town.rider(money=5000)
    start = one_service_day(clock.now())
    moments = [start + n * timedelta(minutes=37) for n in range(12)]
    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(lambda at: town.tap(key, "bus-1", rider, at), moments))
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    charged = sum(a.json()["charged"] for a in answers)
    assert charged == 500 == 5000 - wallet(api, secret)["money"]


def test_a_new_fare_rule_prices_taps_from_its_moment_and_entries_name_it(
    api: Api, admin: str, town: Transit
) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, _ = town.rider("concession", money=5000)
    rule = {
        "default_adult_fare": 230,
        "reduced_percent": 50,
        "round_to": 10,
        "transfer_discount": 50,
        "transfer_window_minutes": 90,
        "day_caps": {"adult": 600, "child": 300, "concession": 300},
    }
    created = api.post("/v1/transit/fare-rules", admin, rule, key=None)
    assert created.status_code == 201, created.text
    new_rule = created.json()["id"]
    before = town.tap(key, "bus-1", rider, clock.now() - timedelta(hours=1)).json()
    assert (before["fare"], before["fare_rule"]) == (110, "fr_default")
    after = town.tap(key, "bus-1", rider).json()
    assert (after["fare"], after["discount"], after["fare_rule"]) == (120, 50, new_rule)
    assert entry(api, admin, after["entry_id"])["id"] == after["entry_id"]
    listed = api.get("/v1/transit/fare-rules", key).json()["items"]
    assert [r["id"] for r in listed] == ["fr_default", new_rule]


def test_refused_taps_write_nothing(api: Api, admin: str, town: Transit) -> None:
    operator_id, key = town.operator()
    other_operator, other_key = town.operator("other")
    town.route(operator_id, "bus-1")
    town.route(other_operator, "bus-9")
    rider, _ = town.rider(money=100)
    now = clock.now()
    good = {"pay_code": town.code(rider), "route": "bus-1"}
    before = api.journal_size()
    problem(api.post("/v1/transit/taps", key, {**good, "route": "bus-9"}), 404, "not_found")
    problem(api.post("/v1/transit/taps", key, {**good, "route": "nope"}), 404, "not_found")
    problem(api.post("/v1/transit/taps", key, good), 422, "insufficient_funds")
    problem(api.post("/v1/transit/taps", key, {**good, "pay_code": "MTP1C.AAAA"}), 422, "code_invalid")
    stale = {
        "pay_code": town.code(rider, now - timedelta(minutes=5)),
        "route": "bus-1",
        "tapped_at": now.isoformat(),
    }
    problem(api.post("/v1/transit/taps", key, stale), 422, "code_expired")
    early = {**good, "tapped_at": (now - timedelta(minutes=5)).isoformat()}
    problem(api.post("/v1/transit/taps", key, early), 422, "code_invalid")
    ahead = {**good, "tapped_at": (now + timedelta(minutes=10)).isoformat()}
    problem(api.post("/v1/transit/taps", key, ahead), 422, "tap_in_future")
    old = {**good, "tapped_at": (now - timedelta(hours=25)).isoformat()}
    problem(api.post("/v1/transit/taps", key, old), 422, "tap_too_old")
    problem(api.post("/v1/transit/taps", key, good, key=None), 400, "idempotency_key_required")
    problem(api.post("/v1/transit/taps", key, {**good, "extra": 1}), 400, "validation_error")
    problem(api.post("/v1/transit/taps", key, {**good, "route": "bad code"}), 400, "validation_error")
    naive = {**good, "tapped_at": now.replace(tzinfo=None).isoformat()}
    problem(api.post("/v1/transit/taps", key, naive), 400, "validation_error")
    problem(api.post("/v1/transit/taps", admin, good), 403, "forbidden")
    problem(api.post("/v1/transit/taps", "mtp_op_unknown", good), 401, "unauthorized")
    assert other_key and api.journal_size() == before
