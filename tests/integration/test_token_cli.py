"""`mitapo token create|rotate|revoke`: the command line makes, rotates and revokes a principal's secret on
the server itself (no admin secret needed), each recorded in the staff action log as done by `cli`."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.cli.main import main as mitapo
from mitapo.settings import Settings

pytestmark = pytest.mark.db


def status(database_url: str, tmp_path: Path, secrets: list[str]) -> list[tuple[int, str]]:
    settings = Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600)
    with TestClient(create_app(settings, url=database_url, migrate=False)) as client:
        answers = [
            client.get("/v1/audit/trial-balance", headers={"Authorization": f"Bearer {s}"}) for s in secrets
        ]
    return [(a.status_code, a.json().get("code", "")) for a in answers]


def created(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """`token create` says "created ROLE ID (NAME) …", then the secret alone on the last line."""
    said = capsys.readouterr().out.splitlines()
    line = next(line for line in said if line.startswith("created "))
    return line.split()[2], said[-1]


def test_the_command_line_creates_rotates_and_revokes_a_secret(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MITAPO_DATABASE_URL", database_url)
    monkeypatch.setenv("MITAPO_DATA_DIR", str(tmp_path))
    assert mitapo(["token", "create", "--role", "auditor", "--name", "監査委員"]) == 0
    principal_id, first = created(capsys)
    assert mitapo(["token", "rotate", "--principal", principal_id, "--grace", "3600"]) == 0
    second = capsys.readouterr().out.splitlines()[-1]
    assert status(database_url, tmp_path, [first, second]) == [(200, ""), (200, "")]  # the grace period
    assert mitapo(["token", "revoke", "--principal", principal_id, "--reason", "任期満了"]) == 0
    assert "2 secret(s) stopped" in capsys.readouterr().out
    revoked = (401, "credential_revoked")
    assert status(database_url, tmp_path, [first, second]) == [revoked, revoked]
    assert mitapo(["token", "rotate", "--principal", principal_id]) == 0
    third = capsys.readouterr().out.splitlines()[-1]
    assert status(database_url, tmp_path, [first, second, third]) == [revoked, revoked, (200, "")]
    assert mitapo(["token", "revoke", "--principal", "aud_nobody", "--reason", "x"]) == 1
    assert mitapo(["token", "create", "--role", "admin", "--name", "監査係"]) == 0
    admin_id, admin = created(capsys)
    settings = Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600)
    with TestClient(create_app(settings, url=database_url, migrate=False)) as client:
        log = client.get("/v1/audit/staff-actions", headers={"Authorization": f"Bearer {admin}"}).json()
    assert [(a["actor"], a["action"], a["subject"]) for a in log["items"]] == [
        ("cli", "principal.created", principal_id),
        ("cli", "principal.rotated", principal_id),
        ("cli", "principal.revoked", principal_id),
        ("cli", "principal.secret_issued", principal_id),  # a revoked principal's new secret
        ("cli", "principal.created", admin_id),  # the refused revocation of no one left no line
    ]


def test_the_command_line_rotates_the_signing_key_and_logs_it(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`mitapo keys rotate` rotates as the console's button does: the new key published and the rotation in
    the staff action log, by `cli`, with the new key's id as its subject."""
    monkeypatch.setenv("MITAPO_DATABASE_URL", database_url)
    monkeypatch.setenv("MITAPO_DATA_DIR", str(tmp_path))
    assert mitapo(["token", "create", "--role", "admin", "--name", "監査係"]) == 0
    _, admin = created(capsys)
    assert mitapo(["keys", "rotate"]) == 0
    kid = capsys.readouterr().out.split()[2].rstrip(";")
    settings = Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600)
    with TestClient(create_app(settings, url=database_url, migrate=False)) as client:
        headers = {"Authorization": f"Bearer {admin}"}
        log = client.get("/v1/audit/staff-actions?action=signing_key.rotated", headers=headers).json()
        published = client.get("/v1/audit/public-keys").json()["keys"]
    assert [(a["actor"], a["subject"]) for a in log["items"]] == [("cli", kid)]
    assert kid in {key["kid"] for key in published}
