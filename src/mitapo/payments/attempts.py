"""Asking after a lost answer: did the payment sent with this Idempotency-Key go through?

The app never guesses. When a payment's answer does not arrive (the train enters a tunnel), it asks here
before it says anything: `paid` with the payment that was written under the key, or `unknown` when nothing
was (yet), in which case sending the same request with the same key again pays at most once."""

from __future__ import annotations

from typing import Any

import msgspec

from mitapo.engine import idempotency
from mitapo.engine.database import Database
from mitapo.payments import reads
from mitapo.payments.paying import listed


async def attempt(db: Database, resident_id: str, key: str) -> dict[str, Any]:
    """The resident's own attempt only: keys are scoped to the caller, and the payment must be theirs."""
    async with db.read() as conn:
        known = await idempotency.record(conn, resident_id, key)
        found = None
        if known is not None and known.entry_id is not None:
            found = await reads.payment_of_entry(conn, known.entry_id)
        if found is None or found.resident_id != resident_id:
            return {"status": "unknown", "payment": None}
        shop = await reads.merchant(conn, found.merchant_id)
    receipt = msgspec.structs.asdict(listed(found))
    receipt["merchant_name"] = shop.name if shop is not None else ""
    return {"status": "paid", "payment": receipt}
