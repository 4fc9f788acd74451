"""`mitapo-ledger witness`: it cosigns a head that extends the one it cosigned before, and refuses a fork
(history rewritten with the server's own key, or rolled back) loudly, posts nothing and keeps its state."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.history import full_export, last_checkpoint, rewrite

from mitapo_ledger import (
    Cosignature,
    SignedCheckpoint,
    cosignature_valid,
    key_id,
    public_key_b64,
    verify_export,
)
from mitapo_ledger.cli import main
from mitapo_ledger.witness import Refused, read_state, witness_once

SERVER = Ed25519PrivateKey.generate()
SERVER_KEYS = {key_id(SERVER.public_key()): SERVER.public_key()}
WITNESS = Ed25519PrivateKey.generate()


class FakeService:
    """Serves whatever export it holds (a full export passes through any earlier checkpoint) and keeps
    every cosignature posted to it."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.posted: list[Cosignature] = []
        self.asked: list[SignedCheckpoint | None] = []

    def export(self, since: SignedCheckpoint | None) -> list[bytes]:
        self.asked.append(since)
        return [line.encode() for line in self.lines]

    def post(self, cosignature: Cosignature) -> None:
        self.posted.append(cosignature)


def test_a_witness_cosigns_a_head_that_extends_the_one_it_cosigned(tmp_path: Path) -> None:
    state = tmp_path / "state"
    service = FakeService(full_export(3, SERVER))
    first = witness_once(service, SERVER_KEYS, WITNESS, state)
    assert first.seq == 3
    service.lines = full_export(5, SERVER)
    second = witness_once(service, SERVER_KEYS, WITNESS, state)
    assert (second.seq, len(service.posted)) == (5, 2)
    assert service.asked[1] == last_checkpoint(full_export(3, SERVER))  # it asks since what it cosigned
    state_checkpoint = read_state(state)
    assert state_checkpoint is not None and state_checkpoint.checkpoint.seq == 5
    assert cosignature_valid(second, state_checkpoint.checkpoint, WITNESS.public_key())


def test_a_witness_refuses_history_rewritten_with_the_servers_own_key(tmp_path: Path) -> None:
    state = tmp_path / "state"
    service = FakeService(full_export(3, SERVER))
    witness_once(service, SERVER_KEYS, WITNESS, state)
    kept = state.read_bytes()
    service.lines = rewrite(full_export(5, SERVER), 2, "nothing happened here", SERVER)
    assert verify_export(service.lines, SERVER_KEYS).ok  # alone, the forgery verifies
    with pytest.raises(Refused) as refused:
        witness_once(service, SERVER_KEYS, WITNESS, state)
    assert refused.value.fork
    assert "not_an_extension" in str(refused.value)
    assert (len(service.posted), state.read_bytes()) == (1, kept)


def test_a_witness_refuses_a_rollback(tmp_path: Path) -> None:
    state = tmp_path / "state"
    service = FakeService(full_export(5, SERVER))
    witness_once(service, SERVER_KEYS, WITNESS, state)
    service.lines = full_export(3, SERVER)
    with pytest.raises(Refused) as refused:
        witness_once(service, SERVER_KEYS, WITNESS, state)
    assert refused.value.fork


@pytest.fixture
def http_service() -> Iterator[tuple[str, dict[str, Any]]]:
    """A tiny HTTP stand-in for the service: GET /v1/audit/export answers `served["export"]` (or the
    status in `served["status"]`), POST /v1/audit/cosignatures keeps the body."""
    served: dict[str, Any] = {"export": "", "status": 200, "posted": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = served["export"].encode() if served["status"] == 200 else b'{"code":"checkpoint_mismatch"}'
            self.send_response(served["status"])
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            served["posted"].append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", served
    server.shutdown()
    server.server_close()


def test_the_witness_command_cosigns_then_refuses_a_fork_loudly(
    http_service: tuple[str, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, served = http_service
    key_file, state = tmp_path / "witness.pem", tmp_path / "state"
    assert main(["witness-key", str(key_file)]) == 0
    witness_b64 = capsys.readouterr().out.splitlines()[-1]
    args = ["witness", "--url", url, "--token", "t", "--key", str(key_file), "--state", str(state)]
    args += ["--public-key", public_key_b64(SERVER.public_key())]
    served["export"] = "".join(full_export(3, SERVER))
    assert main(args) == 0
    assert capsys.readouterr().out.startswith("cosigned seq 3 hash ")
    assert [item["seq"] for item in served["posted"]] == [3]
    assert witness_b64 and served["posted"][0]["witness"] != ""
    served["export"] = "".join(rewrite(full_export(5, SERVER), 1, "書き換え", SERVER))
    assert main(args) == 3
    err = capsys.readouterr().err
    assert "FORK" in err and "does NOT extend" in err
    served["status"] = 409  # the service no longer has the checkpoint cosigned before
    assert main(args) == 3
    assert len(served["posted"]) == 1
    assert main(["witness-key", str(key_file)]) == 2  # never overwrites a key


def test_a_witness_keeps_cosigning_across_the_servers_key_rotation(tmp_path: Path) -> None:
    rotated = Ed25519PrivateKey.generate()
    keys = {**SERVER_KEYS, key_id(rotated.public_key()): rotated.public_key()}
    state = tmp_path / "state"
    service = FakeService(full_export(3, SERVER))
    witness_once(service, keys, WITNESS, state)
    service.lines = full_export(5, rotated)  # the same history, the new head signed by the new key
    cosignature = witness_once(service, keys, WITNESS, state)
    kept = read_state(state)
    assert kept is not None and kept.checkpoint.kid == key_id(rotated.public_key())
    assert cosignature_valid(cosignature, kept.checkpoint, WITNESS.public_key())
