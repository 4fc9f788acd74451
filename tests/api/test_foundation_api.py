from __future__ import annotations

import concurrent.futures
import uuid

from mitapo.engine import ledger
from tests.api.conftest import Api


def problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["title"] and body["type"]


def test_health_and_schema(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok"}
    assert api.client.get("/readyz").status_code == 200
    schema = api.client.get("/schema/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/v1/audit/verify" in schema["paths"]


def test_no_secret_is_401_and_wrong_role_is_403(api: Api) -> None:
    problem(api.get("/v1/audit/trial-balance", None), 401, "unauthorized")
    problem(api.get("/v1/audit/trial-balance", "mtp_adm_nonsense"), 401, "unauthorized")
    resident = api.token("resident")
    problem(api.get("/v1/audit/trial-balance", resident), 403, "forbidden")


def test_unknown_route_is_problem_404(api: Api, admin: str) -> None:
    problem(api.get("/v1/nowhere", admin), 404, "not_found")


def test_reversal_needs_key_and_writes_nothing_without(api: Api, admin: str) -> None:
    written = api.run(ledger.fund_program, api.runtime.db, "p", 500)
    before = api.journal_size()
    response = api.post(f"/v1/entries/{written.entry_id}/reversal", admin, {"reason": "typo"}, key=None)
    problem(response, 400, "idempotency_key_required")
    problem(
        api.post(f"/v1/entries/{written.entry_id}/reversal", admin, {"reason": ""}), 400, "validation_error"
    )
    problem(
        api.post(f"/v1/entries/{written.entry_id}/reversal", admin, {"reason": 5}), 400, "validation_error"
    )
    problem(api.post(f"/v1/entries/{uuid.uuid4()}/reversal", admin, {"reason": "x"}), 404, "not_found")
    assert api.journal_size() == before


def test_reversal_replays_and_refuses_mismatch_and_second_reversal(api: Api, admin: str) -> None:
    written = api.run(ledger.fund_program, api.runtime.db, "p", 500)
    path = f"/v1/entries/{written.entry_id}/reversal"
    first = api.post(path, admin, {"reason": "typo"}, key="k1")
    assert first.status_code == 201, first.text
    again = api.post(path, admin, {"reason": "typo"}, key="k1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    problem(api.post(path, admin, {"reason": "other"}, key="k1"), 422, "idempotency_mismatch")
    problem(api.post(path, admin, {"reason": "typo"}, key="k2"), 409, "already_reversed")
    api.seal()
    verify = api.get("/v1/audit/verify", admin).json()
    assert verify["ok"] is True and verify["entries_checked"] == 2
    balances = {
        (a["account"], a["asset"]): a["balance"]
        for a in api.get("/v1/audit/trial-balance", admin).json()["accounts"]
    }
    assert balances == {}


def test_same_key_concurrently_writes_once(api: Api, admin: str) -> None:
    written = api.run(ledger.fund_program, api.runtime.db, "p", 500)
    path = f"/v1/entries/{written.entry_id}/reversal"
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(lambda _: api.post(path, admin, {"reason": "r"}, key="same"), range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["entry_id"] for r in responses}) == 1
    assert sum(1 for r in responses if r.headers.get("Idempotent-Replayed") != "true") == 1
    api.seal()
    assert api.get("/v1/audit/verify", admin).json()["entries_checked"] == 2


def test_create_resident_and_read_me(api: Api, admin: str) -> None:
    created = api.post("/v1/residents", admin, {"name": "三鷹 太郎"}, key=None)
    assert created.status_code == 201, created.text
    secret = created.json()["token"]
    me = api.get("/v1/me", secret).json()
    assert me["name"] == "三鷹 太郎"
    assert me["balances"] == {"points": 0, "money": 0}
    problem(api.post("/v1/residents", admin, {"name": "x", "fare_category": "vip"}), 400, "validation_error")
    problem(api.post("/v1/residents", admin, {"name": "x", "extra": 1}), 400, "validation_error")


def test_amounts_are_strict_integers(api: Api, admin: str) -> None:
    body = {"name": "公園ボランティア", "points_valid_days": 180}
    program = api.post("/v1/programs", admin, body).json()["id"]
    path = f"/v1/programs/{program}/funding"
    assert api.post(path, admin, {"points": 1000}).status_code == 201
    before = api.journal_size()
    for points in ("1000", 10.0, 10.5, True, None, -5, 0, 10**30):
        problem(api.post(path, admin, {"points": points}), 400, "validation_error")
    problem(api.post(path, admin, "not json"), 400, "validation_error")
    assert api.journal_size() == before


def test_who_may_call_is_decided_before_the_body(api: Api) -> None:
    resident = api.token("resident")
    problem(api.post("/v1/programs", "nobody", {"name": 5}), 401, "unauthorized")
    problem(api.post("/v1/programs", resident, {"name": 5}), 403, "forbidden")
