"""Signing keys: `mitapo keys rotate` makes a new key current; the retired key stays published, so every
checkpoint it signed, and every export an auditor kept from before, still verifies offline. Private keys are
owner-only files and never leave them: not in a log line, an answer, an export or the database."""

from __future__ import annotations

import asyncio
import base64
import json
import stat
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from cryptography.hazmat.primitives import serialization
from litestar.testing import TestClient

from mitapo.accounts import auth
from mitapo.app import create_app
from mitapo.cli.main import main as mitapo
from mitapo.engine import ledger
from mitapo.engine.keys import load_keyring
from mitapo.runtime import Runtime
from mitapo.settings import Settings
from mitapo_ledger.cli import main as mitapo_ledger


def _session(url: str, data_dir: Path, amounts: list[int]) -> dict[str, Any]:
    """Start the app (as a restart would), write and checkpoint entries, and collect what it shows."""
    settings = Settings(data_dir=data_dir, seal_interval=3600, checkpoint_interval=3600, log_json=True)
    with TestClient(create_app(settings, url=url)) as client:
        runtime: Runtime = client.app.state.runtime
        call = client.blocking_portal.call
        _, admin = call(auth.create_principal, runtime.db, "auditor", "auditor")
        for amount in amounts:
            call(ledger.fund_program, runtime.db, "p", amount)
        call(runtime.checkpoint_now)
        headers = {"Authorization": f"Bearer {admin}"}
        return {
            "keys": client.get("/v1/audit/public-keys").json(),
            "export": client.get("/v1/audit/export", headers=headers).text,
            "verify": client.get("/v1/audit/verify", headers=headers).json(),
            "current": runtime.keys.current_kid,
        }


def _secrets(key_dir: Path) -> list[str]:
    """Every spelling of every private key: the PEM file, its body, the raw bytes in base64 and hex."""
    spellings = []
    for pem in key_dir.glob("*.pem"):
        text = pem.read_text()
        raw = serialization.load_pem_private_key(text.encode(), password=None).private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        body = "".join(line for line in text.splitlines() if "-----" not in line)
        spellings += [body, base64.b64encode(raw).decode(), raw.hex()]
    return spellings


async def _database_text(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT kid, encode(public_key, 'base64') AS b64, encode(public_key, 'hex') AS hex "
            "FROM signing_keys"
        )
        checkpoints = await conn.fetch("SELECT kid, encode(signature, 'hex') AS sig FROM checkpoints")
        return json.dumps([dict(r) for r in rows] + [dict(r) for r in checkpoints])
    finally:
        await conn.close()


def test_rotation_keeps_old_checkpoints_verifiable_and_keys_private(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    key_dir = Settings(data_dir=tmp_path).key_path
    before = _session(database_url, tmp_path, [100, 200])

    monkeypatch.setenv("MITAPO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MITAPO_SIGNING_KEY_PATH", raising=False)
    assert mitapo(["keys", "rotate"]) == 0
    after = _session(database_url, tmp_path, [300])  # restarted: signs with the new key

    retired, current = before["current"], after["current"]
    assert retired != current and load_keyring(key_dir).current_kid == current
    assert {k["kid"] for k in after["keys"]["keys"]} == {retired, current}
    assert after["verify"]["ok"] is True and after["verify"]["entries_checked"] == 3
    assert json.loads(after["export"].splitlines()[-1])["kid"] == current

    # An export kept from before the rotation verifies offline with the keys published after it.
    old_export, keys_file = tmp_path / "old.ndjson", tmp_path / "keys.json"
    old_export.write_text(before["export"])
    keys_file.write_text(json.dumps(after["keys"]))
    assert json.loads(before["export"].splitlines()[-1])["kid"] == retired
    assert mitapo_ledger(["verify", str(old_export), "--public-keys-json", str(keys_file)]) == 0
    retired_key = next(k["public_key"] for k in after["keys"]["keys"] if k["kid"] == retired)
    assert mitapo_ledger(["verify", str(old_export), "--public-key", retired_key]) == 0
    new_export = tmp_path / "new.ndjson"
    new_export.write_text(after["export"])
    assert mitapo_ledger(["verify", str(new_export), "--public-keys-json", str(keys_file)]) == 0

    # Owner-only files in an owner-only directory.
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    pems = sorted(key_dir.glob("*.pem"))
    assert [p.stem for p in pems] == sorted([retired, current])
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in pems)

    # Nowhere else: not in any log line or output, answer, export or database row.
    captured = capfd.readouterr()
    shown = (
        captured.out + captured.err + json.dumps([before, after]) + asyncio.run(_database_text(database_url))
    )
    assert '"event": "request"' in captured.out or '"event":"request"' in captured.out.replace(" ", "")
    for secret in _secrets(key_dir):
        assert secret not in shown
