"""The hash chain: each entry's hash covers its predecessor's, so no entry can change unnoticed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from mitapo_ledger._checks import is_digest, is_seq
from mitapo_ledger.canonical import canonical_bytes
from mitapo_ledger.entries import Entry, SealedEntry
from mitapo_ledger.errors import InvalidSeal

GENESIS_HASH = bytes(32)
"""The hash "before" seq 1: thirty-two zero bytes."""


def chain_hash(prev_hash: bytes, entry: Entry, seq: int) -> bytes:
    """``SHA-256(prev_hash ‖ canonical_bytes(entry, seq))``."""
    if not is_digest(prev_hash):
        raise InvalidSeal(f"entry {entry.id!r}: prev_hash must be 32 bytes")
    return hashlib.sha256(prev_hash + canonical_bytes(entry, seq)).digest()


def seal(entries: Iterable[Entry], *, prev_hash: bytes, next_seq: int) -> list[SealedEntry]:
    """Give ``entries`` consecutive seqs from ``next_seq``, each linked to the hash before it.

    ``prev_hash`` is the hash of entry ``next_seq - 1``; the chain's first entry must follow the genesis hash.
    """
    if not is_seq(next_seq):
        raise InvalidSeal(f"next_seq must be a positive int, got {next_seq!r}")
    if next_seq == 1 and prev_hash != GENESIS_HASH:
        raise InvalidSeal("seq 1 must follow GENESIS_HASH")
    sealed: list[SealedEntry] = []
    for seq, entry in enumerate(entries, start=next_seq):
        digest = chain_hash(prev_hash, entry, seq)
        sealed.append(SealedEntry(entry=entry, seq=seq, prev_hash=prev_hash, hash=digest))
        prev_hash = digest
    return sealed
