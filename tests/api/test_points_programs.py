"""Programs and their budgets, organizers and their events: who may do what, and bad input writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.test_points_town import HOUR, Town, now, problem


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def test_funding_fills_the_budget_and_grants_draw_on_it(town: Town) -> None:
    program = town.program(valid_days=90, funding=0, monthly_cap=500, annual_cap=3000)
    view = town.program_view(program)
    assert view == {
        "id": program,
        "name": "公園ボランティア",
        "points_valid_days": 90,
        "monthly_cap": 500,
        "annual_cap": 3000,
        "max_points_per_event": None,
        "budget_remaining": 0,
        "granted_total": 0,
    }
    funded = town.api.post(f"/v1/programs/{program}/funding", town.admin, {"points": 1_000})
    assert funded.status_code == 201 and set(funded.json()) == {"entry_id"}
    _, organizer = town.organizer()
    event = town.event(organizer, program, points=300)
    for name in ("一", "二"):
        town.checked_in(organizer, event, town.resident(name)[1])
    view = town.program_view(program)
    assert (view["budget_remaining"], view["granted_total"]) == (400, 600)
    auditor = town.api.token("auditor")
    assert town.api.get(f"/v1/programs/{program}", auditor).json() == view
    entry = town.sql("SELECT kind FROM entries WHERE id = $1::uuid", funded.json()["entry_id"])[0]
    assert entry["kind"] == "funding"


def test_funding_is_idempotent_and_needs_a_key(town: Town) -> None:
    program = town.program(funding=0)
    path = f"/v1/programs/{program}/funding"
    first = town.api.post(path, town.admin, {"points": 700}, key="fund-1")
    again = town.api.post(path, town.admin, {"points": 700}, key="fund-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    before = town.written()
    problem(town.api.post(path, town.admin, {"points": 800}, key="fund-1"), 422, "idempotency_mismatch")
    problem(town.api.post(path, town.admin, {"points": 700}, key=None), 400, "idempotency_key_required")
    assert town.written() == before
    assert town.program_view(program)["budget_remaining"] == 700


@pytest.mark.parametrize("points", [0, -5, 1.5, "abc", True, None, 10**12])
def test_bad_funding_writes_nothing(town: Town, points: Any) -> None:
    program = town.program(funding=0)
    before = town.written()
    problem(
        town.api.post(f"/v1/programs/{program}/funding", town.admin, {"points": points}),
        400,
        "validation_error",
    )
    assert town.written() == before


def test_funding_an_unknown_program_or_without_the_role(town: Town) -> None:
    program = town.program(funding=0)
    _, organizer = town.organizer()
    auditor = town.api.token("auditor")
    before = town.written()
    problem(town.api.post("/v1/programs/prg_nothing/funding", town.admin, {"points": 5}), 404, "not_found")
    problem(town.api.post(f"/v1/programs/{program}/funding", organizer, {"points": 5}), 403, "forbidden")
    problem(town.api.post(f"/v1/programs/{program}/funding", auditor, {"points": 5}), 403, "forbidden")
    assert town.written() == before


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "points_valid_days": 0},
        {"name": "x", "points_valid_days": 3661},
        {"name": "x", "points_valid_days": 30.5},
        {"name": "", "points_valid_days": 30},
        {"name": "x", "points_valid_days": 30, "monthly_cap": 0},
        {"name": "x", "points_valid_days": 30, "annual_cap": -1},
        {"name": "x", "points_valid_days": 30, "budget": 100},
        {"points_valid_days": 30},
    ],
)
def test_bad_programs_write_nothing(town: Town, body: dict[str, Any]) -> None:
    before = town.written()
    problem(town.api.post("/v1/programs", town.admin, body), 400, "validation_error")
    assert town.written() == before


def test_programs_are_the_citys(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    _, resident = town.resident()
    before = town.written()
    problem(
        town.api.post("/v1/programs", organizer, {"name": "x", "points_valid_days": 30}), 403, "forbidden"
    )
    problem(town.api.get(f"/v1/programs/{program}", organizer), 403, "forbidden")
    problem(town.api.get(f"/v1/programs/{program}", resident), 403, "forbidden")
    problem(town.api.get("/v1/programs/prg_nothing", town.admin), 404, "not_found")
    assert town.written() == before


def test_an_organizer_sees_and_manages_only_its_own_events(town: Town) -> None:
    program = town.program()
    _, mine = town.organizer("住民協議会")
    _, theirs = town.organizer("NPO")
    my_event = town.event(mine, program, title="サロン")
    their_event = town.event(theirs, program, title="清掃")
    city_event = town.event(town.admin, program, title="市の行事")
    assert [e["id"] for e in town.api.get("/v1/events", mine).json()["items"]] == [my_event]
    assert town.api.get(f"/v1/events/{my_event}", mine).json()["title"] == "サロン"
    problem(town.api.get(f"/v1/events/{their_event}", mine), 404, "not_found")
    problem(town.api.get(f"/v1/events/{city_event}", mine), 404, "not_found")
    everything = {e["id"] for e in town.api.get("/v1/events", town.admin).json()["items"]}
    assert everything == {my_event, their_event, city_event}
    _, resident = town.resident()
    problem(town.api.get("/v1/events", resident), 403, "forbidden")


def test_organizers_are_made_by_the_city(town: Town) -> None:
    created = town.api.post("/v1/organizers", town.admin, {"name": "三鷹市社会福祉協議会"}, key="org-1")
    assert created.status_code == 201 and created.json()["token"].startswith("mtp_org_")
    again = town.api.post("/v1/organizers", town.admin, {"name": "三鷹市社会福祉協議会"}, key="org-1")
    assert again.json() == {"id": created.json()["id"], "token": None}
    assert again.headers["Idempotent-Replayed"] == "true"
    _, organizer = town.organizer()
    before = town.written()
    problem(town.api.post("/v1/organizers", organizer, {"name": "self-made"}), 403, "forbidden")
    problem(town.api.post("/v1/organizers", town.admin, {"name": ""}), 400, "validation_error")
    assert town.written() == before


def _event_body(program: str, **changes: Any) -> dict[str, Any]:
    start = now()
    body: dict[str, Any] = {
        "program_id": program,
        "title": "サロン",
        "points": 50,
        "starts_at": start.isoformat(),
        "ends_at": (start + HOUR).isoformat(),
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"program_id": "prg_nothing"}, 403, "forbidden"),  # an organizer: no program it was granted
        ({"ends_at": (now() - HOUR).isoformat()}, 400, "validation_error"),
        ({"starts_at": "2026-11-22T10:00:00", "ends_at": "2026-11-22T12:00:00"}, 400, "validation_error"),
        ({"points": 0}, 400, "validation_error"),
        ({"points": 10.5}, 400, "validation_error"),
        ({"capacity": 0}, 400, "validation_error"),
        ({"title": ""}, 400, "validation_error"),
        ({"organizer_id": "org_someone_else"}, 400, "validation_error"),
    ],
)
def test_bad_events_write_nothing(town: Town, changes: dict[str, Any], status: int, code: str) -> None:
    program = town.program()
    _, organizer = town.organizer()
    town.grant_program(organizer, program)
    before = town.written()
    problem(town.api.post("/v1/events", organizer, _event_body(program, **changes)), status, code)
    assert town.written() == before


def test_residents_cannot_make_events(town: Town) -> None:
    program = town.program()
    _, resident = town.resident()
    before = town.written()
    problem(town.api.post("/v1/events", resident, _event_body(program)), 403, "forbidden")
    assert town.written() == before
