"""The auditor's endpoints: trial balance, verification, the journal, its export, and the public keys."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.params import Parameter
from litestar.response import Stream

from mitapo.accounts.principals import PrincipalView
from mitapo.audit import reports as audit
from mitapo.engine import ledger
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.engine.journal import EntryView
from mitapo.http.auth import roles
from mitapo.http.idempotency import created
from mitapo.http.schemas import ReversalIn


def entry_json(entry: EntryView) -> dict[str, Any]:
    return {
        "id": entry.id,
        "seq": entry.seq,
        "kind": entry.kind,
        "created_at": entry.created_at.isoformat(),
        "memo": entry.memo,
        "postings": [{"account": p.account, "asset": p.asset, "amount": p.amount} for p in entry.postings],
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


class AuditController(Controller):
    path = "/v1/audit"
    tags = ["audit"]  # noqa: RUF012

    @get("/trial-balance", opt=roles("admin", "auditor"))
    async def trial_balance(self, db: Database, principal: PrincipalView) -> dict[str, Any]:
        return await audit.trial_balance(db)

    @get("/verify", opt=roles("admin", "auditor"))
    async def verify(self, db: Database, principal: PrincipalView) -> dict[str, Any]:
        result = await audit.verify(db)
        return {
            "ok": result.ok,
            "entries_checked": result.entries_checked,
            "head": {"seq": result.head_seq, "hash": result.head_hash},
            "problems": list(result.problems),
        }

    @get("/entries", opt=roles("admin", "auditor"))
    async def entries(
        self,
        db: Database,
        principal: PrincipalView,
        after_seq: Annotated[int, Parameter(ge=0, le=2**63 - 1)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        items, next_after = await audit.entries_page(db, after_seq, limit)
        return {"items": [entry_json(e) for e in items], "next_after_seq": next_after}

    @get("/export", opt=roles("admin", "auditor"), media_type="application/x-ndjson")
    async def export(self, db: Database, principal: PrincipalView) -> Stream:
        async def lines() -> AsyncIterator[bytes]:
            async for line in audit.export_lines(db):
                yield line.encode()

        return Stream(lines(), media_type="application/x-ndjson")

    @get("/public-keys", security=[{}])  # anyone: an auditor verifies without trusting the server
    async def public_keys(self, db: Database) -> dict[str, Any]:
        keys = await audit.public_keys(db)
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return {
            "keys": [
                {
                    "kid": kid,
                    "public_key": base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode(),
                }
                for kid, key in keys.items()
            ]
        }


@post("/v1/entries/{entry_id:str}/reversal", opt=roles("admin"), tags=["audit"])
async def reverse_entry(
    entry_id: str, data: ReversalIn, db: Database, principal: PrincipalView, idempotency: Idempotency
) -> Response[dict[str, Any]]:
    written = await ledger.reverse(db, entry_id, data.reason, idempotency=idempotency)
    return created(written)
