"""The offline verifier as an auditor runs it: exit 0 on a good export, 1 naming the problem, 2 on misuse."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mitapo_ledger import (
    GENESIS_HASH,
    Asset,
    Checkpoint,
    Entry,
    Posting,
    balances_digest,
    checkpoint_line,
    entry_line,
    key_id,
    public_key_b64,
    realize,
    seal,
    sign_checkpoint,
)
from mitapo_ledger.cli import main

KEY = Ed25519PrivateKey.generate()
KEY_B64 = public_key_b64(KEY.public_key())
WHEN = datetime(2026, 11, 22, 3, 4, 5, tzinfo=UTC)


def journal() -> list[Entry]:
    def entry(entry_id: str, kind: str, debit: str, credit: str, amount: int) -> Entry:
        postings = (Posting(debit, Asset.PT, amount), Posting(credit, Asset.PT, -amount))
        return Entry(id=entry_id, kind=kind, created_at=WHEN, memo="三鷹", postings=postings)

    return [
        entry("fund-1", "funding", "program:p1:budget", "city:issuance", 10_000),
        entry("grant-1", "grant", "program:p1:budget", "resident:r1:points:2027-05-31", 300),
        entry("pay-1", "payment", "resident:r1:points:2027-05-31", "merchant:m1:receivable", 120),
    ]


@pytest.fixture
def export_file(tmp_path: Path) -> Path:
    sealed = seal(journal(), prev_hash=GENESIS_HASH, next_seq=1)
    digest = balances_digest(realize(journal()))
    checkpoint = Checkpoint(sealed[-1].seq, sealed[-1].hash, WHEN, key_id(KEY.public_key()), digest)
    lines = [*(entry_line(s) for s in sealed), checkpoint_line(sign_checkpoint(checkpoint, KEY))]
    path = tmp_path / "export.ndjson"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def tamper(path: Path, old: str, new: str) -> Path:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_a_good_export_exits_zero(export_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(export_file), "--public-key", KEY_B64]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 3 entries, head seq 3 hash ")
    _verdict, used = out.splitlines()  # the verdict, then the checkpoint it rests on and the key used
    assert used.startswith("newest checkpoint: seq 3, signed 2026-11-22T03:04:05.000000+00:00 (")
    assert used.endswith(f"ago) with key {key_id(KEY.public_key())} ({KEY_B64})")


def test_a_tampered_export_exits_one_and_names_the_entry(
    export_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper(export_file, '"amount":300', '"amount":3000')  # unbalanced: both legs must change to balance
    assert main(["verify", str(export_file), "--public-key", KEY_B64]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED:")
    assert "line 2, seq 2, entry 'grant-1': unbalanced_entry" in out


def test_a_rebalanced_forgery_is_still_caught(export_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tamper(export_file, '"amount":300', '"amount":3000')
    tamper(export_file, '"amount":-300', '"amount":-3000')
    assert main(["verify", str(export_file), "--public-key", KEY_B64]) == 1
    out = capsys.readouterr().out
    assert "line 2, seq 2, entry 'grant-1': hash_mismatch" in out
    assert "balances_digest_mismatch" in out


def test_a_key_that_did_not_sign_exits_one(export_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = public_key_b64(Ed25519PrivateKey.generate().public_key())
    assert main(["verify", str(export_file), "--public-key", other]) == 1
    assert "unknown_kid" in capsys.readouterr().out


def test_public_keys_json_as_the_service_serves_it(export_file: Path, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    keys = [{"kid": key_id(KEY.public_key()), "public_key": KEY_B64}]
    keys_file.write_text(json.dumps({"keys": keys}), encoding="utf-8")
    assert main(["verify", str(export_file), "--public-keys-json", str(keys_file)]) == 0
    keys_file.write_text(json.dumps({"keys": [{"kid": "0000000000000000", "public_key": KEY_B64}]}))
    assert main(["verify", str(export_file), "--public-keys-json", str(keys_file)]) == 2


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["verify"],
        ["check", "x"],
        ["verify", "FILE"],
        ["verify", "FILE", "--public-key", "not-a-key"],
        ["verify", "missing.ndjson", "--public-key", KEY_B64],
        ["verify", "FILE", "--public-keys-json", "missing.json"],
    ],
)
def test_usage_errors_exit_two(argv: list[str], export_file: Path) -> None:
    assert main([str(export_file) if arg == "FILE" else arg for arg in argv]) == 2


def test_binary_garbage_is_a_problem_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "garbage.ndjson"
    path.write_bytes(b"\xff\xfe\x00{\n[1,2]\n")
    assert main(["verify", str(path), "--public-key", KEY_B64]) == 1
    out = capsys.readouterr().out
    assert "line 1" in out
    assert "line 2" in out
    assert "no_checkpoint" in out


def test_python_dash_m_reads_stdin(export_file: Path) -> None:
    command = [sys.executable, "-m", "mitapo_ledger", "verify", "-", "--public-key", KEY_B64]
    good = subprocess.run(command, input=export_file.read_bytes(), capture_output=True, check=False)
    assert (good.returncode, good.stdout.decode().split(":")[0]) == (0, "ok")
    tamper(export_file, "三鷹", "三應")
    bad = subprocess.run(command, input=export_file.read_bytes(), capture_output=True, check=False)
    assert bad.returncode == 1
    assert "entry 'grant-1': hash_mismatch" in bad.stdout.decode()
