"""A card's PIN: 4 to 6 digits chosen at the counter, stored only as an Argon2id hash (`argon2-cffi`).

A PIN of at most six digits cannot be protected against someone holding its hash, however slow the hash; what
protects it is that the hash never leaves the database and that a till gets five tries per card (`cards.py`).
The cost is OWASP's minimum for Argon2id (19 MiB, two passes, one lane): about 70 ms of one core here, so a
busy till's verifications, run in worker threads, never hold up the service's event loop; a hash
made with other parameters (an older card) still verifies, since the hash names its own.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mitapo.engine.errors import Invalid

HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
SHORTEST, LONGEST = 4, 6


def check(pin: str) -> str:
    """The PIN if it is 4 to 6 ASCII digits; validation_error otherwise."""
    if not (SHORTEST <= len(pin) <= LONGEST and pin.isascii() and pin.isdigit()):
        raise Invalid(f"a PIN is {SHORTEST} to {LONGEST} digits")
    return pin


async def hashed(pin: str) -> str:
    return await asyncio.to_thread(HASHER.hash, check(pin))


async def matches(pin_hash: str, pin: str) -> bool:
    """Does `pin` match? In a worker thread: the hash is slow on purpose."""
    return await asyncio.to_thread(_verify, pin_hash, pin)


def _verify(pin_hash: str, pin: str) -> bool:
    try:
        return HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False
