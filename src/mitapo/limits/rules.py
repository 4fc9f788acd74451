"""Abuse limits: how often one principal or one address may check in, ask for a pay code or pay; how many
unknown or revoked secrets an address, and one such secret, may try; how much a resident may spend in a day.

Failures are counted per client address and per credential, and only failures are refused for them: a
valid credential is never refused because others failed from its address (a city proxy or a carrier's NAT
puts thousands of residents behind one), so the caller looks the credential up before asking
`refuse_if_locked_out`.

The rates live in PostgreSQL (`db.limits`), so several worker processes count against the same buckets. Each
bucket holds `n` requests and refills one every `60 / n` seconds: a burst of `n` at once, `n` a minute on
average. A limit of 0 switches that limit off. Spending is different: it is money, so it is counted by the
writer itself, a `Limit` in the very command that pays, and can never be exceeded by a race.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from mitapo.engine.commands import Limit
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo.engine.gathering import Gathered
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
    """Requests of each kind per minute, per principal and per address; bad secrets per address and window,
    and tries of one bad credential per window."""

    per_principal: int
    per_address: int
    bad_secrets: int
    bad_secrets_seconds: int
    bad_per_credential: int = 0


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
    _gathered: Gathered[list[buckets.Bucket], float] = field(init=False)
    _sweeping: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self._gathered = Gathered(self._take_many, "mitapo-limits")

    async def admit(self, kind: str, principal_id: str, address: str) -> None:
        """Count one request of `kind`; refuse with rate_limited when the principal or the address is over."""
        wanted = [
            *_bucket(f"{kind}:principal:{principal_id}", self.policy.per_principal, 60.0),
            *_bucket(f"{kind}:address:{address}", self.policy.per_address, 60.0),
        ]
        wait = await self._take(wanted)
        if wait > 0:
            raise self.refused(kind, wait)

    def takes_for(self, kind: str, address: str) -> tuple[tuple[str, float, float], ...]:
        """The buckets `admit` takes from, as (key, step, burst), for a statement that finds the principal
        itself (`accounts.principals.admit_many`): `{principal}` in a key stands for its id."""
        wanted = [
            *_bucket(f"{kind}:principal:{{principal}}", self.policy.per_principal, 60.0),
            *_bucket(f"{kind}:address:{address}", self.policy.per_address, 60.0),
        ]
        return tuple((b.key, b.step, b.burst) for b in wanted)

    def refused(self, kind: str, wait: float) -> Limited:
        """What `admit` raises when a take had to wait `wait` seconds."""
        return Limited("rate_limited", kind, wait, f"too many {kind.replace('_', ' ')}; slow down")

    def taken_elsewhere(self) -> None:
        """A take made by another statement (`takes_for`): counted towards the sweep of refilled buckets."""
        before, self._takes = self._takes, self._takes + 1
        if before // FORGET_EVERY != self._takes // FORGET_EVERY and self._sweeping is None:
            self._sweeping = asyncio.create_task(self._sweep(), name="mitapo-limits-sweep")

    async def _sweep(self) -> None:
        try:
            async with self.db.lookup() as conn:
                await buckets.forget_idle(conn)
        except Exception:  # nothing waits on it: the next sweep tries again
            pass
        finally:
            self._sweeping = None

    async def admit_hourly(self, kind: str, principal_id: str, per_hour: int) -> None:
        """Count one request of `kind` against the principal's own hourly allowance: `per_hour` at once, then
        one more every `3600 / per_hour` seconds; rate_limited when it is used up. For what a principal could
        misuse to learn about others (trying residents' numbers), far below the per-minute rates."""
        wait = await self._take(_bucket(f"{kind}:principal:{principal_id}", per_hour, 3600.0))
        if wait > 0:
            raise Limited("rate_limited", kind, wait, f"too many {kind.replace('_', ' ')}; try again later")

    def refuse_if_locked_out(self, address: str, credential: str) -> None:
        """After a credential failed: the address, or the credential, that failed too often waits, without
        another count. Never asked for a valid credential."""
        for key in (_address_key(address), _credential_key(credential)):
            until = self._locked_until.get(key)
            if until is None:
                continue
            remaining = until - time.monotonic()
            if remaining <= 0:
                del self._locked_until[key]
                continue
            raise _locked_out(remaining)

    async def count_bad_secret(self, address: str, credential: str) -> None:
        """A failed credential (`credential`: a digest of an unknown secret, a revoked principal's id, a card
        number) from `address`: counted against each (one statement, as two requests of a batch); refused
        with locked_out once either had too many, and only that one is locked out."""
        policy, seconds = self.policy, self.policy.bad_secrets_seconds
        keys = (_address_key(address), _credential_key(credential))
        waits = await asyncio.gather(
            self._take(_bucket(keys[0], policy.bad_secrets, seconds)),
            self._take(_bucket(keys[1], policy.bad_per_credential, seconds)),
        )
        over = [(key, wait) for key, wait in zip(keys, waits, strict=True) if wait > 0]
        if over:
            if len(self._locked_until) >= REMEMBERED_LOCKS:
                self._locked_until.clear()
            for key, wait in over:
                self._locked_until[key] = time.monotonic() + wait
            raise _locked_out(max(wait for _, wait in over))

    async def _take(self, wanted: list[buckets.Bucket]) -> float:
        if not wanted:
            return 0.0
        return await self._gathered(wanted)

    async def _take_many(self, requests: Sequence[list[buckets.Bucket]]) -> list[float]:
        async with self.db.lookup() as conn:
            waits = await buckets.take_many(conn, requests)
            before, self._takes = self._takes, self._takes + len(requests)
            if before // FORGET_EVERY != self._takes // FORGET_EVERY:
                await buckets.forget_idle(conn)
        return waits


def _address_key(address: str) -> str:
    return f"{BAD_SECRETS}:address:{address}"


def _credential_key(credential: str) -> str:
    return f"{BAD_SECRETS}:credential:{credential}"


def _locked_out(wait: float) -> Limited:
    return Limited(
        "locked_out", BAD_SECRETS, wait, "too many failed secrets from this address or for this secret; wait"
    )


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
