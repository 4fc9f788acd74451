"""The abuse limits at the door (`limits.rules`): a route opts in with `roles(..., limit="payments")`; failed
secrets (unknown, revoked) are counted per client address and per secret, and refused with `locked_out` once
either had too many. A valid secret is never refused for what others sent from its address.

The client address is the connection's peer, unless that peer is one of `MITAPO_TRUSTED_PROXIES` (addresses or
networks, comma-separated: the reverse proxy in front of the service, `deploy/`): then it is the nearest
address in `X-Forwarded-For` that is not a trusted proxy. A client cannot choose its address by sending the
header itself: only a trusted proxy's header is read, and from its end, where the proxy wrote the peer it saw.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from functools import cache
from typing import Any

from litestar import Request

from mitapo.accounts.principals import PrincipalView
from mitapo.limits.rules import Limiter, Policy
from mitapo.runtime import Runtime

LIMITER = "limiter"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@cache
def trusted_networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str | None, networks: Sequence[Network]) -> str:
    """The client's address: the peer, or behind trusted proxies the nearest untrusted hop they recorded."""
    if not forwarded_for or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    client = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return client  # garbage a client sent ahead of the proxy's own entries: stop at the last good
        client = hop
        if not _trusted(hop, networks):
            return hop
    return client


def client_address(request: Request[Any, Any, Any]) -> str:
    peer = request.client.host if request.client is not None else "unknown"
    proxies: tuple[str, ...] = request.app.state.runtime.settings.trusted_proxies
    if not proxies:
        return peer
    return forwarded_client(peer, request.headers.get("x-forwarded-for"), trusted_networks(proxies))


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
            bad_per_credential=settings.bad_secrets_per_credential,
        )
        limiter = Limiter(runtime.db, policy)
        state[LIMITER] = limiter
    return limiter


def secret_credential(secret: str) -> str:
    """What an unknown secret is counted as: a digest, so the buckets never hold a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()[:32]


async def count_failure(request: Request[Any, Any, Any], credential: str) -> None:
    """A failed credential: refused with locked_out if its address or itself is locked out already (not
    counted again), else counted, and refused with locked_out when that was one too many."""
    limiter, address = limiter_of(request), client_address(request)
    limiter.refuse_if_locked_out(address, credential)
    await limiter.count_bad_secret(address, credential)


def takes(request: Request[Any, Any, Any]) -> tuple[tuple[str, float, float], ...]:
    """The buckets of the route's limit, for the statement that looks the secret up to take them in the same
    round trip (`accounts.auth.Authenticator.admit`); none if the route declares no limit."""
    kind = request.route_handler.opt.get("limit")
    return () if kind is None else limiter_of(request).takes_for(kind, client_address(request))


def taken(request: Request[Any, Any, Any], wait: float) -> None:
    """After that statement: refused with rate_limited if it had to wait, else counted as taken."""
    limiter = limiter_of(request)
    if wait > 0:
        raise limiter.refused(request.route_handler.opt["limit"], wait)
    limiter.taken_elsewhere()


async def admit(request: Request[Any, Any, Any], principal: PrincipalView) -> None:
    """Count the request against its route's limit, if the route declares one."""
    kind = request.route_handler.opt.get("limit")
    if kind is not None:
        await limiter_of(request).admit(kind, principal.id, client_address(request))


NUMBER_LOOKUPS = "number_lookups"


async def admit_number_lookup(request: Request[Any, Any, Any], principal: PrincipalView) -> None:
    """A resident looking someone up by their short number (a gift or its preview): counted against the
    resident's hourly allowance (`MITAPO_NUMBER_LOOKUPS_PER_HOUR`), so that nobody learns the town's names by
    trying numbers (docs/security.md, "Resident numbers")."""
    per_hour: int = request.app.state.runtime.settings.number_lookups_per_hour
    await limiter_of(request).admit_hourly(NUMBER_LOOKUPS, principal.id, per_hour)
