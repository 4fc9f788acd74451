"""An organizer edits its event before it starts and cancels it before it ends; a cancelled event takes no
more check-ins. Another organizer's event is not found; other roles are forbidden; a refusal changes
nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.api.conftest import Api
from tests.api.payments_support import problem, resident, shop


def _organizer_and_program(api: Api, admin: str) -> tuple[str, str]:
    program = api.post("/v1/programs", admin, {"name": "防災訓練", "points_valid_days": 365}, key=None).json()
    assert api.post(f"/v1/programs/{program['id']}/funding", admin, {"points": 10_000}).status_code == 201
    organizer = api.post("/v1/organizers", admin, {"name": "井口住民協議会"}, key=None).json()
    grant = {"organizer_id": organizer["id"]}
    assert api.post(f"/v1/programs/{program['id']}/organizers", admin, grant, key=None).status_code == 201
    return str(organizer["token"]), str(program["id"])


def _event(api: Api, organizer: str, program_id: str, starts_in: timedelta) -> dict[str, Any]:
    now = datetime.now(UTC)
    body = {
        "program_id": program_id,
        "title": "防災訓練",
        "points": 100,
        "starts_at": (now + starts_in).isoformat(),
        "ends_at": (now + starts_in + timedelta(hours=2)).isoformat(),
        "capacity": 50,
    }
    created = api.post("/v1/events", organizer, body, key=None)
    assert created.status_code == 201, created.text
    return dict(api.get(f"/v1/events/{created.json()['id']}", organizer).json())


def _patch(api: Api, secret: str, event_id: str, body: Any) -> Any:
    return api.client.patch(
        f"/v1/events/{event_id}", json=body, headers={"Authorization": f"Bearer {secret}"}
    )


def _cancellations(api: Api) -> int:
    async def count() -> int:
        async with api.runtime.db.raw() as conn:
            return int(await conn.fetchval("SELECT count(*) FROM event_cancellations"))

    return api.run(count)


def test_an_organizer_edits_its_event_before_it_starts(api: Api, admin: str) -> None:
    organizer, program_id = _organizer_and_program(api, admin)
    event = _event(api, organizer, program_id, timedelta(days=2))
    later = datetime.fromisoformat(event["starts_at"]) + timedelta(hours=1)
    body = {"title": "防災訓練（雨天決行）", "points": 150, "starts_at": later.isoformat(), "capacity": 80}
    edited = _patch(api, organizer, event["id"], body)
    assert edited.status_code == 200, edited.text
    found = api.get(f"/v1/events/{event['id']}", organizer).json()
    assert found == edited.json()
    assert (found["title"], found["points"], found["capacity"]) == ("防災訓練（雨天決行）", 150, 80)
    assert datetime.fromisoformat(found["starts_at"]) == later
    assert found["ends_at"] == event["ends_at"] and found["cancelled_at"] is None


def test_an_edit_that_cannot_be_made_changes_nothing(api: Api, admin: str) -> None:
    organizer, program_id = _organizer_and_program(api, admin)
    started = _event(api, organizer, program_id, timedelta(minutes=-10))
    problem(_patch(api, organizer, started["id"], {"title": "変更"}), 409, "event_started")
    coming = _event(api, organizer, program_id, timedelta(days=1))
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    problem(_patch(api, organizer, coming["id"], {"starts_at": past}), 400, "validation_error")
    after_end = (datetime.fromisoformat(coming["ends_at"]) + timedelta(hours=1)).isoformat()
    problem(_patch(api, organizer, coming["id"], {"starts_at": after_end}), 400, "validation_error")
    problem(_patch(api, organizer, coming["id"], {"points": 0}), 400, "validation_error")
    problem(_patch(api, organizer, coming["id"], {"program_id": program_id}), 400, "validation_error")
    for event in (started, coming):
        assert api.get(f"/v1/events/{event['id']}", organizer).json() == event


def test_only_the_events_organizer_or_the_city_edits_or_cancels_it(api: Api, admin: str) -> None:
    organizer, program_id = _organizer_and_program(api, admin)
    event = _event(api, organizer, program_id, timedelta(days=1))
    other, _ = _organizer_and_program(api, admin)
    _, resident_secret = resident(api, admin)
    size = api.journal_size()
    problem(_patch(api, other, event["id"], {"title": "乗っ取り"}), 404, "not_found")
    problem(api.post(f"/v1/events/{event['id']}/cancellation", other, {"reason": "x"}), 404, "not_found")
    strangers = (resident_secret, shop(api, admin)["api_key"], api.token("auditor"), api.token("operator"))
    for secret in strangers:
        problem(_patch(api, secret, event["id"], {"title": "乗っ取り"}), 403, "forbidden")
        problem(api.post(f"/v1/events/{event['id']}/cancellation", secret, {"reason": "x"}), 403, "forbidden")
    assert api.get(f"/v1/events/{event['id']}", organizer).json() == event
    assert api.journal_size() == size and _cancellations(api) == 0
    assert _patch(api, admin, event["id"], {"title": "市が直した"}).status_code == 200


def test_a_cancelled_event_takes_no_more_check_ins(api: Api, admin: str) -> None:
    organizer, program_id = _organizer_and_program(api, admin)
    event = _event(api, organizer, program_id, timedelta(minutes=-5))
    _, early = resident(api, admin, "先着 一郎")
    code = api.get(f"/v1/events/{event['id']}/checkin-code", organizer).json()["payload"]
    assert api.post("/v1/checkins", early, {"payload": code}).status_code == 201

    key = "cancel-1"
    cancelled = api.post(
        f"/v1/events/{event['id']}/cancellation", organizer, {"reason": "大雨のため"}, key=key
    )
    assert cancelled.status_code == 201, cancelled.text
    assert cancelled.json()["id"] == event["id"]
    again = api.post(f"/v1/events/{event['id']}/cancellation", organizer, {"reason": "大雨のため"}, key=key)
    assert again.json() == cancelled.json() and again.headers["Idempotent-Replayed"] == "true"
    assert api.get(f"/v1/events/{event['id']}", organizer).json()["cancelled_at"] is not None

    _, late = resident(api, admin, "遅刻 二郎")
    size = api.journal_size()
    problem(api.post("/v1/checkins", late, {"payload": code}), 422, "event_not_open")
    problem(
        api.post(f"/v1/events/{event['id']}/cancellation", organizer, {"reason": "再度"}),
        409,
        "event_cancelled",
    )
    assert api.journal_size() == size and _cancellations(api) == 1
    assert api.get("/v1/me", early).json()["balances"]["points"] == 100  # granted before stays granted


def test_an_edit_or_a_cancellation_comes_too_late(api: Api, admin: str) -> None:
    organizer, program_id = _organizer_and_program(api, admin)
    coming = _event(api, organizer, program_id, timedelta(days=1))
    assert (
        api.post(f"/v1/events/{coming['id']}/cancellation", organizer, {"reason": "中止"}).status_code == 201
    )
    problem(_patch(api, organizer, coming["id"], {"title": "再開"}), 409, "event_cancelled")
    ended = _event(api, organizer, program_id, timedelta(hours=-5))
    problem(
        api.post(f"/v1/events/{ended['id']}/cancellation", organizer, {"reason": "遅い"}),
        422,
        "event_not_open",
    )
    assert _cancellations(api) == 1


def test_an_event_says_where_it_is_and_an_edit_moves_it(api: Api, admin: str) -> None:
    organizer, program_id = _organizer_and_program(api, admin)
    now = datetime.now(UTC)
    body = {
        "program_id": program_id,
        "title": "読み聞かせ",
        "points": 50,
        "starts_at": (now + timedelta(days=3)).isoformat(),
        "ends_at": (now + timedelta(days=3, hours=1)).isoformat(),
        "place": "三鷹図書館",
        "area": "連雀",
    }
    created = api.post("/v1/events", organizer, body, key=None).json()
    found = api.get(f"/v1/events/{created['id']}", organizer).json()
    assert (found["place"], found["area"]) == ("三鷹図書館", "連雀")
    listed = api.get("/v1/events", organizer).json()["items"]
    assert [(e["place"], e["area"]) for e in listed if e["id"] == created["id"]] == [("三鷹図書館", "連雀")]
    moved = _patch(api, organizer, created["id"], {"place": "井の頭恩賜公園", "area": "井の頭"})
    assert moved.status_code == 200, moved.text
    where = (moved.json()["place"], moved.json()["area"], moved.json()["title"])
    assert where == ("井の頭恩賜公園", "井の頭", "読み聞かせ")
    problem(_patch(api, organizer, created["id"], {"area": ""}), 400, "validation_error")
    problem(_patch(api, organizer, created["id"], {"place": "x" * 101}), 400, "validation_error")
    assert api.get(f"/v1/events/{created['id']}", organizer).json() == moved.json()
