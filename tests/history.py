"""Rewriting history as whoever holds the service's signing key could: change an old entry, re-chain every
entry after it, and sign a fresh checkpoint with the very same key. The result verifies on its own; only a
checkpoint kept from before (`--since`) or a witness's cosignature (`--witness`) tells it apart."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mitapo_ledger import (
    GENESIS_HASH,
    Asset,
    Checkpoint,
    Entry,
    Posting,
    SealedEntry,
    SignedCheckpoint,
    balances_digest,
    checkpoint_line,
    entry_line,
    key_id,
    parse_line,
    realize,
    seal,
    sign_checkpoint,
)


def rewrite(lines: Sequence[str], seq: int, memo: str, key: Ed25519PrivateKey) -> list[str]:
    """A full export with entry `seq`'s memo replaced, the chain re-sealed after it, and one checkpoint at
    the head re-signed with `key`."""
    entries = [record for record in map(parse_line, lines) if isinstance(record, SealedEntry)]
    plain = [sealed.entry for sealed in entries]
    plain[seq - 1] = dataclasses.replace(plain[seq - 1], memo=memo)
    resealed = seal(plain, prev_hash=entries[0].prev_hash, next_seq=1)
    checkpoint = Checkpoint(
        seq=resealed[-1].seq,
        hash=resealed[-1].hash,
        signed_at=datetime.now(UTC),
        kid=key_id(key.public_key()),
        balances_digest=balances_digest(realize(plain)),
    )
    return [
        *(entry_line(s) + "\n" for s in resealed),
        checkpoint_line(sign_checkpoint(checkpoint, key)) + "\n",
    ]


def last_checkpoint(lines: Sequence[str]) -> SignedCheckpoint:
    found = [record for record in map(parse_line, lines) if isinstance(record, SignedCheckpoint)]
    return found[-1]


WHEN = datetime(2026, 12, 1, 3, 4, 5, tzinfo=UTC)


def grants(count: int) -> list[Entry]:
    """`count` small balanced grants, g1..gN."""

    def grant(n: int) -> Entry:
        postings = (
            Posting("program:p1:budget", Asset.PT, 10 + n),
            Posting(f"resident:r{n}", Asset.PT, -10 - n),
        )
        return Entry(id=f"g{n}", kind="grant", created_at=WHEN, memo=f"清掃 {n}", postings=postings)

    return [grant(n) for n in range(1, count + 1)]


def full_export(count: int, key: Ed25519PrivateKey, when: datetime = WHEN) -> list[str]:
    """An honest export of `grants(count)` with one checkpoint at the head signed by `key`."""
    entries = grants(count)
    sealed = seal(entries, prev_hash=GENESIS_HASH, next_seq=1)
    head = sealed[-1]
    checkpoint = Checkpoint(
        head.seq, head.hash, when, key_id(key.public_key()), balances_digest(realize(entries))
    )
    return [*(entry_line(s) + "\n" for s in sealed), checkpoint_line(sign_checkpoint(checkpoint, key)) + "\n"]
