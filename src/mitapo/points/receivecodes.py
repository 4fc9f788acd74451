"""A resident's "受け取る" code: what the phone shows so that another resident can give them points without
typing an id. Signed like the pay code (`engine.codes`, purpose `R`), naming the resident and the second it
was issued; good for `RECEIVE_CODE_SECONDS`. It only ever lets someone give points *to* the resident, so it
may be scanned by several givers while it lives; a screenshot of it stops working minutes later."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from mitapo.accounts import residents
from mitapo.engine import codes
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, NotFound
from mitapo.engine.keys import KeyRing

PURPOSE = b"R"
RECEIVE_CODE_SECONDS = 300


def issue(keys: KeyRing, resident_id: str, now: datetime) -> dict[str, Any]:
    """A fresh code: `{payload, expires_at}`."""
    issued = int(now.timestamp())
    payload = codes.encode(keys, PURPOSE, f"{resident_id} {secrets.token_hex(4)}", issued)
    expires_at = datetime.fromtimestamp(issued + RECEIVE_CODE_SECONDS, UTC).isoformat()
    return {"payload": payload, "expires_at": expires_at}


def read(keys: KeyRing, payload: str, now: datetime) -> str:
    """The resident a genuine, live receive code names; `code_invalid` or `code_expired` otherwise."""
    return _read(keys, payload, now)[0]


def _read(keys: KeyRing, payload: str, now: datetime) -> tuple[str, int]:
    purpose, issued, subject = codes.verified(keys, payload)
    parts = subject.split(" ")
    if purpose != PURPOSE or len(parts) != 2:
        raise DomainError("code_invalid", "this is not a みたポ receive code")
    issued_at = datetime.fromtimestamp(issued, UTC)
    codes.check_fresh(issued_at, now, RECEIVE_CODE_SECONDS, "receive code", "ask for a fresh one")
    return parts[0], issued


async def preview(db: Database, keys: KeyRing, payload: str, now: datetime, giver_id: str) -> dict[str, Any]:
    """What the giver's app shows before confirming: the recipient's display name, as the city holds it."""
    resident_id, issued = _read(keys, payload, now)
    async with db.read() as conn:
        found = await residents.find(conn, resident_id)
    if found is None or found.closed_at is not None:
        raise NotFound("resident")
    expires_at = datetime.fromtimestamp(issued + RECEIVE_CODE_SECONDS, UTC).isoformat()
    return {"name": found.name, "is_self": resident_id == giver_id, "expires_at": expires_at}
