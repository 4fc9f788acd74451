"""Who is calling: `Authorization: Bearer <secret>`, one role per secret, checked against the roles a route
declares with `opt=roles(...)`. No or unknown secret: 401; a known secret of another role: 403."""

from __future__ import annotations

from typing import Any

from litestar import Request

from mitapo.db.principals import PrincipalView
from mitapo.http.errors import Forbidden, Unauthorized
from mitapo.services.auth import Authenticator

ANY_ROLE = ("admin", "auditor", "organizer", "resident", "merchant", "operator")


def roles(*allowed: str) -> dict[str, Any]:
    return {"roles": allowed}


async def current_principal(request: Request[Any, Any, Any]) -> PrincipalView:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized
    authenticate: Authenticator = request.app.state.authenticator
    principal = await authenticate(secret.strip())
    if principal is None:
        raise Unauthorized
    allowed = request.route_handler.opt.get("roles", ())
    if principal.role not in allowed:
        raise Forbidden
    return principal
