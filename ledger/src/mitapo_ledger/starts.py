"""Where an export that does not begin at seq 1 begins: the head it continues and every balance there.

An export asked for "since" an earlier checkpoint (seq, hash) starts with a ``start`` line stating that head
and the balances after it, then that checkpoint, whose signature vouches for both (its ``balances_digest`` is
the digest of exactly these balances). The entries after it can then be checked as if the verifier had read
the whole journal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mitapo_ledger._checks import is_amount, is_digest, is_seq, is_text
from mitapo_ledger.assets import Asset
from mitapo_ledger.balances import Balances
from mitapo_ledger.errors import InvalidSeal

BalanceRow = tuple[str, Asset, int]


@dataclass(frozen=True, slots=True)
class Start:
    """The head ``hash`` at ``seq`` and every non-zero balance after it, sorted by account then asset."""

    seq: int
    hash: bytes
    balances: tuple[BalanceRow, ...]

    def __post_init__(self) -> None:
        if not is_seq(self.seq, minimum=0) or not is_digest(self.hash):
            raise InvalidSeal("a start needs a seq from 0 and a 32-byte hash")
        keys = [(account, asset.value) for account, asset, _ in self.balances]
        if keys != sorted(set(keys)):
            raise InvalidSeal(
                "start balances must be sorted by account then asset, each (account, asset) once"
            )
        for account, asset, amount in self.balances:
            if not is_text(account) or not isinstance(asset, Asset) or not is_amount(amount):
                raise InvalidSeal(f"start balance {account!r} {asset!r} {amount!r} is not a non-zero balance")

    @property
    def as_balances(self) -> Balances:
        return {(account, asset): amount for account, asset, amount in self.balances}


def start_from_balances(seq: int, head_hash: bytes, balances: Mapping[tuple[str, Asset], int]) -> Start:
    """The start line's value for ``balances`` (zero sums are left out)."""
    rows = sorted(
        ((account, Asset(asset), amount) for (account, asset), amount in balances.items() if amount),
        key=lambda row: (row[0], row[1].value),
    )
    return Start(seq=seq, hash=head_hash, balances=tuple(rows))
