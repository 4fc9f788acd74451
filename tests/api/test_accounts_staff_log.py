"""The staff action log as the console's page reads it: newest first with a cursor, narrowed by actor,
action and Tokyo days, with the names of staff and partners (never a resident's name), for admins and
auditors only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.api.conftest import Api
from tests.api.payments_support import problem, resident, today


def _log(api: Api, secret: str, **query: Any) -> dict[str, Any]:
    answer = api.get("/v1/audit/staff-actions", secret, params=query)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _id(api: Api, secret: str) -> str:
    return str(api.get("/v1/staff/me", secret).json()["id"])


def test_newest_first_narrowed_and_named(api: Api, admin: str) -> None:
    admin_id = _id(api, admin)
    rid, _ = resident(api, admin, "三鷹 花子")
    clerk = api.post("/v1/clerks", admin, {"name": "市民課 窓口"}, key=None).json()
    organizer = api.post("/v1/organizers", admin, {"name": "緑と公園課"}, key=None).json()
    revoked = api.post(f"/v1/residents/{rid}/revocation", clerk["token"], {"reason": "紛失"}, key=None)
    assert revoked.status_code < 300, revoked.text

    newest = _log(api, admin, before_id=2**62, limit=2)
    assert [(a["action"], a["subject"]) for a in newest["items"]] == [
        ("resident.revoked", rid),
        ("principal.created", organizer["id"]),
    ]
    assert newest["next_before_id"] == newest["items"][1]["id"] and newest["next_after_id"] is None
    first, second = newest["items"]
    assert (first["actor"], first["actor_name"], first["subject_name"]) == (clerk["id"], "市民課 窓口", None)
    assert (second["actor_name"], second["subject_name"]) == ("test admin", "緑と公園課")
    older = _log(api, admin, before_id=newest["next_before_id"], limit=2)
    assert [(a["action"], a["subject"]) for a in older["items"]] == [
        ("principal.created", clerk["id"]),
        ("resident.created", rid),
    ]
    assert older["items"][1]["subject_name"] is None  # a resident's name is never shown
    assert _log(api, admin, before_id=older["next_before_id"], limit=2)["items"] == []  # and no more

    by_clerk = _log(api, admin, actor=clerk["id"])["items"]
    assert [a["action"] for a in by_clerk] == ["resident.revoked"]
    created = _log(api, admin, action="principal.created", actor=admin_id)["items"]
    assert [a["subject"] for a in created] == [clerk["id"], organizer["id"]]
    day = today()
    assert len(_log(api, admin, since=day.isoformat(), until=day.isoformat())["items"]) == 4
    assert _log(api, admin, since=(day + timedelta(days=1)).isoformat())["items"] == []
    assert _log(api, admin, until=(day - timedelta(days=1)).isoformat())["items"] == []
    assert len(_log(api, api.token("auditor"), action="resident.revoked")["items"]) == 1


def test_the_first_and_last_days_a_date_holds_are_days_like_any_other(api: Api, admin: str) -> None:
    """Schemathesis asked for `since=0001-01-01`: Tokyo's midnight of that day is in year 0 in UTC, and the
    answer was 500; `until=9999-12-31` has no next day to end at."""
    assert api.post("/v1/clerks", admin, {"name": "市民課 窓口"}, key=None).status_code == 201
    everything = _log(api, admin, since="0001-01-01", until="9999-12-31")["items"]
    assert len(everything) >= 1
    assert _log(api, admin)["items"] == everything
    assert _log(api, admin, until="0001-01-01")["items"] == []
    assert _log(api, admin, since="9999-12-31")["items"] == []


def test_bad_queries_and_other_roles_are_refused(api: Api, admin: str) -> None:
    clerk = api.post("/v1/clerks", admin, {"name": "窓口"}, key=None).json()["token"]
    for query in ({"since": "2026-13-01"}, {"before_id": 0}, {"limit": 0}, {"action": "x" * 101}):
        problem(api.get("/v1/audit/staff-actions", admin, params=query), 400, "validation_error")
    for secret in (clerk, api.token("organizer")):
        problem(api.get("/v1/audit/staff-actions", secret), 403, "forbidden")
