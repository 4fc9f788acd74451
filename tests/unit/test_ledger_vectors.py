"""The format's test vectors (ledger/vectors/): each valid one verifies, each invalid one is refused with the
problem code the manifest names first, and the files are exactly what `generate.py` writes."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

import pytest

from mitapo_ledger import key_id, public_key_from_b64, verify_export
from mitapo_ledger.cli import main, read_kept_checkpoint

VECTORS = Path(__file__).resolve().parents[2] / "ledger" / "vectors"
MANIFEST = json.loads((VECTORS / "manifest.json").read_text(encoding="utf-8"))
KEYS = {
    item["kid"]: public_key_from_b64(item["public_key"])
    for item in json.loads((VECTORS / MANIFEST["public_keys"]).read_text(encoding="utf-8"))["keys"]
}


def arguments(vector: dict[str, Any]) -> list[str]:
    """The command line an outsider would run for this vector (README.md in ledger/vectors)."""
    args = [
        "verify",
        str(VECTORS / vector["file"]),
        "--public-keys-json",
        str(VECTORS / MANIFEST["public_keys"]),
    ]
    if "since" in vector:
        args += ["--since", str(VECTORS / vector["since"])]
    for witness in vector.get("witnesses", []):
        args += ["--witness", witness]
    return args


@pytest.mark.parametrize("vector", MANIFEST["vectors"], ids=lambda v: v["file"])
def test_each_vector_gives_its_verdict_and_first_problem(vector: dict[str, Any]) -> None:
    since = read_kept_checkpoint(str(VECTORS / vector["since"])) if "since" in vector else None
    witnesses = {key_id(key): key for key in map(public_key_from_b64, vector.get("witnesses", []))}
    with (VECTORS / vector["file"]).open("rb") as handle:
        report = verify_export(handle, KEYS, since=since, witnesses=witnesses)
    assert report.ok is vector["valid"], report.problems
    if not vector["valid"]:
        assert report.problems[0].code == vector["problem"], report.problems


@pytest.mark.parametrize("vector", MANIFEST["vectors"][:12], ids=lambda v: v["file"])
def test_the_command_line_agrees(vector: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(arguments(vector)) == (0 if vector["valid"] else 1)
    out = capsys.readouterr().out
    if not vector["valid"]:
        assert f"{vector['problem']}: " in out.splitlines()[1]


def test_the_vectors_cover_every_problem_code_the_verifier_reports() -> None:
    codes = {vector["problem"] for vector in MANIFEST["vectors"]} - {None}
    expected = {
        "malformed", "non_canonical", "invalid_entry", "invalid_posting", "unbalanced_entry", "seq_gap",
        "prev_hash_mismatch", "hash_mismatch", "duplicate_entry_id", "bad_signature", "unknown_kid",
        "checkpoint_hash_mismatch", "balances_digest_mismatch", "checkpoint_beyond_head",
        "checkpoint_out_of_order", "no_checkpoint", "unanchored", "not_an_extension", "not_cosigned",
        "bad_cosignature", "cosignature_out_of_place", "start_out_of_place", "asset_totals_nonzero",
    }  # fmt: skip
    assert expected <= codes


def test_the_files_are_what_generate_writes(tmp_path: Path) -> None:
    runpy.run_path(str(VECTORS / "generate.py"), run_name="vectors")["write"](tmp_path)
    written = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    kept = {path.name: path.read_bytes() for path in VECTORS.iterdir() if path.name in written}
    assert kept == written
    assert set(written) == {p.name for p in VECTORS.iterdir()} - {"generate.py", "README.md"}
