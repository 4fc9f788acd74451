"""Balances: debit-positive sums per (account, asset), and their digest for signed checkpoints."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

from mitapo_ledger.assets import Asset
from mitapo_ledger.canonical import canonical_json
from mitapo_ledger.entries import Entry

Balances = dict[tuple[str, Asset], int]
"""(account, asset) -> sum of posted amounts, debit positive; zero sums are absent."""


class RunningBalances:
    """Balances accumulated one entry at a time, for readers that stream the journal (the verifier, audit)."""

    __slots__ = ("_sums",)

    def __init__(self, start: Mapping[tuple[str, Asset], int] | None = None) -> None:
        self._sums: Balances = {key: amount for key, amount in (start or {}).items() if amount}

    def apply(self, entry: Entry) -> None:
        """Add the entry's postings; a sum that returns to zero is dropped, as ``realize`` would drop it."""
        for posting in entry.postings:
            key = (posting.account, posting.asset)
            total = self._sums.get(key, 0) + posting.amount
            if total:
                self._sums[key] = total
            else:
                self._sums.pop(key, None)

    def snapshot(self) -> Balances:
        """A copy the caller may keep: later ``apply`` calls do not change it."""
        return dict(self._sums)

    def digest(self) -> bytes:
        """The digest a checkpoint at the current head must state."""
        return balances_digest(self._sums)


def realize(entries: Iterable[Entry]) -> Balances:
    """Sum every posting of ``entries``; the order of entries does not matter."""
    running = RunningBalances()
    for entry in entries:
        running.apply(entry)
    return running.snapshot()


def totals_by_asset(balances: Mapping[tuple[str, Asset], int]) -> dict[Asset, int]:
    """Sum per asset over all accounts, every asset present; each is zero in a double-entry ledger."""
    totals = dict.fromkeys(Asset, 0)
    for (_, asset), amount in balances.items():
        totals[asset] += amount
    return totals


def balances_digest(balances: Mapping[tuple[str, Asset], int]) -> bytes:
    """SHA-256 of the canonical JSON of the sorted ``[[account, asset, sum], ...]`` over non-zero sums."""
    rows = sorted(
        (account, Asset(asset).value, amount) for (account, asset), amount in balances.items() if amount
    )
    return hashlib.sha256(canonical_json([list(row) for row in rows])).digest()
