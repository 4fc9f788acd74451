"""Rotating the signing key from the console (`POST /v1/audit/keys/rotation`): the new key is published and
current at once, signs every checkpoint after it, and the checkpoints of the old key still verify offline
(`mitapo-ledger verify`); the rotation is a staff action; nobody but an admin may do it, and a refused
rotation changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mitapo.engine import ledger
from mitapo.engine.keys import load_keyring
from mitapo_ledger.cli import main as mitapo_ledger
from tests.api.conftest import Api
from tests.api.payments_support import problem, rows


def _export(api: Api, auditor: str, folder: Path, name: str) -> tuple[Path, dict[str, Any]]:
    """An export as an auditor keeps it, and its signed checkpoint (the last line)."""
    answer = api.get("/v1/audit/export", auditor)
    assert answer.status_code == 200, answer.text
    path = folder / f"{name}.ndjson"
    path.write_text(answer.text)
    return path, json.loads(answer.text.splitlines()[-1])


def _verifies(export: Path, keys: Path, *more: str) -> bool:
    return mitapo_ledger(["verify", str(export), "--public-keys-json", str(keys), *more]) == 0


def test_an_admin_rotates_the_key_and_old_and_new_checkpoints_verify_offline(
    api: Api, admin: str, tmp_path: Path
) -> None:
    auditor = api.token("auditor")
    api.run(ledger.fund_program, api.runtime.db, "p", 100)
    old_export, old_checkpoint = _export(api, auditor, tmp_path, "before")
    retired = api.runtime.keys.current_kid
    assert old_checkpoint["kid"] == retired

    rotated = api.post("/v1/audit/keys/rotation", admin, None, key=None)

    assert rotated.status_code == 201, rotated.text
    new = rotated.json()
    assert new["previous_kid"] == retired and new["kid"] != retired
    assert (
        api.runtime.keys.current_kid == new["kid"] == load_keyring(api.runtime.settings.key_path).current_kid
    )
    published = api.get("/v1/audit/public-keys", None).json()
    assert {k["kid"]: k["public_key"] for k in published["keys"]}[new["kid"]] == new["public_key"]
    assert {k["kid"] for k in published["keys"]} == {retired, new["kid"]}
    admin_id = api.get("/v1/staff/me", admin).json()["id"]
    logged = api.get(f"/v1/audit/staff-actions?subject={new['kid']}", admin).json()["items"]
    assert [(a["actor"], a["action"]) for a in logged] == [(admin_id, "signing_key.rotated")]
    assert retired in logged[0]["reason"]

    api.run(ledger.fund_program, api.runtime.db, "p", 200)
    new_export, new_checkpoint = _export(api, auditor, tmp_path, "after")
    assert new_checkpoint["kid"] == new["kid"] and new_checkpoint["seq"] == 2

    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(published))
    assert _verifies(old_export, keys) and _verifies(new_export, keys)
    assert mitapo_ledger(["verify", str(old_export), "--public-key", published["keys"][0]["public_key"]]) == 0
    since = tmp_path / "since.ndjson"
    since.write_text(old_export.read_text().splitlines()[-1])  # the checkpoint line as the auditor kept it
    assert _verifies(new_export, keys, "--since", str(since))
    verified = api.get("/v1/audit/verify", auditor).json()
    assert verified["ok"] is True, verified["problems"]


def test_only_an_admin_rotates_and_a_refusal_changes_nothing(api: Api, admin: str) -> None:
    key_dir = api.runtime.settings.key_path
    clerk = api.post("/v1/clerks", admin, {"name": "窓口"}, key=None).json()["token"]
    others = (clerk, api.token("auditor"), api.token("organizer"))
    before = (sorted(key_dir.iterdir()), rows(api, "signing_keys"), rows(api, "staff_actions"))
    current = api.runtime.keys.current_kid

    for secret in others:
        problem(api.post("/v1/audit/keys/rotation", secret, None, key=None), 403, "forbidden")
    problem(api.post("/v1/audit/keys/rotation", "", None, key=None), 401, "unauthorized")

    assert (sorted(key_dir.iterdir()), rows(api, "signing_keys"), rows(api, "staff_actions")) == before
    assert api.runtime.keys.current_kid == current
