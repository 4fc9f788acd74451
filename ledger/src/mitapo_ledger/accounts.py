"""Accounts: what kind of thing an account is, and which side of the journal makes it grow."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mitapo_ledger.errors import InvalidAccount


class AccountKind(StrEnum):
    """The five classical account kinds; the kind alone decides the normal side."""

    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"


class Side(StrEnum):
    """Debit (positive amounts) or credit (negative amounts)."""

    DEBIT = "debit"
    CREDIT = "credit"


_DEBIT_NORMAL = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})


@dataclass(frozen=True, slots=True)
class Account:
    """An account code with its kind; ``may_go_negative`` is true only for issuance and clearing accounts."""

    code: str
    kind: AccountKind
    may_go_negative: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code:
            raise InvalidAccount(f"account code must be a non-empty string, got {self.code!r}")
        try:
            object.__setattr__(self, "kind", AccountKind(self.kind))
        except ValueError:
            raise InvalidAccount(f"unknown account kind {self.kind!r} for {self.code!r}") from None

    @property
    def normal_side(self) -> Side:
        """Assets and expenses grow by debits; liabilities, equity and income grow by credits."""
        return Side.DEBIT if self.kind in _DEBIT_NORMAL else Side.CREDIT

    def normal_balance(self, posted_sum: int) -> int:
        """Turn the debit-positive sum of postings into the balance as the account's owner reads it."""
        return posted_sum if self.normal_side is Side.DEBIT else -posted_sum
