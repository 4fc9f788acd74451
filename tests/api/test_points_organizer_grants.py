"""Organizers act only in the programs an admin granted them, and no event is worth more than its program's
ceiling (issue 18, finding 2: an organizer minted 1,000,000 points a check-in from a program never given)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.test_points_programs import _event_body
from tests.api.test_points_town import Town, problem


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def capped_program(town: Town, ceiling: int) -> str:
    body = {"name": "読み聞かせ", "points_valid_days": 365, "max_points_per_event": ceiling}
    created = town.api.post("/v1/programs", town.admin, body, key=None)
    assert created.status_code == 201, created.text
    program_id: str = created.json()["id"]
    assert (
        town.api.post(f"/v1/programs/{program_id}/funding", town.admin, {"points": 10**7}).status_code == 201
    )
    return program_id


def test_an_organizer_outside_its_programs_is_refused(town: Town) -> None:
    given, other = town.program(), town.program()
    _, organizer = town.organizer()
    before = town.written()
    problem(town.api.post("/v1/events", organizer, _event_body(given, points=1_000_000)), 403, "forbidden")
    problem(town.api.post("/v1/events", organizer, _event_body("prg_nothing")), 403, "forbidden")
    assert town.written() == before
    assert town.api.get("/v1/events", organizer).json()["items"] == []
    town.grant_program(organizer, given)
    made = town.api.post("/v1/events", organizer, _event_body(given))
    assert made.status_code == 201, made.text
    problem(town.api.post("/v1/events", organizer, _event_body(other)), 403, "forbidden")
    # the city (admin) runs events in any program without a grant
    assert town.api.post("/v1/events", town.admin, _event_body(other)).status_code == 201


def test_only_an_admin_grants_and_only_organizers(town: Town) -> None:
    program = town.program()
    organizer_id, organizer = town.organizer()
    path = f"/v1/programs/{program}/organizers"
    problem(town.api.post(path, organizer, {"organizer_id": organizer_id}, key=None), 403, "forbidden")
    auditor = town.api.token("auditor")
    problem(town.api.post(path, auditor, {"organizer_id": organizer_id}, key=None), 403, "forbidden")
    problem(town.api.post(path, town.admin, {"organizer_id": "prn_nothing"}, key=None), 404, "not_found")
    resident_id, _ = town.resident()
    problem(town.api.post(path, town.admin, {"organizer_id": resident_id}, key=None), 404, "not_found")
    gone = "/v1/programs/prg_nothing/organizers"
    problem(town.api.post(gone, town.admin, {"organizer_id": organizer_id}, key=None), 404, "not_found")
    for _ in range(2):  # granting twice is the same grant
        granted = town.api.post(path, town.admin, {"organizer_id": organizer_id}, key=None)
        assert granted.status_code == 201, granted.text
        assert granted.json() == {"program_id": program, "organizer_id": organizer_id}


def test_an_event_over_the_programs_ceiling_is_refused(town: Town) -> None:
    program = capped_program(town, 500)
    assert town.api.get(f"/v1/programs/{program}", town.admin).json()["max_points_per_event"] == 500
    _, organizer = town.organizer()
    town.grant_program(organizer, program)
    before = town.written()
    for who in (organizer, town.admin):
        for points in (501, 1_000_000):
            over = town.api.post("/v1/events", who, _event_body(program, points=points))
            problem(over, 422, "points_over_ceiling")
    assert town.written() == before
    assert town.api.post("/v1/events", organizer, _event_body(program, points=500)).status_code == 201


def test_a_ceiling_is_a_positive_number_of_points(town: Town) -> None:
    for bad in (0, -1, 1.5, "500"):
        body = {"name": "x", "points_valid_days": 30, "max_points_per_event": bad}
        problem(town.api.post("/v1/programs", town.admin, body, key=None), 400, "validation_error")
    assert capped_program(town, 1)
