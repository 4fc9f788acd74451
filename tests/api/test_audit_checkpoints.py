"""An export answers with a checkpoint made for it, and the service keeps and lists every checkpoint it signs.

Before issue 22 an export stopped at the latest periodic checkpoint: an export in a new install's first minute
held nothing verifiable, and one right after a write left that write out.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mitapo_ledger import public_key_from_b64, verify_export
from tests.api.conftest import Api
from tests.history import last_checkpoint, rewrite

pytestmark = pytest.mark.db


def keys(api: Api) -> dict[str, Any]:
    listed = api.get("/v1/audit/public-keys", None).json()["keys"]
    return {item["kid"]: public_key_from_b64(item["public_key"]) for item in listed}


def fund(api: Api, admin: str, points: int) -> str:
    program = api.post("/v1/programs", admin, {"name": "森の清掃", "points_valid_days": 180}).json()["id"]
    answer = api.post(f"/v1/programs/{program}/funding", admin, {"points": points})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["entry_id"])


def export(api: Api, secret: str, **params: Any) -> list[str]:
    answer = api.get("/v1/audit/export", secret, params=params)
    assert answer.status_code == 200, answer.text
    return answer.text.splitlines(keepends=True)


def test_a_new_install_verifies_at_once(api: Api, admin: str) -> None:
    lines = export(api, admin)
    report = verify_export(lines, keys(api))
    assert report.ok, report.problems
    assert (report.entries_checked, report.head_seq) == (0, 0)


def test_an_export_right_after_a_write_covers_it_and_verifies(api: Api, admin: str) -> None:
    auditor = api.token("auditor")
    entry_id = fund(api, admin, 5000)  # not sealed, no periodic checkpoint yet
    lines = export(api, auditor)
    report = verify_export(lines, keys(api))
    assert report.ok, report.problems
    assert report.head_seq == 1
    assert f'"id":"{entry_id}"' in lines[0]


def test_every_signed_checkpoint_is_kept_and_listed(api: Api, admin: str) -> None:
    auditor = api.token("auditor")
    empty = export(api, admin)[-1]
    fund(api, admin, 100)
    first = export(api, admin)[-1]
    fund(api, admin, 200)
    second = export(api, admin)[-1]
    export(api, admin)  # nothing new: the same checkpoint again, not another one
    answer = api.get("/v1/audit/checkpoints", auditor)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["items"] == [{**json.loads(line), "cosignatures": []} for line in (empty, first, second)]
    assert body["next_after_seq"] is None
    seqs = [item["seq"] for item in body["items"]]
    page = api.get("/v1/audit/checkpoints", auditor, params={"after_seq": 0, "limit": 1}).json()
    assert ([item["seq"] for item in page["items"]], page["next_after_seq"]) == (seqs[1:2], seqs[1])


@pytest.mark.parametrize("role", ["resident", "organizer"])
def test_only_admins_and_auditors_list_checkpoints(api: Api, role: str) -> None:
    assert api.get("/v1/audit/checkpoints", api.token(role)).status_code == 403
    assert api.get("/v1/audit/checkpoints", None).status_code == 401


def test_an_export_since_a_kept_checkpoint_holds_what_follows_and_proves_it_extends_it(
    api: Api, admin: str
) -> None:
    fund(api, admin, 100)
    before = export(api, admin)
    kept = last_checkpoint(before)
    fund(api, admin, 200)
    since = {"since_seq": kept.checkpoint.seq, "since_hash": kept.checkpoint.hash.hex()}
    lines = export(api, admin, **since)
    assert json.loads(lines[0])["type"] == "start"
    assert lines[1] == before[-1]
    report = verify_export(lines, keys(api), since=kept)
    assert report.ok, report.problems
    assert (report.start_seq, report.entries_checked) == (kept.checkpoint.seq, 1)
    full = export(api, admin)
    assert verify_export(full, keys(api), since=kept).ok


def test_an_export_since_a_checkpoint_the_service_did_not_sign_is_refused(api: Api, admin: str) -> None:
    fund(api, admin, 100)
    kept = last_checkpoint(export(api, admin))
    seq, other = kept.checkpoint.seq, "ab" * 32
    mismatch = api.get("/v1/audit/export", admin, params={"since_seq": seq, "since_hash": other})
    assert (mismatch.status_code, mismatch.json()["code"]) == (409, "checkpoint_mismatch")
    unknown = api.get("/v1/audit/export", admin, params={"since_seq": seq + 5, "since_hash": other})
    assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    half = api.get("/v1/audit/export", admin, params={"since_seq": seq})
    assert half.status_code == 400


def test_history_rewritten_with_the_servers_own_key_is_refused_by_since(api: Api, admin: str) -> None:
    for points in (100, 200, 300):
        fund(api, admin, points)
    kept = last_checkpoint(export(api, admin))
    fund(api, admin, 400)
    genuine = export(api, admin)
    forged = rewrite(genuine, 1, "nothing happened here", api.runtime.keys.current)
    assert verify_export(forged, keys(api)).ok  # the key holder can make a history that verifies alone
    report = verify_export(forged, keys(api), since=kept)
    assert [p.code for p in report.problems] == ["not_an_extension"]
    assert verify_export(genuine, keys(api), since=kept).ok
