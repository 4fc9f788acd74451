"""What a domain service asks the writer to do, as plain immutable values.

A `Command` is one atomic change: at most one journal entry, plus the things that must commit with it or not
at all (a spent code, a counted cap, a domain row, the idempotency record). The writer decides every command
under the locks of the balances it touches, so limits are checked against the truth, not against a read taken
a moment earlier. Where the postings depend on balances (spend the points that expire soonest first), the
command carries a pure `plan` that the writer runs under those locks.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table

ENTRY_ID = object()
"""Placeholder in `Row.values` for the id of the command's entry."""


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """An account to create if it does not exist yet (a resident's lot for one expiry date, say)."""

    code: str
    kind: str
    assets: tuple[str, ...]
    may_go_negative: bool = False
    owner: str | None = None
    expires_on: date | None = None


@dataclass(frozen=True, slots=True)
class Leg:
    """One posting as the service intends it: debit positive, credit negative."""

    account: str
    asset: str
    amount: int


@dataclass(frozen=True, slots=True)
class Limit:
    """A counter that this command adds `delta` to and that must stay at or below `limit`."""

    key: str
    delta: int
    limit: int
    code: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Once:
    """A token that may be spent once (a check-in, a pay code, an external reference).

    When the token is already spent by a request with the same `request_hash`, the first result is answered
    again; otherwise the command is refused with `code`.
    """

    token: str
    code: str
    request_hash: bytes | None = None


@dataclass(frozen=True, slots=True)
class Ceiling:
    """The normal balance of (account, asset) must stay at or below `maximum` after this command."""

    account: str
    asset: str
    maximum: int
    code: str


@dataclass(frozen=True, slots=True)
class Idempotency:
    scope: str
    key: str
    request_hash: bytes


@dataclass(frozen=True, slots=True)
class Row:
    """A domain row inserted in the same transaction as the entry (a claim, a payment).

    The table is the capability's `Table` object, and every key must name one of its columns: a misspelt
    column fails where the row is built, in any test that builds it, not at the INSERT in production."""

    table: Table
    values: Mapping[str, Any]

    def __post_init__(self) -> None:
        unknown = self.values.keys() - _column_names(self.table)
        if unknown:
            raise ValueError(f"{self.table.name} has no column {', '.join(map(repr, sorted(unknown)))}")


@functools.cache
def _column_names(table: Table) -> frozenset[str]:
    """A table's column names, once per table: a row is checked on the writer's hot path."""
    return frozenset(table.c.keys())


@dataclass(frozen=True, slots=True)
class HoldPlacement:
    id: uuid.UUID
    account: str
    asset: str
    amount: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class HoldResolution:
    id: uuid.UUID
    status: str  # 'posted' | 'voided' | 'expired'


@dataclass(frozen=True, slots=True)
class BalanceState:
    account: str
    asset: str
    normal_sign: int
    may_go_negative: bool
    owner: str | None
    expires_on: date | None
    posted: int
    pending: int

    @property
    def available(self) -> int:
        return self.normal_sign * self.posted - self.pending


@dataclass(frozen=True, slots=True)
class HoldState:
    id: uuid.UUID
    account: str
    asset: str
    amount: int
    status: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PlanView:
    """What a plan may look at: the locked balances and holds, and the transaction's clock."""

    balances: Mapping[tuple[str, str], BalanceState]
    holds: Mapping[uuid.UUID, HoldState]
    now: datetime

    def owned(self, owner: str, asset: str) -> list[BalanceState]:
        """The owner's balances of one asset, soonest expiry first (no expiry last)."""
        mine = [b for b in self.balances.values() if b.owner == owner and b.asset == asset]
        return sorted(mine, key=lambda b: (b.expires_on is None, b.expires_on or date.max, b.account))


@dataclass(frozen=True, slots=True)
class Plan:
    """What a plan decided: the postings, accounts to create for them, and facts for the result."""

    postings: tuple[Leg, ...] = ()
    accounts: tuple[AccountSpec, ...] = ()
    info: Mapping[str, Any] = field(default_factory=dict)
    rows: tuple[Row, ...] = ()
    ceilings: tuple[Ceiling, ...] = ()


class Refusal(Exception):
    """Raised by a plan to refuse its command with a stable error code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code
        self.detail = detail or code


@dataclass(frozen=True, slots=True)
class Written:
    """The outcome of an accepted command (or the replay of one)."""

    entry_id: uuid.UUID | None
    created_at: datetime | None
    result: Mapping[str, Any]
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Rejected:
    code: str
    detail: str


Outcome = Written | Rejected
ResultFn = Callable[["Decided"], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Decided:
    """What the writer decided for a command, handed to its `result` function."""

    entry_id: uuid.UUID | None
    created_at: datetime
    postings: tuple[Leg, ...]
    info: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Command:
    kind: str | None
    postings: tuple[Leg, ...] = ()
    memo: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    accounts: tuple[AccountSpec, ...] = ()
    lock_owners: tuple[str, ...] = ()
    plan: Callable[[PlanView], Plan] | None = None
    limits: tuple[Limit, ...] = ()
    once: tuple[Once, ...] = ()
    ceilings: tuple[Ceiling, ...] = ()
    rows: tuple[Row, ...] = ()
    holds: tuple[HoldPlacement, ...] = ()
    resolve_holds: tuple[HoldResolution, ...] = ()
    idempotency: Idempotency | None = None
    result: ResultFn | None = None
    shortfall_code: str = "insufficient_funds"
    shortfall_codes: Mapping[str, str] = field(default_factory=dict)
    reverses: uuid.UUID | None = None
    entry_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def shortfall_for(self, account: str) -> str:
        """The error code for a shortfall on `account`: by account prefix, else the command's default."""
        for prefix, code in self.shortfall_codes.items():
            if account.startswith(prefix):
                return code
        return self.shortfall_code
