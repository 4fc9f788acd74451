"""Witnesses through the service: an admin registers a witness's key, the witness posts cosignatures (its
signature is its authentication), the service publishes them with the checkpoints and in exports, and
`verify --witness` then refuses history rewritten with the server's own key."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mitapo_ledger import (
    Cosignature,
    SignedCheckpoint,
    cosign,
    cosignature_line,
    key_id,
    public_key_b64,
    verify_export,
)
from mitapo_ledger.witness import Refused, refusal_for, witness_once
from tests.api.conftest import Api
from tests.api.test_audit_checkpoints import export, fund, keys
from tests.history import last_checkpoint, rewrite

pytestmark = pytest.mark.db

WITNESS = Ed25519PrivateKey.generate()
WITNESS_KID = key_id(WITNESS.public_key())


class ApiSource:
    """The witness's transport over the test client, as `HttpSource` over HTTP."""

    def __init__(self, api: Api, secret: str) -> None:
        self.api, self.secret = api, secret

    def export(self, since: SignedCheckpoint | None) -> list[bytes]:
        params = (
            {}
            if since is None
            else {"since_seq": since.checkpoint.seq, "since_hash": since.checkpoint.hash.hex()}
        )
        answer = self.api.get("/v1/audit/export", self.secret, params=params)
        if answer.status_code != 200:
            raise refusal_for(answer.status_code, answer.text)
        return list(answer.content.splitlines(keepends=True))

    def post(self, cosignature: Cosignature) -> None:
        answer = self.api.client.post("/v1/audit/cosignatures", json=body_of(cosignature))
        assert answer.status_code == 201, answer.text


def body_of(cosignature: Cosignature) -> dict[str, Any]:
    body = json.loads(cosignature_line(cosignature))
    del body["type"]
    return body


def register(api: Api, admin: str, key: Ed25519PrivateKey = WITNESS) -> dict[str, Any]:
    answer = api.post(
        "/v1/audit/witnesses",
        admin,
        {"name": "三鷹市監査委員", "public_key": public_key_b64(key.public_key())},
        key=None,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def cosignature_count(api: Api) -> int:
    async def count() -> int:
        async with api.runtime.db.raw() as conn:
            return int(await conn.fetchval("SELECT count(*) FROM cosignatures"))

    return api.run(count)


def test_an_admin_registers_witnesses_and_anyone_sees_them(api: Api, admin: str) -> None:
    witness = register(api, admin)
    assert witness == {
        "kid": WITNESS_KID,
        "name": "三鷹市監査委員",
        "public_key": public_key_b64(WITNESS.public_key()),
    }
    assert register(api, admin) == witness  # the same key again: the same witness
    assert api.get("/v1/audit/witnesses", None).json() == {"items": [witness]}
    answer = api.post(
        "/v1/audit/witnesses",
        api.token("auditor"),
        {"name": "x", "public_key": witness["public_key"]},
        key=None,
    )
    assert answer.status_code == 403


def test_a_witness_cosigns_and_the_export_carries_it_for_verify_witness(
    api: Api, admin: str, tmp_path: Path
) -> None:
    register(api, admin)
    auditor = api.token("auditor")
    source, state = ApiSource(api, auditor), tmp_path / "state"
    fund(api, admin, 100)
    first = witness_once(source, keys(api), WITNESS, state)
    fund(api, admin, 200)
    second = witness_once(source, keys(api), WITNESS, state)  # asks since the first: an extension
    assert second.seq > first.seq
    listed = api.get("/v1/audit/checkpoints", auditor).json()["items"]
    cosigned = {item["seq"]: [c["witness"] for c in item["cosignatures"]] for item in listed}
    assert cosigned[first.seq] == cosigned[second.seq] == [WITNESS_KID]
    fund(api, admin, 300)
    lines = export(api, auditor)
    assert json.loads(lines[-1])["type"] == "checkpoint"  # the export's own checkpoint, not yet cosigned
    report = verify_export(lines, keys(api), witnesses={WITNESS_KID: WITNESS.public_key()})
    assert report.ok, report.problems
    assert report.cosigned == ((WITNESS_KID, second.seq),)


def test_history_rewritten_with_the_servers_own_key_is_refused_by_witness(
    api: Api, admin: str, tmp_path: Path
) -> None:
    register(api, admin)
    auditor = api.token("auditor")
    source, state = ApiSource(api, auditor), tmp_path / "state"
    for points in (100, 200):
        fund(api, admin, points)
    witness_once(source, keys(api), WITNESS, state)
    fund(api, admin, 300)
    genuine = export(api, auditor)
    witnesses = {WITNESS_KID: WITNESS.public_key()}
    assert verify_export(genuine, keys(api), witnesses=witnesses).ok
    forged = rewrite(genuine, 1, "nothing happened here", api.runtime.keys.current)
    assert verify_export(forged, keys(api)).ok  # alone, it verifies
    assert [p.code for p in verify_export(forged, keys(api), witnesses=witnesses).problems] == [
        "not_cosigned"
    ]
    kept = last_checkpoint(state.read_text().splitlines(keepends=True))
    assert [p.code for p in verify_export(forged, keys(api), since=kept).problems] == ["not_an_extension"]

    class Forger(ApiSource):
        def export(self, since: SignedCheckpoint | None) -> list[bytes]:
            return [line.encode() for line in forged]

    with pytest.raises(Refused) as refused:
        witness_once(Forger(api, auditor), keys(api), WITNESS, state)
    assert refused.value.fork


def test_cosignatures_the_service_cannot_vouch_for_are_refused_and_write_nothing(
    api: Api, admin: str
) -> None:
    register(api, admin)
    fund(api, admin, 100)
    signed = last_checkpoint(export(api, admin))
    stranger = Ed25519PrivateKey.generate()
    good = body_of(cosign(signed.checkpoint, WITNESS, signed.checkpoint.signed_at))
    forged_signature = base64.b64encode(bytes(64)).decode()
    cases = [
        (body_of(cosign(signed.checkpoint, stranger, signed.checkpoint.signed_at)), 403, "witness_unknown"),
        ({**good, "signature": forged_signature}, 422, "cosignature_invalid"),
        ({**good, "hash": "ab" * 32}, 409, "checkpoint_mismatch"),
        ({**good, "seq": signed.checkpoint.seq + 7}, 404, "not_found"),
        ({**good, "cosigned_at": "2026-12-01T12:00:00+09:00"}, 400, "validation_error"),
    ]
    for body, status, code in cases:
        answer = api.client.post("/v1/audit/cosignatures", json=body)
        assert (answer.status_code, answer.json()["code"]) == (status, code), body
    assert cosignature_count(api) == 0
    assert api.client.post("/v1/audit/cosignatures", json=good).status_code == 201
    assert api.client.post("/v1/audit/cosignatures", json=good).status_code == 201  # a repeat changes nothing
    assert cosignature_count(api) == 1
