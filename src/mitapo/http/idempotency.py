"""The Idempotency-Key of CONTRACT.md: required on every POST that changes the ledger, scoped to the caller,
bound to the request it first came with (method, path and the body as canonical JSON)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from litestar import Request, Response
from litestar.di import NamedDependency

from mitapo.accounts.principals import PrincipalView
from mitapo.engine.commands import Idempotency, Written
from mitapo.engine.errors import DomainError
from mitapo.http import metrics
from mitapo.http.schemas import OutT, shaped

REPLAYED = "Idempotent-Replayed"


async def request_idempotency(
    request: Request[Any, Any, Any], principal: NamedDependency[PrincipalView]
) -> Idempotency:
    key = request.headers.get("idempotency-key")
    if key is None:
        raise DomainError("idempotency_key_required", "send an Idempotency-Key header with every write")
    if not 1 <= len(key) <= 255 or not all(0x20 <= ord(c) < 0x7F for c in key):
        raise DomainError("validation_error", "Idempotency-Key must be 1 to 255 printable ASCII characters")
    return Idempotency(scope=principal.id, key=key, request_hash=await _fingerprint(request))


async def optional_idempotency(
    request: Request[Any, Any, Any], principal: NamedDependency[PrincipalView]
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


def answer_written(
    shape: type[OutT], written: Written, body: Mapping[str, Any] | None = None, status: int = 201
) -> Response[OutT]:
    """The answer to a ledger write, as the route's declared shape; a replay carries the first answer's body
    and says so in a header. First answer and replay go through the same struct, so their bytes are equal."""
    if written.replayed:
        metrics.REPLAYS.inc()
    first = body if body is not None else written.result
    return answer(shape, first, replayed=written.replayed, status=status)


def answer(
    shape: type[OutT], body: Mapping[str, Any], *, replayed: bool = False, status: int = 201
) -> Response[OutT]:
    """A write's answer as its declared shape; `replayed` for a write outside the ledger that was a replay
    (a creation whose secret is not shown twice)."""
    headers = {REPLAYED: "true"} if replayed else {}
    return Response(shaped(shape, body), status_code=status, headers=headers)
