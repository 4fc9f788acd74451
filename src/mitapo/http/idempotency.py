"""The Idempotency-Key of CONTRACT.md: required on every POST that changes the ledger, scoped to the caller,
bound to the request it first came with (method, path and the body as canonical JSON)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from litestar import Request, Response

from mitapo.accounts.principals import PrincipalView
from mitapo.engine.commands import Idempotency, Written
from mitapo.engine.errors import DomainError
from mitapo.http import metrics

REPLAYED = "Idempotent-Replayed"


async def request_idempotency(request: Request[Any, Any, Any], principal: PrincipalView) -> Idempotency:
    key = request.headers.get("idempotency-key")
    if key is None:
        raise DomainError("idempotency_key_required", "send an Idempotency-Key header with every write")
    if not 1 <= len(key) <= 255 or not all(0x20 <= ord(c) < 0x7F for c in key):
        raise DomainError("validation_error", "Idempotency-Key must be 1 to 255 printable ASCII characters")
    return Idempotency(scope=principal.id, key=key, request_hash=await _fingerprint(request))


async def optional_idempotency(
    request: Request[Any, Any, Any], principal: PrincipalView
) -> Idempotency | None:
    """For writes outside the ledger (creating a resident, a shop): honoured when sent, not required."""
    if request.headers.get("idempotency-key") is None:
        return None
    return await request_idempotency(request, principal)


async def _fingerprint(request: Request[Any, Any, Any]) -> bytes:
    raw = await request.body()
    try:
        body: Any = json.loads(raw) if raw else None
    except ValueError:
        body = raw.decode("utf-8", "replace")
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.url.path}\n{canonical}".encode()).digest()


def created(
    written: Written, body: dict[str, Any] | None = None, status: int = 201
) -> Response[dict[str, Any]]:
    """The answer to a write; a replay carries the first answer's body and says so in a header."""
    headers = {REPLAYED: "true"} if written.replayed else {}
    if written.replayed:
        metrics.REPLAYS.inc()
    return Response(body if body is not None else dict(written.result), status_code=status, headers=headers)
