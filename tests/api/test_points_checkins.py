"""Claims: the server decides the points; window, capacity, one claim per resident, caps and budget are
enforced, and every refusal writes nothing."""

from __future__ import annotations

import asyncio
import concurrent.futures
from datetime import timedelta

import asyncpg
import pytest

from mitapo.engine import clock, codes
from mitapo.engine.commands import Idempotency
from mitapo.engine.errors import DomainError
from mitapo.points import checkins, reads
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from tests.api.conftest import Api
from tests.api.test_points_town import HOUR, Town, now, problem


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def test_a_claim_grants_the_events_points_into_a_dated_lot(town: Town) -> None:
    program = town.program(valid_days=30, funding=1_000)
    _, organizer = town.organizer()
    event = town.event(organizer, program, points=120)
    _, resident = town.resident()
    granted = town.claim(resident, town.code(organizer, event))
    assert granted.status_code == 201, granted.text
    body = granted.json()
    assert body["event_id"] == event and body["points"] == 120 and body["entry_id"]
    expires_on = (clock.tokyo_date(clock.now()) + timedelta(days=30)).isoformat()
    me = town.me(resident)
    assert me["balances"]["points"] == 120
    assert me["points_expiring"] == [{"expires_on": expires_on, "points": 120}]
    view = town.program_view(program)
    assert (view["budget_remaining"], view["granted_total"]) == (880, 120)
    entry = town.sql("SELECT kind, meta FROM entries WHERE id = $1::uuid", body["entry_id"])[0]
    assert entry["kind"] == "grant"
    assert '"event_id": "' + event in entry["meta"] and program in entry["meta"]


def test_the_client_cannot_choose_the_points(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    event = town.event(organizer, program, points=100)
    _, resident = town.resident()
    before = town.written()
    body = {"payload": town.code(organizer, event), "points": 100_000}
    problem(town.api.post("/v1/checkins", resident, body), 400, "validation_error")
    problem(town.api.post("/v1/checkins", resident, {"payload": ""}), 400, "validation_error")
    problem(town.api.post("/v1/checkins", resident, {}), 400, "validation_error")
    assert town.written() == before


def test_a_claim_needs_an_idempotency_key_and_a_resident(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    event = town.event(organizer, program)
    _, resident = town.resident()
    payload = town.code(organizer, event)
    before = town.written()
    problem(town.claim(resident, payload, key=None), 400, "idempotency_key_required")
    problem(town.claim(organizer, payload), 403, "forbidden")
    problem(town.claim(town.admin, payload), 403, "forbidden")
    problem(town.api.post("/v1/checkins", "mtp_res_nobody", {"payload": payload}), 401, "unauthorized")
    assert town.written() == before


def test_one_claim_per_resident_and_event_and_a_retry_is_answered_again(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    event = town.event(organizer, program)
    _, resident = town.resident()
    payload = town.code(organizer, event)
    first = town.claim(resident, payload, key="phone-1")
    assert first.status_code == 201, first.text
    before = town.written()
    again = town.claim(resident, payload, key="phone-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    problem(town.claim(resident, payload, key="phone-2"), 409, "already_claimed")
    problem(town.claim(resident, town.code(organizer, event)), 409, "already_claimed")
    assert town.written() == before
    assert town.me(resident)["balances"]["points"] == 100


def test_a_retry_after_the_code_expired_gets_the_first_answer(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    event = town.event(organizer, program)
    resident_id, resident = town.resident()
    first = town.claim(resident, town.code(organizer, event), key="lost-answer")
    assert first.status_code == 201
    old = codes.issue_checkin(town.api.runtime.keys, event, now() - timedelta(minutes=5), 30).payload
    # the same request, as the phone sends it again: its body is the (meanwhile expired) payload it first sent
    db, keys = town.api.runtime.db, town.api.runtime.keys
    scope_key = town.sql("SELECT scope, key, request_hash FROM idempotency_keys WHERE key = 'lost-answer'")[0]
    replay = town.api.run(
        lambda: checkins.claim(
            db,
            keys,
            resident_id,
            old,
            now() + timedelta(minutes=5),
            30,
            idempotency=Idempotency(scope_key["scope"], "lost-answer", bytes(scope_key["request_hash"])),
        )
    )
    assert replay.replayed and dict(replay.result) == first.json()
    other = Idempotency(scope_key["scope"], "lost-answer", b"another request")
    with pytest.raises(DomainError) as refused:
        town.api.run(lambda: checkins.claim(db, keys, resident_id, old, now(), 30, idempotency=other))
    assert refused.value.code == "idempotency_mismatch"


def test_a_closed_or_future_event_is_not_open(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    past = town.event(organizer, program, starts_at=now() - 3 * HOUR, ends_at=now() - HOUR)
    future = town.event(organizer, program, starts_at=now() + HOUR)
    _, resident = town.resident()
    before = town.written()
    problem(town.claim(resident, town.code(organizer, past)), 422, "event_not_open")
    problem(town.claim(resident, town.code(organizer, future)), 422, "event_not_open")
    assert town.written() == before


def test_a_full_event_refuses_the_next_resident(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    event = town.event(organizer, program, capacity=2)
    residents = [town.resident(f"住民 {n}")[1] for n in range(3)]
    for resident in residents[:2]:
        town.checked_in(organizer, event, resident)
    before = town.written()
    problem(town.claim(residents[2], town.code(organizer, event)), 409, "event_full")
    assert town.written() == before
    assert town.me(residents[2])["balances"]["points"] == 0


def test_monthly_and_annual_caps(town: Town) -> None:
    monthly = town.program(monthly_cap=150)
    annual = town.program(annual_cap=250)
    _, organizer = town.organizer()
    _, resident = town.resident()
    town.checked_in(organizer, town.event(organizer, monthly, points=100), resident)
    over_month = town.event(organizer, monthly, points=60)
    before = town.written()
    problem(town.claim(resident, town.code(organizer, over_month)), 422, "cap_exceeded")
    assert town.written() == before
    town.checked_in(organizer, town.event(organizer, monthly, points=50), resident)  # exactly at the cap
    town.checked_in(organizer, town.event(organizer, annual, points=200), resident)
    over_year = town.event(organizer, annual, points=51)
    before = town.written()
    problem(town.claim(resident, town.code(organizer, over_year)), 422, "cap_exceeded")
    assert town.written() == before
    assert town.me(resident)["balances"]["points"] == 350
    # another resident has caps of their own
    _, neighbour = town.resident("隣人")
    town.checked_in(organizer, town.event(organizer, monthly, points=150), neighbour)


def test_an_event_larger_than_the_cap_is_refused_outright(town: Town) -> None:
    program = town.program(monthly_cap=50)
    _, organizer = town.organizer()
    event = town.event(organizer, program, points=51)
    _, resident = town.resident()
    before = town.written()
    problem(town.claim(resident, town.code(organizer, event)), 422, "cap_exceeded")
    assert town.written() == before


def test_the_budget_never_goes_negative(town: Town) -> None:
    program = town.program(funding=150)
    _, organizer = town.organizer()
    event = town.event(organizer, program, points=100)
    first, second = town.resident("一")[1], town.resident("二")[1]
    town.checked_in(organizer, event, first)
    before = town.written()
    problem(town.claim(second, town.code(organizer, event)), 422, "budget_exhausted")
    assert town.written() == before
    view = town.program_view(program)
    assert (view["budget_remaining"], view["granted_total"]) == (50, 100)
    unfunded = town.program(funding=0)
    problem(
        town.claim(second, town.code(organizer, town.event(organizer, unfunded))), 422, "budget_exhausted"
    )


def test_concurrent_claims_of_one_resident_give_one_grant(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    event = town.event(organizer, program)
    _, resident = town.resident()
    payload = town.code(organizer, event)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda n: town.claim(resident, payload, key=f"phone-{n}"), range(8)))
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"already_claimed"}
    assert town.sql("SELECT count(*) AS n FROM checkins")[0]["n"] == 1
    assert town.sql("SELECT count(*) AS n FROM entries WHERE kind = 'grant'")[0]["n"] == 1
    assert town.me(resident)["balances"]["points"] == 100


def test_two_service_processes_racing_give_one_grant(town: Town, database_url: str, tmp_path) -> None:
    """Two writers on one database (as two `mitapo serve` workers would be): each claim is sent through both
    at once; the spent token and the check-ins key let exactly one of them grant it."""
    program = town.program(funding=100_000)
    _, organizer = town.organizer()
    event_ids = [town.event(organizer, program, points=10) for _ in range(10)]
    resident_id, _ = town.resident()
    first = town.api.runtime

    async def race() -> list[list[str]]:
        second = Runtime(Settings(data_dir=tmp_path / "second"), database_url)
        await second.start(migrate_first=False, background=False)
        try:
            results = []
            for event_id in event_ids:
                outcomes = await asyncio.gather(
                    *(
                        _claim_through(runtime, resident_id, event_id)
                        for runtime in (first, second, first, second)
                    ),
                )
                results.append(outcomes)
            return results
        finally:
            await second.stop()

    results = town.api.run(race)
    for outcomes in results:
        assert sorted(outcomes) == ["already_claimed"] * 3 + ["granted"]
    assert town.sql("SELECT count(*) AS n FROM checkins")[0]["n"] == len(event_ids)
    lots = town.sql("SELECT sum(-posted) AS n FROM balances WHERE owner = $1", f"resident:{resident_id}")
    assert lots[0]["n"] == 10 * len(event_ids)
    grants = town.sql("SELECT count(*) AS n FROM entries WHERE kind = 'grant'")[0]["n"]
    assert grants == len(event_ids)


async def _claim_through(runtime: Runtime, resident_id: str, event_id: str) -> str:
    async with runtime.db.read() as conn:
        found = await reads.event_and_program(conn, event_id)
    assert found is not None
    try:
        await checkins.grant(runtime.db, resident_id, found[0], found[1], now())
    except DomainError as refusal:
        return refusal.code
    return "granted"


def test_the_database_refuses_a_second_checkin_row(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    event = town.event(organizer, program)
    resident_id, resident = town.resident()
    granted = town.checked_in(organizer, event, resident)
    with pytest.raises(asyncpg.UniqueViolationError):
        town.sql(
            "INSERT INTO checkins (event_id, resident_id, program_id, points, entry_id)"
            " VALUES ($1, $2, $3, 1, $4::uuid)",
            event,
            resident_id,
            program,
            granted["entry_id"],
        )
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        town.sql("DELETE FROM checkins")


def test_a_closed_resident_gets_no_points(town: Town) -> None:
    program = town.program()
    _, organizer = town.organizer()
    event = town.event(organizer, program)
    resident_id, resident = town.resident()
    town.sql("INSERT INTO counters (key, value) VALUES ('closed:' || $1, 1)", resident_id)
    before = town.written()
    problem(town.claim(resident, town.code(organizer, event)), 409, "account_closed")
    assert town.written() == before
