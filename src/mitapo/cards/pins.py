"""A card's PIN: 4 to 6 digits chosen at the counter, stored only as an Argon2id hash (`argon2-cffi`) of the
PIN keyed with the service's PIN key (HMAC-SHA256, a "pepper").

A PIN of at most six digits cannot be protected by a slow hash alone: whoever reads `cards.pin_hash` (an
auditor may read every table, a backup holds them all) tries the million PINs in hours. The key makes the hash
useless without it: it lives beside the signing keys (`<key directory>/card-pins.key`, owner-only, created on
first use), never in the database. Back it up with them; without it every card needs a new PIN (a new card).
What protects a PIN at the till is the five tries per card (`cards.py`).

The cost is OWASP's minimum for Argon2id (19 MiB, two passes, one lane): about 70 ms of one core here, run in
a worker thread so that a busy till's verifications never hold up the service's event loop; a hash made with
other parameters (an older card) still verifies, since the hash names its own.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mitapo.engine.errors import Invalid

HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
SHORTEST, LONGEST = 4, 6
KEY_FILE = "card-pins.key"


def check(pin: str) -> str:
    """The PIN if it is 4 to 6 ASCII digits; validation_error otherwise."""
    if not (SHORTEST <= len(pin) <= LONGEST and pin.isascii() and pin.isdigit()):
        raise Invalid(f"a PIN is {SHORTEST} to {LONGEST} digits")
    return pin


@functools.cache
def key_in(directory: Path) -> bytes:
    """The PIN key in `directory`, made (32 random bytes, owner-only) by the first process that needs it."""
    path = directory / KEY_FILE
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        draft = directory / f".{KEY_FILE}.{secrets.token_hex(8)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft, path)  # whole or not at all; a worker that linked first wins
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    key = path.read_bytes()
    if len(key) != 32:
        raise RuntimeError(f"{path} is not a PIN key (32 bytes)")
    return key


def _keyed(pin: str, key: bytes) -> str:
    return hmac.new(key, pin.encode(), hashlib.sha256).hexdigest()


async def hashed(pin: str, key: bytes) -> str:
    return await asyncio.to_thread(HASHER.hash, _keyed(check(pin), key))


async def matches(pin_hash: str, pin: str, key: bytes) -> bool:
    """Does `pin` match? In a worker thread: the hash is slow on purpose."""
    return await asyncio.to_thread(_verify, pin_hash, _keyed(pin, key))


def _verify(pin_hash: str, keyed: str) -> bool:
    try:
        return HASHER.verify(pin_hash, keyed)
    except (VerificationError, InvalidHashError):
        return False
