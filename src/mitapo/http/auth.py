"""Who is calling: `Authorization: Bearer <secret>` (or, for a resident's pages, the session cookie of a
passkey sign-in), one role per secret, checked against the roles a route declares with `opt=roles(...)`.
No or unknown secret: 401 `unauthorized`; a revoked secret (a principal's, or a resident's after a lost
phone), or one rotated out and past its grace: 401 `credential_revoked`; a known secret of another role: 403.
Unknown and revoked secrets count towards the lock-out of their address and of themselves (never of a valid
secret), and a route's `limit` towards its rate (`http.ratelimit`).

The check runs first in the app's `before_request` hook (`before_handler`), then the body check
(`http.strict`), both before any dependency, so refusals come in the order 401/403/429, then 400 or 415."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from mitapo.accounts import sessions
from mitapo.accounts.auth import Authenticator
from mitapo.accounts.principals import PrincipalView, RevokedSecret
from mitapo.http import ratelimit, strict
from mitapo.http.errors import CredentialRevoked, Forbidden, Unauthorized

ANY_ROLE = ("admin", "auditor", "organizer", "resident", "merchant", "operator", "clerk")
# The city's counter work (enrol and revoke residents, cards, counter top-ups): the one list of who may do it.
COUNTER = ("admin", "clerk")
PRINCIPAL = "mitapo.principal"


def roles(*allowed: str, limit: str | None = None) -> dict[str, Any]:
    return {"roles": allowed} if limit is None else {"roles": allowed, "limit": limit}


async def role_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Every route that names roles refuses the callers without one of them; a route without (`security=[{}]`,
    the pages, health) is public."""
    if not handler.opt.get("roles"):
        return
    if not isinstance(connection, Request):  # a websocket: none is served, none gets in by mistake
        raise Forbidden
    await current_principal(connection)


async def before_handler(request: Request[Any, Any, Any]) -> None:
    """The app's `before_request`: who may call (401, 403, 429: `role_guard`), then whether the body is valid
    (400, 415: `http.strict`), before any dependency. A hook rather than a guard because Litestar copies the
    route handler for every guard it runs, 15-30 us a request; it serves HTTP routes only, and the app has no
    other kind (`app.create_app` refuses one)."""
    await role_guard(request, request.route_handler)
    await strict.strict_body(request)


async def current_principal(request: Request[Any, Any, Any]) -> PrincipalView:
    """Once per request, however often it is asked (the guard asks before the `principal` dependency does):
    a request counts once against its limits, and one unknown secret is one failure."""
    known: asyncio.Future[PrincipalView] | None = request.state.get(PRINCIPAL)
    if known is not None:
        return await known
    identified: asyncio.Future[PrincipalView] = asyncio.get_running_loop().create_future()
    request.state[PRINCIPAL] = identified
    try:
        principal = await _identify(request)
    except Exception as refusal:
        identified.set_exception(refusal)
        identified.exception()  # retrieved here: nobody else need ask
        raise
    identified.set_result(principal)
    return principal


async def _identify(request: Request[Any, Any, Any]) -> PrincipalView:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return await _by_session(request)
    authenticate: Authenticator = request.app.state.authenticator
    allowed: tuple[str, ...] = request.route_handler.opt.get("roles", ())
    takes = ratelimit.takes(request)
    admission = await authenticate.admit(secret.strip(), allowed, takes)  # the limit in the same statement
    principal = admission.found
    if isinstance(principal, RevokedSecret):
        await ratelimit.count_failure(request, principal.principal_id)
        raise CredentialRevoked
    if principal is None:
        await ratelimit.count_failure(request, ratelimit.secret_credential(secret.strip()))
        raise Unauthorized
    if principal.role not in allowed:
        raise Forbidden
    if takes:
        ratelimit.taken(request, admission.wait)
    return principal


async def _by_session(request: Request[Any, Any, Any]) -> PrincipalView:
    """A resident's page: the session cookie a passkey sign-in set (`accounts.sessions`)."""
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        raise Unauthorized
    principal = await sessions.resident_of(request.app.state.runtime.db, token)
    if principal is None:
        await ratelimit.count_failure(request, ratelimit.secret_credential(token))
        raise Unauthorized
    return await _admitted(request, principal)


async def _admitted(request: Request[Any, Any, Any], principal: PrincipalView) -> PrincipalView:
    allowed = request.route_handler.opt.get("roles", ())
    if principal.role not in allowed:
        raise Forbidden
    await ratelimit.admit(request, principal)
    return principal
