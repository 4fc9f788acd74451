"""The city's side of transit through HTTP: operators and their keys, routes unique per operator, the fare
table as versions, and operators paid by the shops' settlement."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mitapo.engine import clock
from tests.api.conftest import Api
from tests.api.payments_support import balances, problem
from tests.api.test_transit_support import Transit

RULE = {
    "default_adult_fare": 230,
    "reduced_percent": 50,
    "round_to": 10,
    "transfer_discount": 100,
    "transfer_window_minutes": 60,
    "day_caps": {"adult": 500, "child": 250, "concession": 250},
}


@pytest.fixture
def town(api: Api, admin: str) -> Transit:
    return Transit(api, admin)


def test_an_operator_gets_a_key_that_only_operators_endpoints_take(
    api: Api, admin: str, town: Transit
) -> None:
    operator_id, key = town.operator()
    assert operator_id.startswith("op_") and key.startswith("mtp_op_")
    assert api.get("/v1/transit/fare-rules", key).status_code == 200
    route = {"operator_id": operator_id, "code": "bus-1", "name": "own line", "kind": "bus"}
    problem(api.post("/v1/transit/routes", key, route), 403, "forbidden")
    problem(api.post("/v1/transit/operators", key, {"name": "x"}), 403, "forbidden")
    problem(api.post("/v1/transit/operators", None, {"name": "x"}), 401, "unauthorized")
    problem(api.post("/v1/transit/operators", admin, {"name": ""}), 400, "validation_error")
    replayed = api.post("/v1/transit/operators", admin, {"name": "again"}, key="op-1")
    again = api.post("/v1/transit/operators", admin, {"name": "again"}, key="op-1")
    assert again.json() == {"id": replayed.json()["id"], "api_key": None}
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_route_code_is_unique_per_operator(api: Api, admin: str, town: Transit) -> None:
    first, _ = town.operator()
    second, _ = town.operator("other")
    town.route(first, "bus-1")
    town.route(second, "bus-1")
    before = api.journal_size()
    body = {"operator_id": first, "code": "bus-1", "name": "again", "kind": "bus"}
    problem(api.post("/v1/transit/routes", admin, body), 409, "route_code_taken")
    problem(api.post("/v1/transit/routes", admin, {**body, "operator_id": "op_nobody"}), 404, "not_found")
    for bad in ({"kind": "tram"}, {"code": "bus 1"}, {"adult_fare": -10}, {"adult_fare": 1.5}, {"x": 1}):
        problem(api.post("/v1/transit/routes", admin, {**body, **bad}), 400, "validation_error")
    assert api.journal_size() == before


def test_the_fare_table_starts_with_the_contracts_defaults(api: Api, admin: str) -> None:
    [default] = api.get("/v1/transit/fare-rules", admin).json()["items"]
    assert {k: default[k] for k in RULE} == {**RULE, "default_adult_fare": 210}


def test_a_fare_rule_may_start_later_but_never_in_the_past(api: Api, admin: str, town: Transit) -> None:
    before = api.journal_size()
    past = (clock.now() - timedelta(minutes=1)).isoformat()
    problem(
        api.post("/v1/transit/fare-rules", admin, {**RULE, "effective_from": past}), 400, "validation_error"
    )
    problem(api.post("/v1/transit/fare-rules", admin, {**RULE, "round_to": 0}), 400, "validation_error")
    problem(
        api.post("/v1/transit/fare-rules", admin, {**RULE, "day_caps": {"adult": 1}}), 400, "validation_error"
    )
    assert api.journal_size() == before
    tomorrow = (clock.now() + timedelta(days=1)).isoformat()
    later = api.post("/v1/transit/fare-rules", admin, {**RULE, "effective_from": tomorrow}, key=None)
    assert later.status_code == 201, later.text
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, _ = town.rider(money=1000)
    now = town.tap(key, "bus-1", rider).json()
    assert (now["fare"], now["fare_rule"]) == (210, "fr_default")


def test_operators_are_paid_by_the_settlement(api: Api, admin: str, town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, _ = town.rider(points=100, money=1000)
    assert town.charged(key, "bus-1", rider) == 210
    settled = api.post("/v1/settlements", admin, {})
    assert settled.status_code == 201, settled.text
    [line] = [line for line in settled.json()["lines"] if line["party_kind"] == "operator"]
    assert (line["merchant_id"], line["points"], line["money"], line["payout"]) == (
        operator_id,
        100,
        110,
        210,
    )
    owed = balances(api, admin)
    assert (f"operator:{operator_id}:receivable", "PT") not in owed
    assert (f"operator:{operator_id}:receivable", "JPY") not in owed
