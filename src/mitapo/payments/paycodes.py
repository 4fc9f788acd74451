"""A resident's pay code: what the phone shows and a shop till or a bus reader scans.

Signed like a check-in code (`engine.codes`, purpose `P`), naming the resident, a unique id (`jti`) and the
way to pay, with the second it was issued as its time step; good for one charge within
`settings.pay_code_seconds`. Whoever charges it spends `once(code)` in the same transaction as the entry, so a
screenshot replayed a second later is refused. `verify` takes the moment to judge at: a bus reader that
uploads its taps hours later judges each code at its tap's time.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mitapo.engine import codes
from mitapo.engine.commands import Once
from mitapo.engine.errors import DomainError
from mitapo.engine.funding import FUNDING_MODES, FundingMode
from mitapo.engine.keys import KeyRing

PURPOSE = b"P"


@dataclass(frozen=True, slots=True)
class PayCode:
    resident_id: str
    jti: str
    funding: FundingMode
    issued_at: datetime


def issue(
    keys: KeyRing, resident_id: str, now: datetime, seconds: int, funding: FundingMode = "points_first"
) -> dict[str, Any]:
    """A fresh code for the resident: `{payload, expires_at}`."""
    issued = int(now.timestamp())
    payload = codes.encode(keys, PURPOSE, f"{resident_id} {secrets.token_hex(8)} {funding}", issued)
    return {"payload": payload, "expires_at": datetime.fromtimestamp(issued + seconds, UTC).isoformat()}


def verify(keys: KeyRing, payload: str, at: datetime, seconds: int) -> PayCode:
    """The resident and code id of a genuine pay code valid at `at`; else code_invalid or code_expired."""
    code = read(keys, payload)
    check_fresh(code, at, seconds)
    return code


def read(keys: KeyRing, payload: str) -> PayCode:
    """What a genuine pay code says, whenever it was issued; code_invalid for anything else."""
    purpose, issued, subject = codes.verified(keys, payload)
    parts = subject.split(" ")
    if purpose != PURPOSE or len(parts) != 3 or parts[2] not in FUNDING_MODES:
        raise DomainError("code_invalid", "this is not a みたポ pay code")
    resident_id, jti, funding = parts
    return PayCode(resident_id, jti, funding, datetime.fromtimestamp(issued, UTC))  # type: ignore[arg-type]


def check_fresh(code: PayCode, at: datetime, seconds: int) -> None:
    """Refuse a code used more than `seconds` after it was issued (code_expired), or before (code_invalid)."""
    codes.check_fresh(code.issued_at, at, seconds, "pay code", "show a fresh one")


def once(code: PayCode) -> Once:
    """The token that makes the code single-use; spend it with the entry that charges it."""
    return Once(f"paycode:{code.jti}", "code_used")
