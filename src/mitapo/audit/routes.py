"""The auditor's endpoints: trial balance, verification, the journal, its export, and the public keys."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from mitapo.accounts import staff_log
from mitapo.accounts.principals import PrincipalView
from mitapo.audit import reports as audit
from mitapo.audit import signing, witnesses
from mitapo.audit.schemas import (
    CheckpointsOut,
    CosignatureIn,
    CosignatureOut,
    EntriesOut,
    KeyRotationOut,
    PublicKeysOut,
    ReversalIn,
    TrialBalanceOut,
    VerificationOut,
    WitnessesOut,
    WitnessIn,
    WitnessOut,
)
from mitapo.engine import ledger
from mitapo.engine.catalog import Code
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo.engine.journal import EntryView
from mitapo.http.auth import roles
from mitapo.http.idempotency import answer_written
from mitapo.http.schemas import Posted, shaped
from mitapo.runtime import Runtime
from mitapo_ledger import cosignature_line

REVERSED = "entry.reversed"  # the staff action


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
    async def trial_balance(self, db: NamedDependency[Database]) -> TrialBalanceOut:
        return shaped(TrialBalanceOut, await audit.trial_balance(db))

    @get("/verify", opt=roles("admin", "auditor"))
    async def verify(self, db: NamedDependency[Database]) -> VerificationOut:
        result = await audit.verify(db)
        report = {
            "ok": result.ok,
            "entries_checked": result.entries_checked,
            "head": {"seq": result.head_seq, "hash": result.head_hash},
            "problems": list(result.problems),
        }
        return shaped(VerificationOut, report)

    @get("/entries", opt=roles("admin", "auditor"))
    async def entries(
        self,
        db: NamedDependency[Database],
        after_seq: Annotated[int, QueryParameter(ge=0, le=2**63 - 1)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> EntriesOut:
        items, next_after = await audit.entries_page(db, after_seq, limit)
        return shaped(EntriesOut, {"items": [entry_json(e) for e in items], "next_after_seq": next_after})

    @get("/checkpoints", opt=roles("admin", "auditor"))
    async def checkpoints(
        self,
        db: NamedDependency[Database],
        after_seq: Annotated[int, QueryParameter(ge=-1, le=2**63 - 1)] = -1,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 1000,
    ) -> CheckpointsOut:
        """Every checkpoint the service signed, oldest first (seq 0 is the empty journal's)."""
        items, next_after = await audit.checkpoints_page(db, after_seq, limit)
        return shaped(CheckpointsOut, {"items": items, "next_after_seq": next_after})

    @get("/export", opt=roles("admin", "auditor"), media_type="application/x-ndjson")
    async def export(
        self,
        runtime: NamedDependency[Runtime],
        db: NamedDependency[Database],
        since_seq: Annotated[int | None, QueryParameter(ge=0, le=2**63 - 1)] = None,
        since_hash: Annotated[str | None, QueryParameter(pattern="^[0-9a-f]{64}$")] = None,
    ) -> Stream:
        """Newline-delimited JSON: every sealed entry, then a checkpoint signed for this export, covering
        every entry committed before it was asked. With `since_seq` and `since_hash` (a checkpoint the
        auditor kept), only what follows it, proving that it extends it (docs/ledger-format.md)."""
        if (since_seq is None) != (since_hash is None):
            raise DomainError(Code.VALIDATION_ERROR, "give since_seq and since_hash together")
        since = None if since_seq is None else await audit.since_checkpoint(db, since_seq, str(since_hash))
        until = await runtime.checkpoint_now(empty=True)
        assert until is not None  # an empty journal is signed too

        async def lines() -> AsyncIterator[bytes]:
            async for line in audit.export_lines(db, until, since):
                yield line.encode()

        return Stream(lines(), media_type="application/x-ndjson")

    @post("/witnesses", opt=roles("admin"), status_code=201)
    async def register_witness(
        self,
        data: JSONBody[WitnessIn],
        db: NamedDependency[Database],
        principal: NamedDependency[PrincipalView],
    ) -> WitnessOut:
        """Register an independent witness's Ed25519 key; the same key again answers as first registered."""
        registered = await witnesses.register(db, data.name, data.public_key, actor=principal.id)
        return shaped(WitnessOut, asdict(registered))

    @get("/witnesses", security=[{}])  # anyone: who vouches for the checkpoints is public
    async def list_witnesses(self, db: NamedDependency[Database]) -> WitnessesOut:
        return shaped(WitnessesOut, {"items": [asdict(w) for w in await witnesses.listed(db)]})

    @post("/cosignatures", security=[{}], status_code=201)  # authenticated by the registered witness key
    async def cosign(self, data: JSONBody[CosignatureIn], db: NamedDependency[Database]) -> CosignatureOut:
        """A witness's cosignature of a checkpoint; stored once per witness and checkpoint."""
        cosignature = witnesses.read_cosignature(msgspec.structs.asdict(data))
        await witnesses.accept(db, cosignature)
        return shaped(CosignatureOut, json.loads(cosignature_line(cosignature)))

    @post("/keys/rotation", opt=roles("admin"), status_code=201)
    async def rotate_signing_key(
        self, runtime: NamedDependency[Runtime], principal: NamedDependency[PrincipalView]
    ) -> KeyRotationOut:
        """A new Ed25519 signing key, current at once in every process of the service; the previous keys
        stay published, so what they signed still verifies. Logged as a staff action."""
        rotated = await signing.rotate(runtime.db, runtime.settings.key_path, actor=principal.id)
        return shaped(KeyRotationOut, asdict(rotated))

    @get("/public-keys", security=[{}])  # anyone: an auditor verifies without trusting the server
    async def public_keys(self, db: NamedDependency[Database]) -> PublicKeysOut:
        keys = await audit.public_keys(db)
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        raw = {kid: key.public_bytes(Encoding.Raw, PublicFormat.Raw) for kid, key in keys.items()}
        listed = [{"kid": kid, "public_key": base64.b64encode(key).decode()} for kid, key in raw.items()]
        return shaped(PublicKeysOut, {"keys": listed})


@post("/v1/entries/{entry_id:str}/reversal", opt=roles("admin"), tags=["audit"])
async def reverse_entry(
    entry_id: FromPath[str],
    data: JSONBody[ReversalIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[Posted]:
    """Undo an entry by its mirror image; the staff action log's line (the reason as given) commits with
    the reversal, and a replay or a refused reversal writes none."""
    logged = (staff_log.row(principal.id, REVERSED, entry_id, data.reason),)
    written = await ledger.reverse(db, entry_id, data.reason, idempotency=idempotency, rows=logged)
    return answer_written(Posted, written)
