"""The service's app with parts of its request path taken away, for `bench.http_parts`: what each part costs
is the CPU that goes when it goes. `MITAPO_BENCH_WITHOUT` names the parts, comma-separated:

- `log`: the request's log line (the middleware still runs, and times and counts it);
- `middleware`: the request-id middleware whole (its log line and the latency histogram with it);
- `strict`: the strict second decoding of the body (`http.strict`);
- `idempotency`: the canonical-JSON fingerprint of the body (a plain digest of the raw bytes instead);
- `limits`: the abuse limits' take of a payment (the buckets the secret's statement takes, `http.ratelimit`);
- `auth`: the secret's statement in PostgreSQL (each secret looked up once, then remembered: a benchmark
  only);
- `ledger`: the payment itself (the first one is made, every later one answers the same).

Never served: a benchmark's stand-in, patched before the app is built."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from mitapo.accounts import auth as accounts_auth
from mitapo.accounts.principals import Admission
from mitapo.engine.commands import Written
from mitapo.http import idempotency, metrics, middleware, ratelimit, strict
from mitapo.payments import paying

WITHOUT = frozenset(filter(None, os.environ.get("MITAPO_BENCH_WITHOUT", "").split(",")))


class _Silent:
    def info(self, *_: Any, **__: Any) -> None:
        return None


async def _nothing(*_: Any, **__: Any) -> None:
    return None


def _no_metrics(*_: Any) -> None:
    return None


async def _raw_digest(request: Any) -> bytes:
    return hashlib.sha256(await request.body()).digest()


def _remembering_authenticator() -> None:
    original = accounts_auth.Authenticator.admit
    known: dict[str, Admission] = {}

    async def remembered(self: Any, secret: str, *_: Any) -> Admission:
        if secret not in known:
            known[secret] = await original(self, secret)
        return known[secret]

    accounts_auth.Authenticator.admit = remembered


def _no_takes(_: Any) -> tuple[()]:
    return ()


def _one_payment() -> None:
    original = paying.pay
    first: list[Written] = []

    async def pay(*args: Any, **kwargs: Any) -> Written:
        if not first:
            first.append(await original(*args, **kwargs))
        return first[0]

    paying.pay = pay


if "log" in WITHOUT:
    middleware.log = _Silent()
if "middleware" in WITHOUT:
    middleware.request_id_middleware = lambda app: app
    metrics.observe_request = _no_metrics
if "strict" in WITHOUT:
    strict.strict_body = _nothing
if "idempotency" in WITHOUT:
    idempotency._fingerprint = _raw_digest
if "limits" in WITHOUT:
    ratelimit.takes = _no_takes
if "auth" in WITHOUT:
    _remembering_authenticator()
if "ledger" in WITHOUT:
    _one_payment()

from mitapo.app import create_app  # noqa: E402  (after the patches, which the app's imports must see)

app = create_app()
