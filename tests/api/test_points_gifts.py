"""Gifts between residents: the points keep their expiry, the soonest-expiring go first, a day's gifts are
limited, an install may switch gifting off, and every refusal writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.engine import clock
from mitapo.engine.errors import DomainError
from mitapo.points import gifts
from mitapo.settings import Settings
from tests.api.conftest import Api
from tests.api.test_points_town import HOUR, Town, now, problem

DAILY_LIMIT = 300


def _town(database_url: str, tmp_path: Path, **settings: Any) -> Iterator[Town]:
    app = create_app(
        Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600, **settings),
        url=database_url,
    )
    with TestClient(app) as client:
        api = Api(client)
        yield Town(api, api.token("admin"))


@pytest.fixture
def town(database_url: str, tmp_path: Path) -> Iterator[Town]:
    yield from _town(database_url, tmp_path, gift_daily_limit=DAILY_LIMIT)


def _day(offset: int) -> str:
    return (clock.tokyo_date(clock.now()) + timedelta(days=offset)).isoformat()


def _give(town: Town, giver: str, to: str, points: Any, **kw: Any) -> Any:
    return town.api.post("/v1/gifts", giver, {"to_resident_id": to, "points": points}, **kw)


def _earner(town: Town, *grants: tuple[int, int]) -> tuple[str, str]:
    """A resident who earned `points` valid for `days`, for each (days, points)."""
    _, organizer = town.organizer()
    resident_id, resident = town.resident("贈る人")
    for days, points in grants:
        event = town.event(organizer, town.program(valid_days=days), points=points)
        town.checked_in(organizer, event, resident)
    return resident_id, resident


def test_a_gift_keeps_the_points_expiry_and_takes_the_soonest_first(town: Town) -> None:
    _, giver = _earner(town, (30, 100), (10, 100), (60, 100))
    receiver_id, receiver = town.resident("受け取る人")
    given = _give(town, giver, receiver_id, 150)
    assert given.status_code == 201, given.text
    assert set(given.json()) == {"entry_id"}
    assert town.me(giver)["points_expiring"] == [
        {"expires_on": _day(30), "points": 50},
        {"expires_on": _day(60), "points": 100},
    ]
    assert town.me(receiver)["points_expiring"] == [
        {"expires_on": _day(10), "points": 100},
        {"expires_on": _day(30), "points": 50},
    ]
    kind = town.sql("SELECT kind FROM entries WHERE id = $1::uuid", given.json()["entry_id"])[0]["kind"]
    assert kind == "gift"


def test_a_gift_is_idempotent(town: Town) -> None:
    _, giver = _earner(town, (30, 100))
    receiver_id, receiver = town.resident("受け取る人")
    first = _give(town, giver, receiver_id, 40, key="gift-1")
    again = _give(town, giver, receiver_id, 40, key="gift-1")
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    before = town.written()
    problem(_give(town, giver, receiver_id, 41, key="gift-1"), 422, "idempotency_mismatch")
    problem(_give(town, giver, receiver_id, 40, key=None), 400, "idempotency_key_required")
    assert town.written() == before
    assert town.me(receiver)["balances"]["points"] == 40


def test_refused_gifts_write_nothing(town: Town) -> None:
    giver_id, giver = _earner(town, (30, 100))
    receiver_id, _ = town.resident("受け取る人")
    closed_id, _ = town.resident("転出した人")
    town.sql("UPDATE residents SET closed_at = now() WHERE id = $1", closed_id)
    _, organizer = town.organizer()
    before = town.written()
    problem(_give(town, giver, receiver_id, 101), 422, "insufficient_funds")
    problem(_give(town, giver, giver_id, 10), 400, "validation_error")
    problem(_give(town, giver, "res_nobody", 10), 404, "not_found")
    problem(_give(town, giver, closed_id, 10), 404, "not_found")
    for points in (0, -1, 2.5, "ten", None):
        problem(_give(town, giver, receiver_id, points), 400, "validation_error")
    problem(town.api.post("/v1/gifts", giver, {"to_resident_id": receiver_id}), 400, "validation_error")
    problem(_give(town, organizer, receiver_id, 10), 403, "forbidden")
    problem(_give(town, town.admin, receiver_id, 10), 403, "forbidden")
    assert town.written() == before
    assert town.me(giver)["balances"]["points"] == 100


def test_a_days_gifts_are_limited(town: Town) -> None:
    giver_id, giver = _earner(town, (30, 1_000))
    receiver_id, _ = town.resident("受け取る人")
    assert _give(town, giver, receiver_id, 200).status_code == 201
    before = town.written()
    problem(_give(town, giver, receiver_id, DAILY_LIMIT - 199), 422, "cap_exceeded")
    assert town.written() == before
    assert _give(town, giver, receiver_id, DAILY_LIMIT - 200).status_code == 201
    problem(_give(town, giver, receiver_id, 1), 422, "cap_exceeded")
    db = town.api.runtime.db
    tomorrow = now() + timedelta(days=1)
    written = town.api.run(
        lambda: gifts.give(db, giver_id, receiver_id, 1, tomorrow, enabled=True, daily_limit=DAILY_LIMIT)
    )
    assert written.entry_id is not None


def test_expired_points_cannot_be_given(town: Town) -> None:
    program_id = town.program(valid_days=10)
    event_id = town.event(town.admin, program_id, starts_at=now() - timedelta(days=41), ends_at=now() + HOUR)
    giver_id, giver = town.resident("贈る人")
    receiver_id, _ = town.resident("受け取る人")
    town.grant_at(giver_id, event_id, now() - timedelta(days=40))
    assert town.me(giver)["balances"]["points"] == 0
    before = town.written()
    problem(_give(town, giver, receiver_id, 1), 422, "insufficient_funds")
    assert town.written() == before


@pytest.fixture
def closed_town(database_url: str, tmp_path: Path) -> Iterator[Town]:
    yield from _town(database_url, tmp_path, gifting_enabled=False)


def test_an_install_may_switch_gifting_off(closed_town: Town) -> None:
    town = closed_town
    _, giver = _earner(town, (30, 100))
    receiver_id, _ = town.resident("受け取る人")
    before = town.written()
    problem(_give(town, giver, receiver_id, 10), 403, "gifting_disabled")
    assert town.written() == before
    with pytest.raises(DomainError):
        town.api.run(
            lambda: gifts.give(
                town.api.runtime.db, "a", "b", 1, now(), enabled=False, daily_limit=DAILY_LIMIT
            )
        )


def test_a_closure_racing_a_gift_refuses_it(town: Town) -> None:
    """Closed in the writer's view (its counter) though not yet in the read the service made first."""
    _, giver = _earner(town, (30, 100))
    receiver_id, _ = town.resident("転出する人")
    town.sql("INSERT INTO counters (key, value) VALUES ('closed:' || $1, 1)", receiver_id)
    before = town.written()
    problem(_give(town, giver, receiver_id, 10), 409, "account_closed")
    assert town.written() == before
