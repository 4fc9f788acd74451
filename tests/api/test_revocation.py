"""Revoking and rotating the secrets of shops, operators, organizers, auditors, admins and clerks: a revoked
secret is refused with `credential_revoked` by every worker on its next request (two apps on one database
stand for two worker processes); a rotated secret keeps working for the grace period, then stops; each action
is in the append-only staff action log, which auditors read."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing import TestClient

from mitapo.accounts import credentials
from mitapo.app import create_app
from mitapo.settings import Settings
from tests.api.conftest import Api
from tests.api.payments_support import problem, resident, shop

GRACE_SECONDS = 2


def worker(database_url: str, tmp_path: Path, name: str, **settings: Any) -> Iterator[Api]:
    config = Settings(
        data_dir=tmp_path / name,
        seal_interval=3600,
        checkpoint_interval=3600,
        rotation_grace_seconds=GRACE_SECONDS,
        **settings,
    )
    with TestClient(create_app(config, url=database_url, migrate=False)) as client:
        yield Api(client)


@pytest.fixture
def other_worker(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """A second app on the same database: what another worker process of `mitapo serve` is."""
    yield from worker(database_url, tmp_path, "second")


@pytest.fixture
def short_grace(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from worker(database_url, tmp_path, "grace")


def revoke(api: Api, admin: str, principal_id: str, reason: str = "鍵の紛失") -> Any:
    return api.post(f"/v1/principals/{principal_id}/revocation", admin, {"reason": reason}, key=None)


def actions(api: Api, secret: str, **query: Any) -> list[dict[str, Any]]:
    answer = api.get("/v1/audit/staff-actions", secret, params=query)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def test_a_revoked_shop_key_is_refused_by_every_worker_on_its_next_request(
    api: Api, other_worker: Api, admin: str
) -> None:
    merchant = shop(api, admin)
    key = merchant["api_key"]
    for app in (api, other_worker):  # both workers have seen the key work, just now
        assert app.get("/v1/merchant/payments", key).status_code == 200
    before = api.journal_size()
    revoked = revoke(api, admin, merchant["id"])
    assert revoked.status_code == 201, revoked.text
    assert revoked.json() == {"revoked": 1}
    for app in (other_worker, api):
        problem(app.get("/v1/merchant/payments", key), 401, "credential_revoked")
        problem(app.post("/v1/payment-requests", key, {"amount": 100}), 401, "credential_revoked")
    assert api.journal_size() == before  # the refusals wrote nothing
    again = revoke(api, admin, merchant["id"], "二度目")
    assert again.json() == {"revoked": 0}  # revoked once already: it stays so
    problem(api.get("/v1/merchant/payments", key), 401, "credential_revoked")


def test_every_staff_and_partner_role_can_be_revoked_but_a_resident_not_here(api: Api, admin: str) -> None:
    for role in ("organizer", "operator", "auditor", "admin", "clerk", "merchant"):
        principal_id, secret = api.run(_create, api, role)
        assert api.post("/v1/credentials/rotation", secret, None, key=None).status_code == 201
        assert revoke(api, admin, principal_id).json()["revoked"] == 2  # the current and the rotated one
    resident_id, _ = resident(api, admin)
    problem(revoke(api, admin, resident_id), 400, "validation_error")
    problem(revoke(api, admin, "mk_nobody"), 404, "not_found")
    problem(api.post("/v1/principals/x/revocation", admin, {}, key=None), 400, "validation_error")


async def _create(api: Api, role: str) -> tuple[str, str]:
    from mitapo.accounts import auth

    return await auth.create_principal(api.runtime.db, role, f"a {role}")


def test_a_rotated_secret_works_for_the_grace_period_then_stops(short_grace: Api) -> None:
    api = short_grace
    admin = api.token("admin")
    operator = api.post("/v1/transit/operators", admin, {"name": "みたかバス"}, key=None).json()
    old = operator["api_key"]
    rotated = api.post("/v1/credentials/rotation", old, None, key=None)
    assert rotated.status_code == 201, rotated.text
    new, until = rotated.json()["token"], rotated.json()["previous_valid_until"]
    assert new.startswith("mtp_op_") and new != old
    assert until > time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    for secret in (old, new):  # both work during the grace period
        assert api.get("/v1/transit/fare-rules", secret).status_code == 200
    time.sleep(GRACE_SECONDS + 0.5)
    problem(api.get("/v1/transit/fare-rules", old), 401, "credential_revoked")
    assert api.get("/v1/transit/fare-rules", new).status_code == 200


def test_a_resident_cannot_rotate_and_the_rotation_answers_once(api: Api, admin: str) -> None:
    _, secret = resident(api, admin)
    problem(api.post("/v1/credentials/rotation", secret, None, key=None), 403, "forbidden")
    problem(api.post("/v1/credentials/rotation", "mtp_adm_nobody", None, key=None), 401, "unauthorized")


def test_a_revoked_principal_gets_a_new_secret_only_by_rotation_and_its_old_ones_stay_dead(
    api: Api, admin: str
) -> None:
    merchant = shop(api, admin)
    first = merchant["api_key"]
    second = api.post("/v1/credentials/rotation", first, None, key=None).json()["token"]
    revoke(api, admin, merchant["id"])
    issued = api.run(_rotate, api, merchant["id"])
    assert issued.previous_valid_until.timestamp() <= time.time() + 1  # no grace for a revoked secret
    for dead in (first, second):
        problem(api.get("/v1/merchant/payments", dead), 401, "credential_revoked")
    assert api.get("/v1/merchant/payments", issued.token).status_code == 200


async def _rotate(api: Api, principal_id: str) -> credentials.Rotated:
    from datetime import timedelta

    return await credentials.rotate(api.runtime.db, principal_id, timedelta(days=1), actor="cli")


def test_the_staff_action_log_says_who_did_what_and_refuses_to_change(api: Api, admin: str) -> None:
    auditor = api.token("auditor")
    clerk = api.post("/v1/clerks", admin, {"name": "市民課 窓口"}, key=None).json()
    merchant = shop(api, admin)
    api.post("/v1/credentials/rotation", merchant["api_key"], None, key=None)
    revoke(api, admin, merchant["id"], "店主から紛失の届け")
    admin_id = api.run(_id_of, api, admin)
    organizer = api.post("/v1/organizers", admin, {"name": "緑と公園課"}, key=None).json()
    operator = api.post("/v1/transit/operators", admin, {"name": "みたかバス"}, key=None).json()
    seen = [(a["actor"], a["action"], a["subject"], a["reason"]) for a in actions(api, auditor)]
    assert seen == [
        (admin_id, "principal.created", clerk["id"], "clerk: 市民課 窓口"),
        (admin_id, "principal.created", merchant["id"], "merchant: 三鷹農園"),
        (merchant["id"], "principal.rotated", merchant["id"], ""),
        (admin_id, "principal.revoked", merchant["id"], "店主から紛失の届け"),
        (admin_id, "principal.created", organizer["id"], "organizer: 緑と公園課"),
        (admin_id, "principal.created", operator["id"], "operator: みたかバス"),
    ]
    assert [a["action"] for a in actions(api, admin, subject=clerk["id"])] == ["principal.created"]
    page = api.get("/v1/audit/staff-actions", auditor, params={"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_after_id"] == page["items"][1]["id"]
    rest = api.get("/v1/audit/staff-actions", auditor, params={"after_id": page["next_after_id"]}).json()
    assert len(rest["items"]) == 4 and rest["next_after_id"] is None
    problem(api.get("/v1/audit/staff-actions", merchant["api_key"]), 401, "credential_revoked")
    problem(api.get("/v1/audit/staff-actions", clerk["token"]), 403, "forbidden")
    for statement in ("UPDATE staff_actions SET reason = 'x'", "DELETE FROM staff_actions"):
        with pytest.raises(asyncpg.PostgresError):
            api.run(_execute, api, statement)
    assert len(actions(api, auditor)) == 6


async def _id_of(api: Api, secret: str) -> str:
    found = await api.client.app.state.authenticator(secret)
    return str(found.id)


async def _execute(api: Api, statement: str) -> None:
    async with api.runtime.db.raw() as conn:
        await conn.execute(statement)
