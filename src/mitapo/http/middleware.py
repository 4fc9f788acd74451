"""Request ids and one log line per request (method, route, status, duration; never headers or bodies)."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from mitapo.http import metrics

log = structlog.get_logger("mitapo.http")


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("ascii", "ignore")
        request_id = incoming if 0 < len(incoming) <= 64 and incoming.isascii() else uuid.uuid4().hex
        status: dict[str, Any] = {}
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = scope.get("path_template") or "unmatched"  # a template, never the raw path
                metrics.observe_request(scope.get("method", ""), route, status.get("code", 500), seconds)
                log.info(
                    "request",
                    method=scope.get("method"),
                    path=scope["path"],
                    status=status.get("code"),
                    ms=round(seconds * 1000, 2),
                )

    return middleware
