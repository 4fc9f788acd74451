"""Reading an Idempotency-Key's record outside the writer (the writer writes it with the entry)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.engine.tables import IdempotencyKey


@dataclass(frozen=True, slots=True)
class KeyRecord:
    request_hash: bytes
    result: dict[str, Any]
    entry_id: uuid.UUID | None


async def record(conn: AsyncConnection, scope: str, key: str) -> KeyRecord | None:
    row = (
        await conn.execute(
            select(IdempotencyKey.request_hash, IdempotencyKey.result, IdempotencyKey.entry_id).where(
                IdempotencyKey.scope == scope, IdempotencyKey.key == key
            )
        )
    ).first()
    return None if row is None else KeyRecord(bytes(row.request_hash), row.result, row.entry_id)
