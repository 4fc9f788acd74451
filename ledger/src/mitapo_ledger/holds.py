"""Holds: reservations against an account's balance, which are not journal entries until posted.

Transitions are pure: each returns a new ``Hold`` and leaves the old one as it was, and only a pending hold
can move. Once posted, voided or expired a hold stops reducing what is available.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from mitapo_ledger._checks import is_amount, is_text
from mitapo_ledger.assets import Asset
from mitapo_ledger.errors import (
    HoldExpired,
    HoldExpiryEarly,
    HoldNotPending,
    HoldOverposted,
    InvalidHold,
)
from mitapo_ledger.timestamps import is_aware_and_representable


class HoldStatus(StrEnum):
    """Where a hold is in its life; only ``pending`` counts against the available balance."""

    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Hold:
    """A pending debit of ``amount`` on ``account``; ``posted_amount`` is set once posted (maybe partly)."""

    id: str
    account: str
    asset: Asset
    amount: int
    expires_at: datetime
    status: HoldStatus = HoldStatus.PENDING
    posted_amount: int | None = None

    def __post_init__(self) -> None:
        if not is_text(self.id) or not is_text(self.account):
            raise InvalidHold(
                f"hold id and account must be non-empty strings, got {self.id!r}, {self.account!r}"
            )
        try:
            object.__setattr__(self, "asset", Asset(self.asset))
            object.__setattr__(self, "status", HoldStatus(self.status))
        except ValueError:
            raise InvalidHold(f"hold {self.id!r}: unknown asset or status") from None
        if not is_amount(self.amount) or self.amount < 0:
            raise InvalidHold(f"hold {self.id!r}: amount must be a positive int, got {self.amount!r}")
        if not is_aware_and_representable(self.expires_at):
            raise InvalidHold(f"hold {self.id!r}: expires_at must be an aware datetime")
        self._check_posted_amount()

    def _check_posted_amount(self) -> None:
        if self.status is not HoldStatus.POSTED:
            if self.posted_amount is not None:
                raise InvalidHold(f"hold {self.id!r}: only a posted hold has a posted_amount")
            return
        if not is_amount(self.posted_amount) or not 0 < self.posted_amount <= self.amount:
            raise InvalidHold(f"hold {self.id!r}: posted_amount must be within 1..{self.amount}")

    @property
    def is_pending(self) -> bool:
        return self.status is HoldStatus.PENDING

    def post(self, amount: int, at: datetime) -> Hold:
        """Capture ``amount`` (at most the reserved amount; the rest is released) before the hold lapses."""
        self._require_pending("post")
        if not is_amount(amount) or amount < 0:
            raise InvalidHold(f"hold {self.id!r}: posted amount must be a positive int, got {amount!r}")
        if amount > self.amount:
            raise HoldOverposted(f"hold {self.id!r}: cannot post {amount}, only {self.amount} is held")
        if not is_aware_and_representable(at):
            raise InvalidHold(f"hold {self.id!r}: posting time must be an aware datetime")
        if at >= self.expires_at:
            raise HoldExpired(f"hold {self.id!r} expired at {self.expires_at.isoformat()}")
        return replace(self, status=HoldStatus.POSTED, posted_amount=amount)

    def void(self) -> Hold:
        """Release the whole reservation."""
        self._require_pending("void")
        return replace(self, status=HoldStatus.VOIDED)

    def expire(self, now: datetime) -> Hold:
        """Lapse the hold, but only once ``now`` has reached ``expires_at``."""
        self._require_pending("expire")
        if not is_aware_and_representable(now):
            raise InvalidHold(f"hold {self.id!r}: now must be an aware datetime")
        if now < self.expires_at:
            raise HoldExpiryEarly(f"hold {self.id!r} does not expire before {self.expires_at.isoformat()}")
        return replace(self, status=HoldStatus.EXPIRED)

    def _require_pending(self, action: str) -> None:
        if not self.is_pending:
            raise HoldNotPending(f"cannot {action} hold {self.id!r}: it is {self.status.value}")


def available(normal_balance: int, holds: Iterable[Hold]) -> int:
    """What the owner may still spend: the normal balance minus every pending hold on it."""
    return normal_balance - sum(hold.amount for hold in holds if hold.is_pending)
