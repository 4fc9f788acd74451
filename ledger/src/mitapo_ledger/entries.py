"""Postings, entries and sealed entries: the journal's values, valid by construction.

An ``Entry`` that exists is balanced; code downstream (sealing, balances, the verifier) never re-checks
what the constructor already guarantees.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from mitapo_ledger._checks import is_amount, is_digest, is_seq, is_text
from mitapo_ledger.assets import MAX_AMOUNT, Asset
from mitapo_ledger.errors import InvalidEntry, InvalidPosting, InvalidSeal, UnbalancedEntry
from mitapo_ledger.timestamps import is_aware_and_representable

KIND_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
"""A snake_case word such as ``funding`` or ``grant``: a stable label for reports, never free text."""


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of an entry: debit positive, credit negative, never zero."""

    account: str
    asset: Asset
    amount: int

    def __post_init__(self) -> None:
        if not is_text(self.account):
            raise InvalidPosting(f"account must be a non-empty UTF-8 string, got {self.account!r}")
        try:
            object.__setattr__(self, "asset", Asset(self.asset))
        except ValueError:
            raise InvalidPosting(f"unknown asset {self.asset!r} on {self.account!r}") from None
        if not is_amount(self.amount):
            raise InvalidPosting(
                f"amount on {self.account!r} must be a non-zero int within ±{MAX_AMOUNT}, got {self.amount!r}"
            )


@dataclass(frozen=True, slots=True)
class Entry:
    """A balanced journal entry. ``created_at`` keeps its zone; its encoding is always UTC."""

    id: str
    kind: str
    created_at: datetime
    memo: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "postings", tuple(self.postings))
        except TypeError:
            raise InvalidEntry(f"entry {self.id!r}: postings must be a sequence of Posting") from None
        _check_labels(self)
        if not is_aware_and_representable(self.created_at):
            raise InvalidEntry(
                f"entry {self.id!r}: created_at must be an aware datetime, got {self.created_at!r}"
            )
        _check_postings(self)


def _check_labels(entry: Entry) -> None:
    if not is_text(entry.id):
        raise InvalidEntry(f"entry id must be a non-empty UTF-8 string, got {entry.id!r}")
    if not isinstance(entry.kind, str) or not KIND_PATTERN.fullmatch(entry.kind):
        raise InvalidEntry(f"entry {entry.id!r}: kind must be a snake_case word, got {entry.kind!r}")
    if not is_text(entry.memo, allow_empty=True):
        raise InvalidEntry(f"entry {entry.id!r}: memo must be a UTF-8 string, got {entry.memo!r}")


def _check_postings(entry: Entry) -> None:
    if len(entry.postings) < 2:
        raise InvalidEntry(f"entry {entry.id!r}: needs at least two postings, has {len(entry.postings)}")
    sums: defaultdict[Asset, int] = defaultdict(int)
    for posting in entry.postings:
        if not isinstance(posting, Posting):
            raise InvalidEntry(f"entry {entry.id!r}: {posting!r} is not a Posting")
        sums[posting.asset] += posting.amount
    off = {str(asset): total for asset, total in sorted(sums.items()) if total != 0}
    if off:
        raise UnbalancedEntry(f"entry {entry.id!r}: postings do not sum to zero per asset: {off}")


@dataclass(frozen=True, slots=True)
class SealedEntry:
    """An entry at its place in the chain: ``hash = SHA-256(prev_hash ‖ canonical_bytes(entry, seq))``.

    The constructor checks shapes only; whether the hashes are right is the verifier's question, because a
    sealed entry read from an export must be representable even when it has been tampered with.
    """

    entry: Entry
    seq: int
    prev_hash: bytes
    hash: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.entry, Entry):
            raise InvalidSeal(f"{self.entry!r} is not an Entry")
        if not is_seq(self.seq):
            raise InvalidSeal(f"entry {self.entry.id!r}: seq must be a positive int, got {self.seq!r}")
        if not is_digest(self.prev_hash) or not is_digest(self.hash):
            raise InvalidSeal(f"entry {self.entry.id!r}: prev_hash and hash must be 32 bytes")
