"""Abuse limits: how often one principal or one address may check in, ask for a pay code or pay; how many
unknown secrets an address may try; how much a resident may spend in a day.

The rates live in PostgreSQL (`db.limits`), so several worker processes count against the same buckets. Each
bucket holds `n` requests and refills one every `60 / n` seconds: a burst of `n` at once, `n` a minute on
average. A limit of 0 switches that limit off. Spending is different: it is money, so it is counted by the
writer itself, a `Limit` in the very command that pays, and can never be exceeded by a race.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import date

from mitapo.engine.commands import Limit
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo.limits import buckets

BAD_SECRETS = "bad_secrets"
FORGET_EVERY = 10_000  # takes between two sweeps of refilled buckets
REMEMBERED_LOCKS = 10_000  # locked-out addresses kept in memory; forgetting one only lets PostgreSQL decide


class Limited(DomainError):
    """Refused by an abuse limit; the caller may try again after `retry_after` seconds."""

    def __init__(self, code: str, limit: str, retry_after: float, detail: str) -> None:
        super().__init__(code, detail)
        self.limit = limit
        self.retry_after = max(1, int(retry_after + 0.999))


@dataclass(frozen=True, slots=True)
class Policy:
    """Requests of each kind per minute, per principal and per address; bad secrets per address and window."""

    per_principal: int
    per_address: int
    bad_secrets: int
    bad_secrets_seconds: int


def _bucket(key: str, count: int, seconds: float) -> list[buckets.Bucket]:
    return [buckets.Bucket(key, seconds / count, seconds)] if count > 0 else []


@dataclass(slots=True)
class Limiter:
    """One per process: asks PostgreSQL for every decision, and remembers locked-out addresses meanwhile.

    The takes of requests that arrive while one is being asked wait for it and then go as one statement (as
    the writer batches entries): a statement per request cost a fifth of the service's CPU under load."""

    db: Database
    policy: Policy
    _locked_until: dict[str, float] = field(default_factory=dict)
    _takes: int = 0
    _waiting: list[tuple[list[buckets.Bucket], asyncio.Future[float]]] = field(default_factory=list)
    _asking: asyncio.Task[None] | None = None

    async def admit(self, kind: str, principal_id: str, address: str) -> None:
        """Count one request of `kind`; refuse with rate_limited when the principal or the address is over."""
        wanted = [
            *_bucket(f"{kind}:principal:{principal_id}", self.policy.per_principal, 60.0),
            *_bucket(f"{kind}:address:{address}", self.policy.per_address, 60.0),
        ]
        wait = await self._take(wanted)
        if wait > 0:
            raise Limited("rate_limited", kind, wait, f"too many {kind.replace('_', ' ')}; slow down")

    def refuse_if_locked_out(self, address: str) -> None:
        """Before looking a secret up: an address that tried too many wrong ones waits, whatever it sends."""
        until = self._locked_until.get(address)
        if until is None:
            return
        remaining = until - time.monotonic()
        if remaining <= 0:
            del self._locked_until[address]
            return
        raise _locked_out(remaining)

    async def count_bad_secret(self, address: str) -> None:
        """An unknown secret from `address`: counted; refused with locked_out once there were too many."""
        policy = self.policy
        wait = await self._take(
            _bucket(f"{BAD_SECRETS}:address:{address}", policy.bad_secrets, policy.bad_secrets_seconds)
        )
        if wait > 0:
            if len(self._locked_until) >= REMEMBERED_LOCKS:
                self._locked_until.clear()
            self._locked_until[address] = time.monotonic() + wait
            raise _locked_out(wait)

    async def _take(self, wanted: list[buckets.Bucket]) -> float:
        if not wanted:
            return 0.0
        answer: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.append((wanted, answer))
        if self._asking is None:
            self._asking = asyncio.create_task(self._ask(), name="mitapo-limits")
        return await answer

    async def _ask(self) -> None:
        """Send the waiting takes, those that arrived meanwhile next, until none wait."""
        try:
            while self._waiting:
                await asyncio.sleep(0)  # the requests of this turn of the event loop join the call
                batch, self._waiting = self._waiting, []
                try:
                    waits = await self._take_many([wanted for wanted, _ in batch])
                except Exception as exc:
                    for _, answer in batch:
                        if not answer.done():  # done: its request was cancelled
                            answer.set_exception(exc)
                    continue
                for (_, answer), wait in zip(batch, waits, strict=True):
                    if not answer.done():
                        answer.set_result(wait)
        finally:
            self._asking = None

    async def _take_many(self, requests: list[list[buckets.Bucket]]) -> list[float]:
        async with self.db.lookup() as conn:
            waits = await buckets.take_many(conn, requests)
            before, self._takes = self._takes, self._takes + len(requests)
            if before // FORGET_EVERY != self._takes // FORGET_EVERY:
                await buckets.forget_idle(conn)
        return waits


def _locked_out(wait: float) -> Limited:
    return Limited("locked_out", BAD_SECRETS, wait, "too many unknown secrets from this address; wait")


def daily_spend(resident_id: str, amount: int, day: date, limit: int | None) -> tuple[Limit, ...]:
    """The writer's counter of what a resident spent on `day` (payments and fares, points and money alike)."""
    if not limit or amount <= 0:
        return ()
    return (
        Limit(
            f"spend:{resident_id}:{day.isoformat()}",
            amount,
            limit,
            "velocity_exceeded",
            f"a resident may spend at most {limit} a day",
        ),
    )
