"""Exports that extend each other: `verify --since` refuses an export that does not extend the checkpoint an
auditor kept, even one whose history was rewritten and re-signed with the server's own key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.history import last_checkpoint, rewrite

from mitapo_ledger import (
    GENESIS_HASH,
    Asset,
    Checkpoint,
    Entry,
    Posting,
    SealedEntry,
    balances_digest,
    checkpoint_line,
    entry_line,
    key_id,
    public_key_b64,
    realize,
    seal,
    sign_checkpoint,
    start_from_balances,
    start_line,
    verify_export,
)
from mitapo_ledger.cli import main

KEY = Ed25519PrivateKey.generate()
KEYS = {key_id(KEY.public_key()): KEY.public_key()}
WHEN = datetime(2026, 12, 1, 3, 4, 5, tzinfo=UTC)


def grants(count: int) -> list[Entry]:
    def grant(n: int) -> Entry:
        postings = (
            Posting("program:p1:budget", Asset.PT, 10 + n),
            Posting(f"resident:r{n}", Asset.PT, -10 - n),
        )
        return Entry(id=f"g{n}", kind="grant", created_at=WHEN, memo=f"清掃 {n}", postings=postings)

    return [grant(n) for n in range(1, count + 1)]


def signed_at(sealed: list[SealedEntry], entries: list[Entry], when: datetime = WHEN) -> str:
    head = sealed[-1]
    checkpoint = Checkpoint(
        head.seq, head.hash, when, key_id(KEY.public_key()), balances_digest(realize(entries))
    )
    return checkpoint_line(sign_checkpoint(checkpoint, KEY)) + "\n"


def full_export(count: int) -> list[str]:
    entries = grants(count)
    sealed = seal(entries, prev_hash=GENESIS_HASH, next_seq=1)
    return [*(entry_line(s) + "\n" for s in sealed), signed_at(sealed, entries)]


def export_since(count: int, since: int) -> list[str]:
    """What the service answers for `?since_seq=`: a start line, the kept checkpoint, the entries after."""
    entries = grants(count)
    sealed = seal(entries, prev_hash=GENESIS_HASH, next_seq=1)
    start = start_from_balances(since, sealed[since - 1].hash, realize(entries[:since]))
    kept = signed_at(sealed[:since], entries[:since])
    return [
        start_line(start) + "\n",
        kept,
        *(entry_line(s) + "\n" for s in sealed[since:]),
        signed_at(sealed, entries),
    ]


def codes(lines: list[str], **kw: object) -> list[str]:
    return [p.code for p in verify_export(lines, KEYS, **kw).problems]  # type: ignore[arg-type]


def test_a_longer_export_extends_the_checkpoint_kept_from_a_shorter_one() -> None:
    kept = last_checkpoint(full_export(3))
    assert codes(full_export(5), since=kept) == []
    assert codes(full_export(3), since=kept) == []


def test_history_rewritten_and_re_signed_with_the_servers_own_key_is_refused() -> None:
    before = full_export(3)
    kept = last_checkpoint(before)
    rewritten = rewrite(full_export(5), 2, "nothing happened here", KEY)
    assert codes(rewritten) == []  # on its own it verifies: the key holder can rewrite history
    report = verify_export(rewritten, KEYS, since=kept)
    assert [(p.code, p.seq) for p in report.problems] == [("not_an_extension", 3)]
    assert "rewritten" in report.problems[0].detail


def test_an_old_genuine_export_does_not_extend_a_newer_checkpoint() -> None:
    kept = last_checkpoint(full_export(5))
    assert codes(full_export(3), since=kept) == ["not_an_extension"]


def test_an_export_since_a_checkpoint_starts_from_its_balances_and_verifies() -> None:
    lines = export_since(6, 4)
    kept = last_checkpoint(full_export(4))
    report = verify_export(lines, KEYS, since=kept)
    assert report.ok, report.problems
    assert (report.start_seq, report.entries_checked, report.head_seq) == (4, 2, 6)


def test_an_export_that_starts_after_the_kept_checkpoint_cannot_show_it_extends_it() -> None:
    report = verify_export(export_since(6, 4), KEYS, since=last_checkpoint(full_export(2)))
    assert [(p.code, p.line, p.seq) for p in report.problems] == [("not_an_extension", 1, 4)]


def test_a_start_whose_balances_the_checkpoint_does_not_vouch_for_is_refused() -> None:
    lines = export_since(6, 4)
    lines[0] = lines[0].replace('"resident:r1","PT",-11', '"resident:r1","PT",-12')
    first = verify_export(lines, KEYS).problems[0]
    assert (first.code, first.line, first.seq) == ("balances_digest_mismatch", 2, 4)


def test_a_start_line_stands_first_and_a_checkpoint_vouches_for_it() -> None:
    lines = export_since(6, 4)
    assert codes([lines[0], *lines[2:]]) == []  # the checkpoint at the head vouches for the start too
    assert codes([lines[0], lines[2]]) == ["no_checkpoint"]
    assert "start_out_of_place" in codes([lines[1], lines[0], *lines[2:]])


def test_verify_since_on_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kept = tmp_path / "kept.ndjson"
    kept.write_text(full_export(3)[-1], encoding="utf-8")
    good, forged = tmp_path / "good.ndjson", tmp_path / "forged.ndjson"
    good.write_text("".join(full_export(5)), encoding="utf-8")
    forged.write_text("".join(rewrite(full_export(5), 1, "書き換え", KEY)), encoding="utf-8")
    key = public_key_b64(KEY.public_key())
    assert main(["verify", str(good), "--public-key", key, "--since", str(kept)]) == 0
    out = capsys.readouterr().out
    assert "extends the checkpoint kept from before: seq 3" in out
    assert f"signed {WHEN.isoformat(timespec='microseconds')} (" in out
    assert f"ago) with key {key_id(KEY.public_key())} ({key})" in out
    assert main(["verify", str(forged), "--public-key", key, "--since", str(kept)]) == 1
    assert "not_an_extension" in capsys.readouterr().out
    assert main(["verify", str(forged), "--public-key", key, "--since", str(good)]) == 1  # a whole export


def test_the_newest_checkpoint_age_is_reported() -> None:
    from mitapo_ledger.cli import render

    report = verify_export(full_export(2), KEYS)
    text = render(report, KEYS, now=WHEN + timedelta(hours=26, minutes=5))
    assert "(1 d 2 h ago)" in text
