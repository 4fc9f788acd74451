"""Rotating the signing key while the service runs as several processes: two `mitapo serve` on one database
and one key directory, each with its own sealer process and checkpointer. The key is rotated through the
first; at once the second verifies a check-in code the first signed with the new key, and signs its
checkpoints with it. Entries sealed after the rotation (by the sealers' processes, which hold no key) and the
checkpoints signed before it all verify offline with `mitapo-ledger verify`."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from mitapo.accounts import auth
from mitapo.engine.keys import load_keyring
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from mitapo_ledger.cli import main as mitapo_ledger
from tests.deploy.processes import VENV_BIN, free_port, service_env, serving
from tests.integration.test_workers import with_runtime

pytestmark = pytest.mark.slow


@pytest.fixture
def two_servers(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    state = tmp_path / "state"
    load_keyring(Settings(data_dir=state).key_path)  # the signing key every process shares
    env = {"MITAPO_SEAL_INTERVAL": "0.05", "MITAPO_CHECKPOINT_INTERVAL": "0.5"}
    mitapo = str(VENV_BIN / "mitapo")
    with ExitStack() as stack:
        servers = []
        for name in ("a", "b"):
            port = free_port()
            command = [mitapo, "serve", "--port", str(port)]
            log = tmp_path / f"{name}.log"
            servers.append(
                stack.enter_context(serving(command, service_env(database_url, state, **env), port, log))
            )
        yield servers[0], servers[1]


def _call(base_url: str, method: str, path: str, secret: str | None, body: Any = None) -> Any:
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    if secret:
        headers["Authorization"] = f"Bearer {secret}"
    answer = httpx.request(method, base_url + path, json=body, headers=headers, timeout=60)
    assert answer.status_code < 300, answer.text
    return answer


def test_a_key_rotated_in_one_process_signs_and_verifies_in_the_other(
    two_servers: tuple[str, str], database_url: str, tmp_path: Path
) -> None:
    first, second = two_servers

    async def principals(runtime: Runtime) -> tuple[str, str]:
        return (await auth.create_principal(runtime.db, "admin", "a"))[1], (
            await auth.create_principal(runtime.db, "auditor", "b")
        )[1]

    admin, auditor = with_runtime(database_url, tmp_path / "state", principals)
    program = _call(first, "POST", "/v1/programs", admin, {"name": "清掃", "points_valid_days": 180}).json()[
        "id"
    ]
    _call(first, "POST", f"/v1/programs/{program}/funding", admin, {"points": 1000})
    now = datetime.now(UTC)
    event = {
        "program_id": program,
        "title": "駅前清掃",
        "points": 10,
        "starts_at": (now - timedelta(minutes=5)).isoformat(),
        "ends_at": (now + timedelta(hours=2)).isoformat(),
    }
    event_id = _call(first, "POST", "/v1/events", admin, event).json()["id"]
    before = _call(second, "GET", "/v1/audit/export", auditor).text

    rotated = _call(first, "POST", "/v1/audit/keys/rotation", admin).json()

    code = _call(first, "GET", f"/v1/events/{event_id}/checkin-code", admin).json()
    resident = _call(second, "POST", "/v1/residents", admin, {"name": "三鷹 一郎"}).json()
    claimed = _call(second, "POST", "/v1/checkins", resident["token"], {"payload": code["payload"]})
    assert claimed.json()["points"] == 10  # the second process knows the key the first made

    after = _call(second, "GET", "/v1/audit/export", auditor).text
    assert json.loads(before.splitlines()[-1])["kid"] == rotated["previous_kid"]
    assert json.loads(after.splitlines()[-1])["kid"] == rotated["kid"]
    keys = _call(second, "GET", "/v1/audit/public-keys", None).json()
    assert {k["kid"] for k in keys["keys"]} == {rotated["previous_kid"], rotated["kid"]}
    files = {"before": before, "after": after, "keys": json.dumps(keys), "kept": before.splitlines()[-1]}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    for export in ("before", "after"):
        assert (
            mitapo_ledger(["verify", str(tmp_path / export), "--public-keys-json", str(tmp_path / "keys")])
            == 0
        )
    since = ["--since", str(tmp_path / "kept")]
    assert (
        mitapo_ledger(
            ["verify", str(tmp_path / "after"), "--public-keys-json", str(tmp_path / "keys"), *since]
        )
        == 0
    )
    for base_url in two_servers:
        verified = _call(base_url, "GET", "/v1/audit/verify", auditor).json()
        assert verified["ok"] is True, verified["problems"]
