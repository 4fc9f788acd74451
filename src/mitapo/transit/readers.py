"""Readers on the buses, each with its own Ed25519 key, and the taps they sign.

A tap may be uploaded up to a day late, and the pay code in it is judged at the tap's `tapped_at`. Taken on
the operator's word, that let anyone holding the operator's key charge a code they had once seen (a
screenshot, a renewed code never used) for a day, by backdating `tapped_at` into the code's minute. So a
late tap must prove it was read in time: the reader that read it signs the tap record (`record`: its own id,
the route, the moment and the code) with its own key when it reads it, and the service checks the signature
against the key registered for that reader of that operator. An unsigned tap proves nothing about its time:
its code must still be fresh when it arrives (`rides._tap`).
"""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mitapo.accounts import staff_log
from mitapo.engine.catalog import Code
from mitapo.engine.commands import Command, Idempotency, Row
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.transit import reads, tables

RECORD_TAG = "mitapo-tap-v1"
REGISTERED = "reader.registered"
REVOKED = "reader.revoked"
LISTED = 500


@dataclass(frozen=True, slots=True)
class Signed:
    """The reader's id and its signature (base64) over the tap record."""

    reader_id: str
    signature: str


def record(reader_id: str, route: str, tapped_at: datetime, pay_code: str) -> bytes:
    """The bytes a reader signs: one line each for the tag, its id, the route's code, the moment as whole
    milliseconds since 1970 (UTC), and the pay code as scanned."""
    millis = int(tapped_at.timestamp() * 1000)
    return "\n".join((RECORD_TAG, reader_id, route, str(millis), pay_code)).encode()


def _decoded(text: str, size: int, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Invalid(f"{what} must be base64") from None
    if len(raw) != size:
        raise Invalid(f"{what} must be {size} bytes")
    return raw


async def register(
    db: Database,
    operator_id: str,
    name: str,
    public_key: str,
    *,
    idempotency: Idempotency | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Register a reader of the operator with its public key (raw 32 bytes, base64); answer the reader.
    With `actor`, the staff action log records who registered it, in the same transaction."""
    raw = _decoded(public_key, 32, "public_key")
    async with db.read() as conn:
        if not await reads.operator_exists(conn, operator_id):
            raise NotFound("operator")
        if await reads.reader_with_key(conn, raw):
            raise Invalid("this public key is registered already")
    reader_id = f"rdr_{uuid.uuid4().hex[:16]}"
    row = {"id": reader_id, "operator_id": operator_id, "name": name, "public_key": raw}
    answer = {"id": reader_id, "operator_id": operator_id, "name": name, "public_key": public_key}
    logged = (staff_log.row(actor, REGISTERED, reader_id, f"{operator_id}: {name}"),) if actor else ()
    written = await post(
        db,
        Command(
            kind=None,
            rows=(Row(tables.readers, row), *logged),
            idempotency=idempotency,
            result=lambda _: answer,
        ),
    )
    return dict(written.result)


async def listing(db: Database, operator_id: str | None) -> list[dict[str, Any]]:
    """The readers (the operator's own, or every operator's for the city), newest first, with their keys
    as registered (base64) and whether they were revoked."""
    async with db.read() as conn:
        found = await reads.reader_list(conn, operator_id, LISTED)
    return [
        {
            "id": reader.id,
            "operator_id": reader.operator_id,
            "operator_name": reader.operator_name,
            "name": reader.name,
            "public_key": base64.b64encode(reader.public_key).decode(),
            "created_at": reader.created_at,
            "revoked_at": reader.revoked_at,
        }
        for reader in found
    ]


async def operators(db: Database) -> list[dict[str, str]]:
    """The operators by name: whom the console offers when it registers a route or a reader."""
    async with db.read() as conn:
        return [{"id": i, "name": n} for i, n in await reads.operator_list(conn, LISTED)]


async def revoke(
    db: Database, reader_id: str, *, actor: str, reason: str, operator_id: str | None = None
) -> dict[str, Any]:
    """Stop a reader's key at once: a tap it signs is refused (`code_invalid`, like an unknown reader's).
    `operator_id`: an operator revokes only its own readers (another's is not found). Revoking twice
    keeps the first moment; each request is in the staff action log with its reason."""
    async with db.raw() as conn, conn.transaction():
        found = await reads.revoke_reader(conn, reader_id)
        if found is None or (operator_id is not None and found[0] != operator_id):
            raise NotFound("reader")
        await staff_log.record(conn, actor, REVOKED, reader_id, reason)
    return {"id": reader_id, "revoked_at": found[1]}


async def check(
    db: Database, operator_id: str, signed: Signed, route: str, tapped_at: datetime, pay_code: str
) -> None:
    """Refuse (`code_invalid`) a tap whose signature is not its reader's: an unknown reader, another
    operator's, or a signature over anything else than this tap."""
    signature = _decoded(signed.signature, 64, "signature")
    async with db.read() as conn:
        key = await reads.reader_key(conn, operator_id, signed.reader_id)
    if key is None:
        raise DomainError(Code.CODE_INVALID, "the tap names no registered reader of this operator")
    try:
        Ed25519PublicKey.from_public_bytes(key).verify(
            signature, record(signed.reader_id, route, tapped_at, pay_code)
        )
    except InvalidSignature:
        raise DomainError(Code.CODE_INVALID, "the reader's signature does not cover this tap") from None
