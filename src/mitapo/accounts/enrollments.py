"""Enrollment: the city gives a resident a one-time code (text, link and QR on a printed letter); the phone
that opens the link registers a passkey with it (`accounts.passkeys`). Only the code's SHA-256 is stored (it
is 128 random bits, so a hash cannot be reversed by guessing); a code works once, never after it expires,
and a newer code voids the older ones, so a lost letter is dead once the counter prints another."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mitapo.accounts import device_reads, staff_log, tables
from mitapo.accounts.device_reads import EnrollmentRow
from mitapo.engine import clock
from mitapo.engine.catalog import Code
from mitapo.engine.codes import qr_svg
from mitapo.engine.commands import Row
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, NotFound

ENROLL_PATH = "/app/enroll"
ISSUED = "enrollment.issued"


@dataclass(frozen=True, slots=True)
class Issued:
    """A new enrollment: the code (shown once), the link a phone opens, and when it stops working."""

    id: str
    code: str
    url: str
    expires_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "url": self.url,
            "expires_at": self.expires_at.isoformat(),
        }

    async def with_qr(self) -> dict[str, Any]:
        return await with_qr(self.as_json())


async def with_qr(enrollment: dict[str, Any]) -> dict[str, Any]:
    """An enrollment's answer with its link's QR as SVG, drawn off the event loop (some 20 ms of CPU, which
    only the answers to staff pay: a resident made by a script or the demo gets no picture)."""
    picture = await asyncio.to_thread(qr_svg, enrollment["url"])
    return enrollment | {"qr_svg": picture.decode()}


def new_code() -> str:
    """16 random bytes as 26 letters and digits in groups of four (base32, no padding): typable from a
    letter, and read aloud without telling 0 from O (base32 has no 0, 1, 8 or 9)."""
    raw = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def normalized(code: str) -> str:
    """What a person typed, as issued: upper case, groups of four, spaces and dashes anywhere."""
    plain = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(plain[i : i + 4] for i in range(0, len(plain), 4))


def code_hash(code: str) -> bytes:
    return hashlib.sha256(normalized(code).encode()).digest()


def link(public_origin: str, code: str) -> str:
    """The code after '#': a browser never sends it to a server, nor to a proxy's log."""
    return f"{public_origin}{ENROLL_PATH}#code={code}"


def prepare(public_origin: str, days: int, now: datetime) -> tuple[Issued, bytes]:
    code = new_code()
    issued = Issued(
        f"enr_{uuid.uuid4().hex[:16]}", code, link(public_origin, code), now + timedelta(days=days)
    )
    return issued, code_hash(code)


def row_for_new_resident(resident_id: str, public_origin: str, days: int) -> tuple[Issued, Row]:
    """The first enrollment, written with the resident in one transaction (`residents.create`)."""
    now = clock.now()
    issued, digest = prepare(public_origin, days, now)
    values = {
        "id": issued.id,
        "resident_id": resident_id,
        "code_hash": digest,
        "created_at": now,
        "expires_at": issued.expires_at,
    }
    return issued, Row(tables.enrollments, values)


async def issue(
    db: Database, resident_id: str, issued_by: str, public_origin: str, days: int, *, letter: bool = False
) -> Issued:
    """A new code for the resident, voiding any earlier one still open; the staff action log records who
    issued it (and whether as a printed letter) in the same transaction."""
    now = clock.now()
    issued, digest = prepare(public_origin, days, now)
    async with db.raw() as conn, conn.transaction():
        exists = await conn.fetchval(
            "SELECT 1 FROM residents WHERE id = $1 AND closed_at IS NULL FOR UPDATE", resident_id
        )
        if not exists:
            raise NotFound("resident")
        await device_reads.void_open_enrollments(conn, resident_id, now)
        await device_reads.insert_enrollment(
            conn, issued.id, resident_id, digest, issued_by, now, issued.expires_at
        )
        said = f"letter {issued.id}" if letter else issued.id
        await staff_log.record(conn, issued_by, ISSUED, resident_id, said)
    return issued


def check_open(found: EnrollmentRow | None, now: datetime) -> EnrollmentRow:
    """The enrollment a code names, if it can still be used; the refusal that says why otherwise."""
    if found is None:
        raise DomainError(Code.CODE_INVALID, "no such enrollment code: check the letter, or ask the city")
    if found.used_at is not None:
        raise DomainError(Code.CODE_USED, "this enrollment code was used already: ask the city for a new one")
    if found.voided_at is not None or found.expires_at <= now:
        raise DomainError(Code.CODE_EXPIRED, "this enrollment code has expired: ask the city for a new one")
    return found
