"""What the staff console's organizers, shops and transit pages do through the API (issue 19): list the
organizers with the programs granted to them; rotate or revoke another principal's secret; list the premium
and cashback campaigns; list, register and revoke transit readers. Each is the admin's alone (a counter
clerk gets 403), each bad request is a 4xx that writes nothing, and each action is in the staff action log."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mitapo.engine import clock
from tests.api.conftest import Api
from tests.api.payments_support import problem, resident, shop, today
from tests.api.test_transit_signed_taps import public_key
from tests.api.test_transit_support import Transit

# Every table these actions write, and the revocations they make: "wrote nothing" is measured against it.
STATE = (
    "SELECT (SELECT count(*) FROM staff_actions), (SELECT count(*) FROM program_organizers),"
    " (SELECT count(*) FROM campaigns), (SELECT count(*) FROM cashback_campaigns),"
    " (SELECT count(*) FROM transit_readers),"
    " (SELECT count(*) FROM transit_readers WHERE revoked_at IS NOT NULL),"
    " (SELECT count(*) FROM principals), (SELECT count(*) FROM principals WHERE revoked_at IS NOT NULL),"
    " (SELECT count(*) FROM retired_secrets), (SELECT string_agg(encode(secret_hash, 'hex'), ',' ORDER BY id)"
    " FROM principals)"
)


def state(api: Api) -> tuple[Any, ...]:
    async def read() -> tuple[Any, ...]:
        async with api.runtime.db.raw() as conn:
            return tuple(await conn.fetchrow(STATE))

    return (api.journal_size(), *api.run(read))


def actions(api: Api, admin: str, subject: str) -> list[tuple[str, str]]:
    found = api.get("/v1/audit/staff-actions", admin, params={"subject": subject}).json()["items"]
    return [(item["action"], item["reason"]) for item in found]


def organizer(api: Api, admin: str, name: str = "三鷹市 緑と公園課") -> dict[str, Any]:
    created = api.post("/v1/organizers", admin, {"name": name}, key=None)
    assert created.status_code == 201, created.text
    return dict(created.json())


def program(api: Api, admin: str, name: str = "公園ボランティア") -> str:
    created = api.post("/v1/programs", admin, {"name": name, "points_valid_days": 180}, key=None)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def grant(api: Api, admin: str, program_id: str, organizer_id: str) -> Any:
    return api.post(f"/v1/programs/{program_id}/organizers", admin, {"organizer_id": organizer_id}, key=None)


def rotate(api: Api, admin: str, principal_id: str, body: Any = None) -> Any:
    return api.post(
        f"/v1/principals/{principal_id}/rotation", admin, body or {"reason": "定期交換"}, key=None
    )


def event_body(program_id: str) -> dict[str, Any]:
    start = clock.now()
    return {
        "program_id": program_id,
        "title": "公園の清掃",
        "points": 50,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
    }


def test_the_city_lists_its_organizers_with_their_programs_and_each_grant_is_logged(
    api: Api, admin: str
) -> None:
    parks, library = program(api, admin), program(api, admin, "図書館の読み聞かせ")
    first, second = organizer(api, admin), organizer(api, admin, "NPO みたかの森")
    for _ in range(2):  # granting twice is one grant and one line in the log
        assert grant(api, admin, parks, first["id"]).status_code == 201
    assert grant(api, admin, library, first["id"]).status_code == 201
    listed = api.get("/v1/organizers", admin)
    assert listed.status_code == 200, listed.text
    items = {item["id"]: item for item in listed.json()["items"]}
    assert set(items[first["id"]]) == {"id", "name", "created_at", "revoked", "programs"}  # never a secret
    assert items[first["id"]]["programs"] == [
        {"id": parks, "name": "公園ボランティア"},
        {"id": library, "name": "図書館の読み聞かせ"},
    ]
    assert items[second["id"]] == items[second["id"]] | {
        "name": "NPO みたかの森",
        "revoked": False,
        "programs": [],
    }
    granted = [a for a in actions(api, admin, first["id"]) if a[0] == "program.organizer_granted"]
    assert granted == [("program.organizer_granted", parks), ("program.organizer_granted", library)]


def withdraw(api: Api, secret: str, program_id: str, organizer_id: str) -> Any:
    path = f"/v1/programs/{program_id}/organizers/{organizer_id}"
    return api.client.request("DELETE", path, headers={"Authorization": f"Bearer {secret}"})


def test_an_admin_withdraws_a_grant_and_the_organizer_makes_no_new_event_in_that_program(
    api: Api, admin: str
) -> None:
    parks, library = program(api, admin), program(api, admin, "図書館の読み聞かせ")
    made = organizer(api, admin)
    for given in (parks, library):
        assert grant(api, admin, given, made["id"]).status_code == 201
    before_withdrawal = api.post("/v1/events", made["token"], event_body(parks), key=None)
    assert before_withdrawal.status_code == 201, before_withdrawal.text
    event_id = before_withdrawal.json()["id"]
    withdrawn = withdraw(api, admin, parks, made["id"])
    assert withdrawn.status_code == 204, withdrawn.text
    assert withdrawn.content == b""
    refused = api.post("/v1/events", made["token"], event_body(parks), key=None)
    problem(refused, 403, "forbidden")  # as a program never granted
    assert api.post("/v1/events", made["token"], event_body(library), key=None).status_code == 201
    listed = {item["id"]: item for item in api.get("/v1/organizers", admin).json()["items"]}
    assert listed[made["id"]]["programs"] == [{"id": library, "name": "図書館の読み聞かせ"}]
    # the event made before stays and runs: the organizer still sees it and shows its check-in code
    assert api.get(f"/v1/events/{event_id}", made["token"]).status_code == 200
    assert api.get(f"/v1/events/{event_id}/checkin-code", made["token"]).status_code == 200
    admin_id = str(api.get("/v1/staff/me", admin).json()["id"])
    found = api.get("/v1/audit/staff-actions", admin, params={"subject": made["id"]}).json()["items"]
    assert [(a["actor"], a["action"], a["reason"]) for a in found if a["action"].startswith("program.")] == [
        (admin_id, "program.organizer_granted", parks),
        (admin_id, "program.organizer_granted", library),
        (admin_id, "program.organizer_withdrawn", parks),
    ]
    assert grant(api, admin, parks, made["id"]).status_code == 201  # granting again is a new grant
    assert api.post("/v1/events", made["token"], event_body(parks), key=None).status_code == 201


def test_a_bad_withdrawal_is_refused_and_writes_nothing(api: Api, admin: str) -> None:
    parks, library = program(api, admin), program(api, admin, "図書館の読み聞かせ")
    made = organizer(api, admin)
    assert grant(api, admin, parks, made["id"]).status_code == 201
    clerk = api.post("/v1/clerks", admin, {"name": "市民課 窓口"}, key=None).json()["token"]
    resident_id, _ = resident(api, admin)
    before = state(api)
    problem(withdraw(api, clerk, parks, made["id"]), 403, "forbidden")
    problem(withdraw(api, made["token"], parks, made["id"]), 403, "forbidden")
    problem(withdraw(api, admin, "prg_nothing", made["id"]), 404, "not_found")
    problem(withdraw(api, admin, parks, "prn_nothing"), 404, "not_found")
    problem(withdraw(api, admin, parks, resident_id), 404, "not_found")
    problem(withdraw(api, admin, library, made["id"]), 404, "not_found")  # never granted that one
    assert state(api) == before
    assert withdraw(api, admin, parks, made["id"]).status_code == 204
    after = state(api)
    problem(withdraw(api, admin, parks, made["id"]), 404, "not_found")  # withdrawn already
    assert state(api) == after
    assert api.post("/v1/events", made["token"], event_body(parks), key=None).status_code == 403


def test_an_admin_rotates_an_organizers_secret_then_revokes_it(api: Api, admin: str) -> None:
    made = organizer(api, admin)
    parks = program(api, admin)
    assert grant(api, admin, parks, made["id"]).status_code == 201
    rotated = rotate(api, admin, made["id"])
    assert rotated.status_code == 201, rotated.text
    new, until = rotated.json()["token"], datetime.fromisoformat(rotated.json()["previous_valid_until"])
    assert new.startswith("mtp_org_") and new != made["token"]
    assert until > clock.now() + timedelta(hours=23)  # the same grace as the organizer's own rotation
    for secret in (made["token"], new):  # both work during the grace
        assert api.post("/v1/events", secret, event_body(parks), key=None).status_code == 201
    revoked = api.post(f"/v1/principals/{made['id']}/revocation", admin, {"reason": "退職"}, key=None)
    assert revoked.json() == {"revoked": 2}
    for secret in (made["token"], new):  # refused at once
        problem(api.post("/v1/events", secret, event_body(parks), key=None), 401, "credential_revoked")
    listed = {item["id"]: item for item in api.get("/v1/organizers", admin).json()["items"]}
    assert listed[made["id"]]["revoked"] is True
    issued = rotate(api, admin, made["id"])  # a revoked organizer gets a secret again only from the city
    assert datetime.fromisoformat(issued.json()["previous_valid_until"]) <= clock.now()
    assert api.post("/v1/events", issued.json()["token"], event_body(parks), key=None).status_code == 201
    problem(api.post("/v1/events", new, event_body(parks), key=None), 401, "credential_revoked")
    logged = [action for action, _ in actions(api, admin, made["id"])]
    assert logged[-3:] == ["principal.rotated", "principal.revoked", "principal.secret_issued"]


def test_an_admin_rotates_a_shops_key_which_works_for_the_grace_then_the_new_one_alone(
    api: Api, admin: str
) -> None:
    merchant = shop(api, admin)
    rotated = rotate(api, admin, merchant["id"], {"reason": "レジの入れ替え"})
    assert rotated.status_code == 201, rotated.text
    assert rotated.json()["token"] != merchant["api_key"]
    for secret in (merchant["api_key"], rotated.json()["token"]):
        assert api.get("/v1/merchant/payments", secret).status_code == 200
    assert actions(api, admin, merchant["id"])[-1] == ("principal.rotated", "レジの入れ替え")


def test_a_bad_rotation_is_refused_and_writes_nothing(api: Api, admin: str) -> None:
    resident_id, _ = resident(api, admin)
    merchant = shop(api, admin)
    before = state(api)
    problem(rotate(api, admin, "prn_nobody"), 404, "not_found")
    problem(rotate(api, admin, resident_id), 400, "validation_error")  # a resident enrols again instead
    problem(rotate(api, admin, merchant["id"], {"reason": "x", "extra": 1}), 400, "validation_error")
    problem(rotate(api, admin, merchant["id"], {"reason": 5}), 400, "validation_error")
    problem(rotate(api, admin, merchant["id"], {"reason": "x" * 1001}), 400, "validation_error")
    problem(rotate(api, merchant["api_key"], merchant["id"]), 403, "forbidden")  # its own is /credentials
    assert state(api) == before


def test_the_city_lists_premium_and_cashback_campaigns_with_their_shops(api: Api, admin: str) -> None:
    budget = program(api, admin, "プレミアム分")
    bakery, grocer = shop(api, admin, "野崎パン"), shop(api, admin, "三鷹青果")
    start = clock.now()
    premium = {
        "program_id": budget,
        "name": "春のプレミアム",
        "rate_percent": 10,
        "per_resident_cap": 3000,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(days=30)).isoformat(),
    }
    made = api.post("/v1/campaigns", admin, premium, key=None)
    assert made.status_code == 201, made.text
    cashback = {
        "name": "農産物 10% 還元",
        "program_id": budget,
        "rate_bps": 1000,
        "monthly_cap": 2000,
        "starts_on": today().isoformat(),
        "merchant_ids": [bakery["id"], grocer["id"]],
        "mccs": ["5431"],
    }
    back = api.post("/v1/cashback-campaigns", admin, cashback, key=None)
    assert back.status_code == 201, back.text
    (listed,) = api.get("/v1/campaigns", admin).json()["items"]
    assert listed == {
        "id": made.json()["id"],
        "name": "春のプレミアム",
        "program_id": budget,
        "program_name": "プレミアム分",
        "rate_percent": 10,
        "per_resident_cap": 3000,
        "starts_at": listed["starts_at"],
        "ends_at": listed["ends_at"],
    }
    (listed_back,) = api.get("/v1/cashback-campaigns", admin).json()["items"]
    assert listed_back["id"] == back.json()["id"] and listed_back["rate_bps"] == 1000
    assert listed_back["ends_on"] is None and listed_back["mccs"] == ["5431"]
    named = sorted((s["id"], s["name"]) for s in listed_back["shops"])
    assert named == sorted([(grocer["id"], "三鷹青果"), (bakery["id"], "野崎パン")])
    public = {item["id"]: item for item in api.get("/v1/shops", None).json()["items"]}
    assert back.json()["id"] in [c["id"] for c in public[bakery["id"]]["campaigns"]]
    assert actions(api, admin, made.json()["id"]) == [("campaign.created", "春のプレミアム")]
    assert actions(api, admin, back.json()["id"]) == [("cashback_campaign.created", "農産物 10% 還元")]


def test_a_cashback_campaign_at_a_shop_that_does_not_exist_is_refused_and_writes_nothing(
    api: Api, admin: str
) -> None:
    budget = program(api, admin)
    bakery = shop(api, admin, "野崎パン")
    base = {"name": "還元", "program_id": budget, "rate_bps": 500, "monthly_cap": 100}
    base["starts_on"] = today().isoformat()
    before = state(api)
    bad = [
        ({**base, "merchant_ids": [bakery["id"], "mk_nothing"]}, 404, "not_found"),
        ({**base, "merchant_ids": []}, 400, "validation_error"),
        ({**base, "merchant_ids": [bakery["id"]], "rate_bps": 10_001}, 400, "validation_error"),
        ({**base, "merchant_ids": [bakery["id"]], "program_id": "prg_nothing"}, 404, "not_found"),
    ]
    for body, status, code in bad:
        problem(api.post("/v1/cashback-campaigns", admin, body, key=None), status, code)
    assert state(api) == before


def test_an_admin_registers_lists_and_revokes_a_reader_whose_taps_then_count_no_more(
    api: Api, admin: str
) -> None:
    town = Transit(api, admin)
    operator_id, operator_key = town.operator()
    other_id, other_key = town.operator("深大寺バス")
    town.route(operator_id, "bus-1")
    key = Ed25519PrivateKey.generate()
    body = {"public_key": public_key(key), "name": "3号車", "operator_id": operator_id}
    made = api.post("/v1/transit/readers", admin, body, key=None)
    assert made.status_code == 201, made.text
    reader_id = made.json()["id"]
    town.readers[operator_key] = (reader_id, key)  # the taps below are signed with it
    api.post(
        "/v1/transit/readers", other_key, {"public_key": public_key(Ed25519PrivateKey.generate())}, key=None
    )
    everyone = api.get("/v1/transit/readers", admin).json()["items"]
    assert {r["operator_id"] for r in everyone} == {operator_id, other_id}
    (own,) = api.get("/v1/transit/readers", operator_key).json()["items"]  # an operator sees its own
    assert own == own | {
        "id": reader_id,
        "name": "3号車",
        "public_key": body["public_key"],
        "revoked_at": None,
    }
    assert own["operator_name"] == "みたかシティバス"
    assert {o["id"] for o in api.get("/v1/transit/operators", admin).json()["items"]} == {
        operator_id,
        other_id,
    }
    rider, _ = town.rider(money=1000)
    read_at = clock.now() - timedelta(minutes=1)
    tap = {"pay_code": town.code(rider, read_at), "route": "bus-1", "tapped_at": read_at.isoformat()}
    signed = town.signed(operator_key, tap)
    revoked = api.post(
        f"/v1/transit/readers/{reader_id}/revocation", admin, {"reason": "車両から盗難"}, key=None
    )
    assert revoked.status_code == 201, revoked.text
    at = revoked.json()["revoked_at"]
    before = api.journal_size()
    problem(
        api.post("/v1/transit/taps", operator_key, signed), 422, "code_invalid"
    )  # its key stopped at once
    assert api.journal_size() == before
    again = api.post(f"/v1/transit/readers/{reader_id}/revocation", admin, {"reason": "再確認"}, key=None)
    assert again.json() == {"id": reader_id, "revoked_at": at}  # revoked once, from the first moment
    (own,) = api.get("/v1/transit/readers", operator_key).json()["items"]
    assert own["revoked_at"] == at
    with pytest.raises(asyncpg.PostgresError, match="stays revoked"):  # the database keeps it revoked too
        api.run(_execute, api, f"UPDATE transit_readers SET revoked_at = NULL WHERE id = '{reader_id}'")
    assert [a for a, _ in actions(api, admin, reader_id)] == [
        "reader.registered",
        "reader.revoked",
        "reader.revoked",
    ]


async def _execute(api: Api, statement: str) -> None:
    async with api.runtime.db.raw() as conn:
        await conn.execute(statement)


def test_a_bad_reader_revocation_is_refused_and_writes_nothing(api: Api, admin: str) -> None:
    town = Transit(api, admin)
    _, operator_key = town.operator()
    _, other_key = town.operator("深大寺バス")
    reader_id, _ = town.reader(operator_key)
    _, resident_token = resident(api, admin)
    before = state(api)
    path = f"/v1/transit/readers/{reader_id}/revocation"
    problem(
        api.post("/v1/transit/readers/rdr_nothing/revocation", admin, {"reason": "r"}, key=None),
        404,
        "not_found",
    )
    problem(api.post(path, other_key, {"reason": "r"}, key=None), 404, "not_found")  # another operator's
    problem(api.post(path, admin, {"reason": ""}, key=None), 400, "validation_error")
    problem(api.post(path, admin, {}, key=None), 400, "validation_error")
    problem(api.post(path, resident_token, {"reason": "r"}, key=None), 403, "forbidden")
    assert state(api) == before


FORBIDDEN_TO_A_CLERK = [
    ("GET", "/v1/organizers", None),
    ("POST", "/v1/organizers", {"name": "団体"}),
    ("POST", "/v1/programs/{program}/organizers", {"organizer_id": "{organizer}"}),
    ("DELETE", "/v1/programs/{program}/organizers/{organizer}", None),
    ("POST", "/v1/principals/{organizer}/rotation", {"reason": "r"}),
    ("POST", "/v1/principals/{merchant}/rotation", {"reason": "r"}),
    ("POST", "/v1/principals/{merchant}/revocation", {"reason": "r"}),
    ("GET", "/v1/campaigns", None),
    ("GET", "/v1/cashback-campaigns", None),
    (
        "POST",
        "/v1/campaigns",
        {
            "program_id": "{program}",
            "name": "c",
            "rate_percent": 5,
            "per_resident_cap": 9,
            "starts_at": "2026-01-01T00:00:00+09:00",
            "ends_at": "2027-01-01T00:00:00+09:00",
        },
    ),
    (
        "POST",
        "/v1/cashback-campaigns",
        {
            "name": "c",
            "program_id": "{program}",
            "rate_bps": 5,
            "monthly_cap": 9,
            "starts_on": "2026-01-01",
            "merchant_ids": ["{merchant}"],
        },
    ),
    ("GET", "/v1/transit/readers", None),
    ("GET", "/v1/transit/operators", None),
    ("POST", "/v1/transit/readers", {"public_key": "{key}", "operator_id": "{operator}"}),
    ("POST", "/v1/transit/readers/{reader}/revocation", {"reason": "r"}),
]


def test_a_counter_clerk_gets_403_for_every_one_of_these_and_nothing_is_written(api: Api, admin: str) -> None:
    clerk = api.post("/v1/clerks", admin, {"name": "市民課 窓口"}, key=None).json()["token"]
    town = Transit(api, admin)
    operator_id, operator_key = town.operator()
    names = {
        "program": program(api, admin),
        "organizer": organizer(api, admin)["id"],
        "merchant": shop(api, admin)["id"],
        "operator": operator_id,
        "reader": town.reader(operator_key)[0],
        "key": public_key(Ed25519PrivateKey.generate()),
    }
    assert grant(api, admin, names["program"], names["organizer"]).status_code == 201  # one to withdraw
    before = state(api)
    for method, path, body in FORBIDDEN_TO_A_CLERK:
        filled = _fill(body, names)
        headers = {"Authorization": f"Bearer {clerk}", "Idempotency-Key": "clerk"}
        answer = api.client.request(method, path.format(**names), json=filled, headers=headers)
        problem(answer, 403, "forbidden")
    assert state(api) == before


def _fill(body: Any, names: dict[str, str]) -> Any:
    if isinstance(body, dict):
        return {key: _fill(value, names) for key, value in body.items()}
    if isinstance(body, list):
        return [_fill(value, names) for value in body]
    return body.format(**names) if isinstance(body, str) else body
