"""Giving without typing ids: the recipient shows a signed, short-lived "受け取る" code; the giver's app
previews the recipient's display name and gives with the code."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from mitapo.engine import clock
from tests.api.conftest import Api
from tests.api.payments_support import give_points, in_days, problem, resident


def test_a_gift_by_receive_code(api: Api, admin: str) -> None:
    giver_id, giver = resident(api, admin, "三鷹 花子")
    _, taker = resident(api, admin, "井口 太郎")
    give_points(api, giver_id, 100, in_days(30))
    code = api.get("/v1/me/receive-code", taker)
    assert code.status_code == 200, code.text
    assert code.headers["cache-control"] == "no-store"
    payload = code.json()["payload"]
    assert code.json()["expires_at"]
    seen = api.post("/v1/gift-previews", giver, {"receive_code": payload}, key=None)
    assert seen.status_code == 200, seen.text
    assert seen.json()["name"] == "井口 太郎" and seen.json()["is_self"] is False
    given = api.post("/v1/gifts", giver, {"receive_code": payload, "points": 40}, key="g1")
    assert given.status_code == 201, given.text
    assert api.get("/v1/me", taker).json()["balances"]["points"] == 40
    assert api.get("/v1/me", giver).json()["balances"]["points"] == 60
    picture = api.get("/v1/me/receive-code", taker, params={"format": "svg"})
    assert picture.status_code == 200 and picture.headers["content-type"].startswith("image/svg+xml")

    later = clock.now() + timedelta(minutes=10)
    with mock.patch("mitapo.engine.clock.now", return_value=later):
        again = api.post("/v1/gifts", giver, {"receive_code": payload, "points": 40}, key="g1")
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        before = api.journal_size()
        late = api.post("/v1/gifts", giver, {"receive_code": payload, "points": 40}, key="g2")
        problem(late, 422, "code_expired")
        assert api.journal_size() == before


def test_bad_receive_codes_write_nothing(api: Api, admin: str) -> None:
    giver_id, giver = resident(api, admin)
    give_points(api, giver_id, 100, in_days(30))
    own = api.get("/v1/me/receive-code", giver).json()["payload"]
    pay_code = api.get("/v1/me/pay-code", giver).json()["payload"]
    before = api.journal_size()
    problem(api.post("/v1/gifts", giver, {"receive_code": own, "points": 1}), 400, "validation_error")
    problem(api.post("/v1/gifts", giver, {"receive_code": pay_code, "points": 1}), 422, "code_invalid")
    problem(api.post("/v1/gifts", giver, {"receive_code": "MTP1C.AAAA", "points": 1}), 422, "code_invalid")
    problem(api.post("/v1/gifts", giver, {"points": 1}), 400, "validation_error")
    both = {"receive_code": own, "to_resident_id": giver_id, "points": 1}
    problem(api.post("/v1/gifts", giver, both), 400, "validation_error")
    assert api.journal_size() == before
    assert api.post("/v1/gift-previews", giver, {"receive_code": own}, key=None).json()["is_self"] is True
    problem(api.get("/v1/me/receive-code", admin), 403, "forbidden")
