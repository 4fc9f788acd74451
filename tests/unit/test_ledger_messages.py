"""Verifier messages a person understands: a wrong key is named as such, entry ids are unique, and a single
edit is one root-cause problem first, not a cascade of every check it happens to upset."""

from __future__ import annotations

from datetime import UTC, datetime

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
    verify_export,
)

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()
KEYS = {key_id(KEY.public_key()): KEY.public_key()}
WHEN = datetime(2026, 12, 1, 3, 4, 5, tzinfo=UTC)


def gift(entry_id: str, amount: int) -> Entry:
    postings = (Posting("resident:a", Asset.PT, amount), Posting("resident:b", Asset.PT, -amount))
    return Entry(id=entry_id, kind="gift", created_at=WHEN, memo="", postings=postings)


def export(entries: list[Entry]) -> list[str]:
    sealed = seal(entries, prev_hash=GENESIS_HASH, next_seq=1)
    head = sealed[-1]
    checkpoint = Checkpoint(
        head.seq, head.hash, WHEN, key_id(KEY.public_key()), balances_digest(realize(entries))
    )
    return [*(entry_line(s) + "\n" for s in sealed), checkpoint_line(sign_checkpoint(checkpoint, KEY)) + "\n"]


def problems(lines: list[str], keys: dict = KEYS) -> list[tuple[str, int | None]]:  # type: ignore[type-arg]
    return [(p.code, p.seq) for p in verify_export(lines, keys).problems]


def test_an_entry_id_used_twice_is_refused() -> None:
    report = verify_export(export([gift("g1", 10), gift("g2", 20), gift("g1", 30)]), KEYS)
    assert [(p.code, p.seq, p.entry_id) for p in report.problems] == [("duplicate_entry_id", 3, "g1")]
    assert "already used by seq 1" in report.problems[0].detail


def test_a_wrong_key_is_named_the_given_key_the_signature_does_not_match() -> None:
    wrong = {key_id(OTHER.public_key()): OTHER.public_key()}
    report = verify_export(export([gift("g1", 10)]), wrong)
    [problem] = report.problems
    assert "the signature does not match the given key" in problem.detail
    assert key_id(OTHER.public_key()) in problem.detail
    assert public_key_b64(OTHER.public_key()) in problem.detail
    assert f"it names key {key_id(KEY.public_key())}" in problem.detail


def test_one_leg_edited_is_one_problem_not_a_cascade() -> None:
    lines = export([gift("g1", 10), gift("g2", 20), gift("g3", 30)])
    lines[1] = lines[1].replace('"amount":20', '"amount":21', 1)
    assert problems(lines) == [("unbalanced_entry", 2)]


def test_an_edited_hash_is_one_problem() -> None:
    lines = export([gift("g1", 10), gift("g2", 20), gift("g3", 30)])
    stated = lines[1].split('"hash":"')[1][:64]
    lines[1] = lines[1].replace(stated, "0" * 64)
    assert problems(lines) == [("hash_mismatch", 2)]


def test_an_edited_prev_hash_is_one_problem() -> None:
    lines = export([gift("g1", 10), gift("g2", 20), gift("g3", 30)])
    stated = lines[1].split('"prev_hash":"')[1][:64]
    lines[1] = lines[1].replace(stated, "0" * 64)
    assert problems(lines) == [("prev_hash_mismatch", 2)]


def test_what_follows_from_the_root_cause_comes_after_it_and_says_so() -> None:
    lines = export([gift("g1", 10), gift("g2", 20), gift("g3", 30)])
    lines[1] = lines[1].replace('"amount":20', '"amount":40').replace('"amount":-20', '"amount":-40')
    report = verify_export(lines, KEYS)
    assert [(p.code, p.seq) for p in report.problems] == [
        ("hash_mismatch", 2),
        ("balances_digest_mismatch", 3),
    ]
    assert "follows from the problem at seq 2" in report.problems[1].detail


def test_a_deleted_line_is_a_gap_first() -> None:
    lines = export([gift("g1", 10), gift("g2", 20), gift("g3", 30)])
    report = verify_export([lines[0], *lines[2:]], KEYS)
    assert (report.problems[0].code, report.problems[0].seq) == ("seq_gap", 3)
    assert "prev_hash_mismatch" not in [p.code for p in report.problems]
    assert all("follows from" in p.detail for p in report.problems[1:])
