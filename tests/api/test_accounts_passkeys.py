"""Enrollment codes, passkeys, sessions, devices and a lost phone's revocation, through the API with a
software authenticator (tests/api/passkey_support.py) checked by the real py_webauthn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.settings import Settings
from tests.api.conftest import Api
from tests.api.passkey_support import (
    SoftAuthenticator,
    enroll,
    session_cookie,
    sign_in,
    sign_in_options,
    with_cookie,
)


def counts(api: Api) -> tuple[int, ...]:
    """Everything the devices' tables hold, and the journal: what 'wrote nothing' is measured against."""

    async def read() -> tuple[int, ...]:
        async with api.runtime.db.raw() as conn:
            row = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM enrollments WHERE used_at IS NOT NULL),"
                " (SELECT count(*) FROM passkeys), (SELECT count(*) FROM resident_sessions),"
                " (SELECT count(*) FROM webauthn_challenges WHERE used_at IS NOT NULL),"
                " (SELECT coalesce(sum(sign_count), 0) FROM passkeys)"
            )
            return tuple(row)

    return (*api.run(read), api.journal_size())


def new_resident(api: Api, admin: str, name: str = "三鷹 花子") -> dict[str, Any]:
    response = api.post("/v1/residents", admin, {"name": name}, key=None)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def enrolled(api: Api, admin: str) -> tuple[dict[str, Any], SoftAuthenticator, str]:
    """A resident whose phone enrolled: (the resident as created, the phone, the phone's session cookie)."""
    resident = new_resident(api, admin)
    phone = SoftAuthenticator()
    response = enroll(api, resident["enrollment"]["code"], phone)
    assert response.status_code == 201, response.text
    return resident, phone, session_cookie(response)


def test_a_new_resident_comes_with_an_enrollment_code_as_text_link_and_qr(api: Api, admin: str) -> None:
    resident = new_resident(api, admin)
    assert resident["token"].startswith("mtp_res_")
    enrollment = resident["enrollment"]
    assert enrollment["url"] == f"http://localhost:8000/app/enroll#code={enrollment['code']}"
    assert enrollment["qr_svg"].lstrip().startswith("<?xml") or "<svg" in enrollment["qr_svg"]
    assert enrollment["expires_at"] > "2026"

    async def stored() -> list[Any]:
        async with api.runtime.db.raw() as conn:
            return list(await conn.fetch("SELECT code_hash FROM enrollments"))

    assert all(enrollment["code"].encode() not in bytes(row["code_hash"]) for row in api.run(stored))


def test_the_enrolled_phone_is_signed_in_by_a_cookie_and_the_code_works_once(
    api: Api, enrolled: tuple[dict[str, Any], SoftAuthenticator, str]
) -> None:
    resident, _, cookie = enrolled
    me = with_cookie(api, "GET", "/v1/me", cookie)
    assert me.status_code == 200, me.text
    assert me.json()["id"] == resident["id"]
    before = counts(api)
    again = api.client.post("/v1/enrollments/passkey-options", json={"code": resident["enrollment"]["code"]})
    assert again.status_code == 409
    assert again.json()["code"] == "code_used"
    assert counts(api) == before


def test_an_expired_or_unknown_or_replaced_code_is_refused(api: Api, admin: str) -> None:
    resident = new_resident(api, admin)

    async def expire() -> None:
        async with api.runtime.db.raw() as conn:
            await conn.execute(
                "UPDATE enrollments SET created_at = now() - interval '15 days',"
                " expires_at = now() - interval '1 day' WHERE resident_id = $1",
                resident["id"],
            )

    api.run(expire)
    before = counts(api)
    expired = api.client.post(
        "/v1/enrollments/passkey-options", json={"code": resident["enrollment"]["code"]}
    )
    assert (expired.status_code, expired.json()["code"]) == (422, "code_expired")
    unknown = api.client.post("/v1/enrollments/passkey-options", json={"code": "AAAA-BBBB-CCCC"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "code_invalid")
    assert counts(api) == before

    first = api.post(f"/v1/residents/{resident['id']}/enrollments", admin, None, key=None).json()
    second = api.post(f"/v1/residents/{resident['id']}/enrollments", admin, None, key=None).json()
    replaced = api.client.post("/v1/enrollments/passkey-options", json={"code": first["code"]})
    assert replaced.json()["code"] == "code_expired"
    assert enroll(api, second["code"].lower().replace("-", " "), SoftAuthenticator()).status_code == 201


def test_a_code_expiring_between_the_steps_registers_nothing(api: Api, admin: str) -> None:
    resident = new_resident(api, admin)
    started = api.client.post(
        "/v1/enrollments/passkey-options", json={"code": resident["enrollment"]["code"]}
    ).json()

    async def expire() -> None:
        async with api.runtime.db.raw() as conn:
            await conn.execute(
                "UPDATE enrollments SET created_at = now() - interval '15 days',"
                " expires_at = now() - interval '1 second'"
            )

    api.run(expire)
    before = counts(api)
    credential = SoftAuthenticator().create(started["public_key"])
    response = api.client.post(
        "/v1/enrollments/passkey", json={"challenge_id": started["challenge_id"], "credential": credential}
    )
    assert (response.status_code, response.json()["code"]) == (422, "code_expired")
    assert counts(api) == before


@pytest.mark.parametrize(("knob", "value"), [("origin", "https://evil.example"), ("rp_id", "evil.example")])
def test_a_registration_for_another_origin_or_rp_id_is_refused(
    api: Api, admin: str, knob: str, value: str
) -> None:
    resident = new_resident(api, admin)
    before = counts(api)
    response = enroll(api, resident["enrollment"]["code"], SoftAuthenticator(), **{knob: value})
    assert (response.status_code, response.json()["code"]) == (422, "passkey_invalid")
    assert counts(api) == before
    assert enroll(api, resident["enrollment"]["code"], SoftAuthenticator()).status_code == 201


def test_signing_in_later_with_the_passkey(
    api: Api, enrolled: tuple[dict[str, Any], SoftAuthenticator, str]
) -> None:
    resident, phone, _ = enrolled
    response = sign_in(api, phone)
    assert response.status_code == 201, response.text
    assert response.json()["resident_id"] == resident["id"]
    me = with_cookie(api, "GET", "/v1/me", session_cookie(response))
    assert me.json()["id"] == resident["id"]


def test_a_replayed_assertion_is_refused(
    api: Api, enrolled: tuple[dict[str, Any], SoftAuthenticator, str]
) -> None:
    _, phone, _ = enrolled
    started = sign_in_options(api)
    body = {"challenge_id": started["challenge_id"], "credential": phone.get(started["public_key"])}
    assert api.client.post("/v1/sessions/passkey", json=body).status_code == 201
    before = counts(api)
    replayed = api.client.post("/v1/sessions/passkey", json=body)
    assert (replayed.status_code, replayed.json()["code"]) == (422, "passkey_invalid")
    # the same answer to a fresh challenge is no better: it signed the old one
    fresh = sign_in_options(api)
    replayed = api.client.post(
        "/v1/sessions/passkey", json={"challenge_id": fresh["challenge_id"], "credential": body["credential"]}
    )
    assert (replayed.status_code, replayed.json()["code"]) == (422, "passkey_invalid")
    assert counts(api) == before


@pytest.mark.parametrize(
    ("knob", "value"), [("origin", "http://localhost:8001"), ("rp_id", "mitapo.example"), ("count", 0)]
)
def test_a_wrong_origin_rp_id_or_a_cloned_counter_is_refused(
    api: Api, enrolled: tuple[dict[str, Any], SoftAuthenticator, str], knob: str, value: Any
) -> None:
    _, phone, _ = enrolled
    assert sign_in(api, phone).status_code == 201  # the counter is at 1 now
    before = counts(api)
    response = sign_in(api, phone, **{knob: value})
    assert (response.status_code, response.json()["code"]) == (422, "passkey_invalid")
    assert counts(api) == before


def test_a_cloned_authenticator_behind_the_real_one_is_refused(
    api: Api, enrolled: tuple[dict[str, Any], SoftAuthenticator, str]
) -> None:
    _, phone, _ = enrolled
    clone = SoftAuthenticator(phone.key, phone.credential_id, phone.sign_count, phone.user_handle)
    assert sign_in(api, phone).status_code == 201
    assert sign_in(api, phone).status_code == 201
    response = sign_in(api, clone)  # its counter is behind the one the service saw
    assert (response.status_code, response.json()["code"]) == (422, "passkey_invalid")


def test_another_residents_passkey_is_refused(
    api: Api, admin: str, enrolled: tuple[dict[str, Any], SoftAuthenticator, str]
) -> None:
    resident, phone, _ = enrolled
    other = new_resident(api, admin, "三鷹 太郎")
    other_phone = SoftAuthenticator()
    assert enroll(api, other["enrollment"]["code"], other_phone).status_code == 201
    before = counts(api)
    # the other resident's passkey, claiming to be this resident
    response = sign_in(api, other_phone, user_handle=resident["id"].encode())
    assert (response.status_code, response.json()["code"]) == (422, "passkey_invalid")
    # this resident's credential id, signed with the other resident's key
    forged = SoftAuthenticator(other_phone.key, phone.credential_id, 10, phone.user_handle)
    response = sign_in(api, forged)
    assert (response.status_code, response.json()["code"]) == (422, "passkey_invalid")
    unknown = sign_in(api, SoftAuthenticator(user_handle=resident["id"].encode()))
    assert (unknown.status_code, unknown.json()["code"]) == (401, "unauthorized")
    assert counts(api) == before


def test_malformed_answers_are_refused_not_failed(api: Api) -> None:
    started = sign_in_options(api)
    for credential in ({}, {"id": "x", "rawId": "y", "type": "public-key", "response": {}}, {"response": 1}):
        response = api.client.post(
            "/v1/sessions/passkey", json={"challenge_id": started["challenge_id"], "credential": credential}
        )
        assert response.status_code == 422, response.text
        assert response.json()["code"] == "passkey_invalid"


def test_a_resident_lists_and_removes_their_devices(
    api: Api, admin: str, enrolled: tuple[dict[str, Any], SoftAuthenticator, str]
) -> None:
    resident, phone, cookie = enrolled
    tablet = SoftAuthenticator()
    second = api.post(f"/v1/residents/{resident['id']}/enrollments", admin, None, key=None).json()
    tablet_cookie = session_cookie(enroll(api, second["code"], tablet))
    listed = with_cookie(api, "GET", "/v1/me/devices", cookie).json()["items"]
    assert len(listed) == 2
    assert {d["name"] for d in listed} == {"らくらくフォン"}
    tablet_id = listed[1]["id"]

    other = new_resident(api, admin, "三鷹 太郎")
    other_cookie = session_cookie(enroll(api, other["enrollment"]["code"], SoftAuthenticator()))
    assert with_cookie(api, "DELETE", f"/v1/me/devices/{tablet_id}", other_cookie).status_code == 404

    assert with_cookie(api, "DELETE", f"/v1/me/devices/{tablet_id}", cookie).status_code == 204
    assert [d["id"] for d in with_cookie(api, "GET", "/v1/me/devices", cookie).json()["items"]] != [tablet_id]
    gone = with_cookie(api, "GET", "/v1/me", tablet_cookie)
    assert (gone.status_code, gone.json()["code"]) == (401, "credential_revoked")
    refused = sign_in(api, tablet)
    assert (refused.status_code, refused.json()["code"]) == (401, "credential_revoked")
    assert sign_in(api, phone).status_code == 201


def test_signing_out_ends_the_session(
    api: Api, enrolled: tuple[dict[str, Any], SoftAuthenticator, str]
) -> None:
    _, _, cookie = enrolled
    out = with_cookie(api, "DELETE", "/v1/me/session", cookie)
    assert out.status_code == 204
    assert 'mitapo_session=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
    assert with_cookie(api, "GET", "/v1/me", cookie).status_code == 401


def test_a_token_opens_a_session_for_the_page(api: Api, admin: str) -> None:
    resident = new_resident(api, admin)
    response = api.post("/v1/sessions", resident["token"], None, key=None)
    assert response.status_code == 201, response.text
    assert with_cookie(api, "GET", "/v1/me", session_cookie(response)).json()["id"] == resident["id"]
    assert api.post("/v1/sessions", admin, None, key=None).status_code == 403


def test_a_lost_phone_is_revoked_and_a_new_one_enrolls_with_the_balance_unchanged(
    api: Api, admin: str, enrolled: tuple[dict[str, Any], SoftAuthenticator, str]
) -> None:
    resident, phone, cookie = enrolled
    topup = {"resident_id": resident["id"], "amount": 1200, "channel": "counter", "external_ref": "r-1"}
    assert api.post("/v1/topups", admin, topup).status_code == 201
    token_session = session_cookie(api.post("/v1/sessions", resident["token"], None, key=None))
    wallet = api.get("/v1/me", resident["token"]).json()
    history = api.get("/v1/me/entries", resident["token"]).json()
    journal = api.journal_size()

    assert (
        api.post(f"/v1/residents/{resident['id']}/revocation", resident["token"], {"reason": "x"}).status_code
        == 403
    )
    response = api.post(
        f"/v1/residents/{resident['id']}/revocation", admin, {"reason": "紛失（交番に届出済み）"}
    )
    assert response.status_code == 201, response.text
    revoked = response.json()
    assert revoked["revoked"] == revoked["passkeys"] + revoked["sessions"] + revoked["enrollments"] + 1
    assert (revoked["passkeys"], revoked["sessions"], revoked["tokens"]) == (1, 2, 1)
    assert api.journal_size() == journal

    for refused in (
        api.get("/v1/me", resident["token"]),
        with_cookie(api, "GET", "/v1/me", cookie),
        with_cookie(api, "GET", "/v1/me", token_session),
        sign_in(api, phone),
    ):
        assert (refused.status_code, refused.json()["code"]) == (401, "credential_revoked"), refused.text

    issued = api.post(f"/v1/residents/{resident['id']}/enrollments", admin, None, key=None)
    assert issued.status_code == 201
    new_phone = SoftAuthenticator()
    new_cookie = session_cookie(enroll(api, issued.json()["code"], new_phone))
    assert with_cookie(api, "GET", "/v1/me", new_cookie).json() == wallet
    assert with_cookie(api, "GET", "/v1/me/entries", new_cookie).json() == history
    assert sign_in(api, new_phone).status_code == 201
    assert api.post("/v1/residents/res_nobody/revocation", admin, {"reason": "x"}).status_code == 404


def test_the_printable_letter_holds_a_new_code_and_its_qr(api: Api, admin: str) -> None:
    resident = new_resident(api, admin, "井の頭 一郎")
    response = api.post(f"/v1/residents/{resident['id']}/enrollments/letter", admin, None, key=None)
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "井の頭 一郎 様" in page and "<svg" in page and "1回だけ" in page
    old = api.client.post("/v1/enrollments/passkey-options", json={"code": resident["enrollment"]["code"]})
    assert old.json()["code"] == "code_expired"  # the letter's code replaced the first one


def test_a_revoked_token_is_refused_at_once_by_another_worker_that_answered_it(
    api: Api, admin: str, database_url: str, tmp_path: Path
) -> None:
    """Two workers on one database: the other one answered the token a moment before this one revokes it
    (a worker remembers secrets for a few seconds, never a resident's)."""
    resident = new_resident(api, admin)
    headers = {"Authorization": f"Bearer {resident['token']}"}
    other = create_app(
        Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600),
        url=database_url,
        migrate=False,
    )
    with TestClient(other) as worker:
        assert worker.get("/v1/me", headers=headers).status_code == 200  # a till's key: remembered
        revoked = api.post(f"/v1/residents/{resident['id']}/revocation", admin, {"reason": "紛失"})
        assert revoked.status_code == 201
        refused = worker.get("/v1/me", headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (401, "credential_revoked")


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": "x", "rawId": "x", "type": "public-key", "response": {"clientDataJSON": 1}},
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {"clientDataJSON": "%%", "attestationObject": "AA"},
        },
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "attestationObject": "oA"},
        },
        {"id": [], "rawId": {}, "type": None, "response": []},
    ],
)
def test_malformed_registrations_are_refused_and_write_nothing(
    api: Api, admin: str, credential: dict[str, Any]
) -> None:
    resident = new_resident(api, admin)
    started = api.client.post(
        "/v1/enrollments/passkey-options", json={"code": resident["enrollment"]["code"]}
    )
    before = counts(api)
    response = api.client.post(
        "/v1/enrollments/passkey",
        json={"challenge_id": started.json()["challenge_id"], "credential": credential},
    )
    assert (response.status_code, response.json()["code"]) == (422, "passkey_invalid"), response.text
    assert counts(api) == before
