"""The abuse limits at the door (`services.limits`): a route opts in with `roles(..., limit="payments")`;
unknown secrets are counted per address, and an address over the line is locked out before its secret is
even looked up.

The address is the connection's peer as uvicorn reports it: behind the proxy, uvicorn's `--proxy-headers`
(trusting only the proxy's address) makes it the client's own, so a client cannot choose its address by
sending a header."""

from __future__ import annotations

from typing import Any

from litestar import Request

from mitapo.accounts.principals import PrincipalView
from mitapo.limits.rules import Limiter, Policy
from mitapo.runtime import Runtime

LIMITER = "limiter"


def client_address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client is not None else "unknown"


def limiter_of(request: Request[Any, Any, Any]) -> Limiter:
    """This process's limiter, made on first use from the running service's settings."""
    state = request.app.state
    limiter: Limiter | None = state.get(LIMITER)
    if limiter is None:
        runtime: Runtime = state.runtime
        settings = runtime.settings
        policy = Policy(
            per_principal=settings.rate_per_principal,
            per_address=settings.rate_per_address,
            bad_secrets=settings.bad_secrets_per_address,
            bad_secrets_seconds=settings.bad_secrets_window_seconds,
        )
        limiter = Limiter(runtime.db, policy)
        state[LIMITER] = limiter
    return limiter


def refuse_if_locked_out(request: Request[Any, Any, Any]) -> None:
    limiter_of(request).refuse_if_locked_out(client_address(request))


async def count_bad_secret(request: Request[Any, Any, Any]) -> None:
    await limiter_of(request).count_bad_secret(client_address(request))


async def admit(request: Request[Any, Any, Any], principal: PrincipalView) -> None:
    """Count the request against its route's limit, if the route declares one."""
    kind = request.route_handler.opt.get("limit")
    if kind is not None:
        await limiter_of(request).admit(kind, principal.id, client_address(request))
