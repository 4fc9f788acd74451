"""On-demand bookings through HTTP: the fare held points-first, the ride charged from the holds with the rest
released, cancellations and no-shows releasing it all, each booking ending once, refusals writing nothing,
and holds that never let a balance be spent twice under concurrent bookings, taps and shop charges."""

from __future__ import annotations

import concurrent.futures
from datetime import timedelta
from typing import Any

import pytest

from mitapo.engine import clock
from mitapo.transit import bookings
from tests.api.conftest import Api
from tests.api.payments_support import balances, problem, shop, wallet
from tests.api.test_transit_support import Transit


@pytest.fixture
def town(api: Api, admin: str) -> Transit:
    return Transit(api, admin)


@pytest.fixture
def area(town: Transit) -> tuple[str, str, str]:
    """An on-demand area with a ¥300 adult fare: (operator id, operator key, route id)."""
    operator_id, key = town.operator("AIデマンド")
    return operator_id, key, town.route(operator_id, "area-east", kind="on_demand", adult_fare=300)


def book(api: Api, secret: str, route_id: str, **fields: Any) -> Any:
    return api.post("/v1/transit/bookings", secret, {"route_id": route_id, **fields})


def booked(api: Api, secret: str, route_id: str) -> dict[str, Any]:
    response = book(api, secret, route_id)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_booking_holds_the_fare_points_first_and_the_ride_takes_only_its_charge(
    api: Api, admin: str, town: Transit, area: tuple[str, str, str]
) -> None:
    operator_id, key, route_id = area
    bus_operator, bus_key = town.operator()
    town.route(bus_operator, "bus-1")
    rider, secret = town.rider(points=100, money=1000)
    held = booked(api, secret, route_id)
    assert (held["fare"], held["points_held"], held["money_held"], held["status"]) == (300, 100, 200, "held")
    assert wallet(api, secret)["points"] == 0 and wallet(api, secret)["money"] == 800
    assert town.charged(bus_key, "bus-1", rider, clock.now() - timedelta(minutes=30)) == 210
    path = f"/v1/transit/bookings/{held['id']}/completion"
    done = api.post(path, key, {}, key="end-1")
    assert done.status_code == 201, done.text
    ride = done.json()
    assert (ride["fare"], ride["discount"], ride["charged"]) == (300, 100, 200)
    assert (ride["points_used"], ride["money_used"]) == (100, 100)
    assert wallet(api, secret) == {"points": 0, "money": 1000 - 210 - 100, "lots": {}}
    owed = balances(api, admin)
    assert owed[(f"operator:{operator_id}:receivable", "PT")] == -100
    assert owed[(f"operator:{operator_id}:receivable", "JPY")] == -100
    assert api.get(f"/v1/transit/bookings/{held['id']}", secret).json()["status"] == "completed"
    before = api.journal_size()
    again = api.post(path, key, {}, key="end-1")
    assert (
        again.status_code == 201 and again.json() == ride and again.headers["Idempotent-Replayed"] == "true"
    )
    problem(api.post(path, key, {}), 409, "booking_closed")
    problem(api.post(f"/v1/transit/bookings/{held['id']}/cancellation", secret, None), 409, "booking_closed")
    assert api.journal_size() == before


def test_cancelling_gives_the_whole_hold_back_once(
    api: Api, town: Transit, area: tuple[str, str, str]
) -> None:
    _, key, route_id = area
    _, stranger_key = town.operator("other")
    _, stranger = town.rider()
    _, secret = town.rider(points=50, money=1000)
    held = booked(api, secret, route_id)
    path = f"/v1/transit/bookings/{held['id']}/cancellation"
    problem(api.post(path, stranger, None), 404, "not_found")
    problem(api.post(path, stranger_key, None), 404, "not_found")
    problem(api.get(f"/v1/transit/bookings/{held['id']}", stranger), 404, "not_found")
    cancelled = api.post(path, secret, None, key="cancel-1")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text
    assert wallet(api, secret)["points"] == 50 and wallet(api, secret)["money"] == 1000
    assert api.post(path, secret, None, key="cancel-1").json() == cancelled.json()
    before = api.journal_size()
    problem(api.post(f"/v1/transit/bookings/{held['id']}/completion", key, {}), 409, "booking_closed")
    assert api.journal_size() == before


def test_a_no_show_past_the_timeout_is_released_by_the_job(
    api: Api, town: Transit, area: tuple[str, str, str]
) -> None:
    _, _, route_id = area
    _, secret = town.rider(money=1000)
    held = booked(api, secret, route_id)
    db, now = api.runtime.db, clock.now()
    assert api.run(bookings.release_overdue, db, now) == 0
    assert wallet(api, secret)["money"] == 700
    later = now + timedelta(minutes=api.runtime.settings.transit_no_show_minutes + 1)
    assert api.run(bookings.release_overdue, db, later) == 1
    assert api.run(bookings.release_overdue, db, later) == 0
    assert wallet(api, secret)["money"] == 1000
    assert api.get(f"/v1/transit/bookings/{held['id']}", secret).json()["status"] == "no_show"


def test_refused_bookings_write_nothing(
    api: Api, admin: str, town: Transit, area: tuple[str, str, str]
) -> None:
    operator_id, key, route_id = area
    bus = town.route(operator_id, "bus-1")
    _, secret = town.rider(money=100)
    before = api.journal_size()
    problem(book(api, secret, bus), 422, "route_not_bookable")
    problem(book(api, secret, "rt_nowhere"), 404, "not_found")
    problem(book(api, secret, route_id), 422, "insufficient_funds")
    ahead = (clock.now() + timedelta(days=2)).isoformat()
    problem(book(api, secret, route_id, pickup_at=ahead), 400, "validation_error")
    problem(book(api, secret, route_id, funding="credit"), 400, "validation_error")
    problem(
        api.post("/v1/transit/bookings", secret, {"route_id": route_id}, key=None),
        400,
        "idempotency_key_required",
    )
    problem(book(api, key, route_id), 403, "forbidden")
    problem(api.post("/v1/transit/bookings/bk_nowhere/completion", key, {}), 404, "not_found")
    assert api.journal_size() == before


def test_holds_never_let_a_balance_be_spent_twice(api: Api, admin: str, town: Transit, area: Any) -> None:
    """Bookings, bus taps and shop charges race for one wallet of ¥1000: whatever wins, it adds up."""
    _, _, route_id = area
    bus_operator, bus_key = town.operator()
    town.route(bus_operator, "bus-1")
    farm = shop(api, admin)
    rider, secret = town.rider(money=1000)

    def booking(_: int) -> tuple[str, Any]:
        return "booking", book(api, secret, route_id)

    def tap(_: int) -> tuple[str, Any]:
        return "tap", town.tap(bus_key, "bus-1", rider)

    def charge(_: int) -> tuple[str, Any]:
        body = {"pay_code": town.code(rider), "amount": 150}
        return "charge", api.post("/v1/charges", farm["api_key"], body)

    jobs = [job for job in (booking, tap, charge) for _ in range(6)]
    with concurrent.futures.ThreadPoolExecutor(len(jobs)) as pool:
        answers = list(pool.map(lambda job: job(0), jobs))
    taken = 0
    for kind, response in answers:
        if response.status_code != 201:
            problem(response, 422, "insufficient_funds")
            continue
        body = response.json()
        taken += {"booking": body.get("fare"), "tap": body.get("charged"), "charge": body.get("amount")}[kind]
    assert 0 <= wallet(api, secret)["money"] == 1000 - taken
    assert taken > 1000 - 300  # nothing was refused while the wallet could still pay the dearest of them
    api.seal()
    assert api.get("/v1/audit/verify", admin).json()["ok"] is True


def test_a_retried_booking_answers_its_first_result_though_the_wallet_is_now_held(
    api: Api, town: Transit, area: tuple[str, str, str]
) -> None:
    _, _, route_id = area
    _, secret = town.rider(money=300)
    first = api.post("/v1/transit/bookings", secret, {"route_id": route_id}, key="book-1")
    assert first.status_code == 201, first.text
    before = api.journal_size()
    again = api.post("/v1/transit/bookings", secret, {"route_id": route_id}, key="book-1")
    assert again.status_code == 201 and again.json() == first.json(), again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    problem(api.post("/v1/transit/bookings", secret, {"route_id": route_id}), 422, "insufficient_funds")
    assert api.journal_size() == before
