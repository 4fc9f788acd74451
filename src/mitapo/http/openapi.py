"""What the OpenAPI document says beyond what Litestar infers from the handlers, so that the document is
true of every answer (schemathesis holds the service to it, tests/fuzz): every refusal is
application/problem+json (RFC 9457) with a stable `code`, under the statuses `http.errors` gives; the routes
that draw a code answer it as PNG or SVG as well as JSON when asked with `?format=`.

Litestar builds each operation through the handler's `operation_class`; `document` gives every handler this
module's, and the additions are made as the document is built, once, when it is first asked for."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)
from litestar.openapi.spec.operation import Operation

from mitapo.http.reference import RENDER_PLUGINS as RENDER_PLUGINS  # the pages at /schema: offline Redoc

PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status", "detail", "code"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "code": Schema(type=OpenAPIType.STRING, description="a stable snake_case word clients branch on"),
    },
    description="A problem (RFC 9457)",
)
RETRY_AFTER: dict[str, OpenAPIHeader | Reference] = {
    "Retry-After": OpenAPIHeader(schema=Schema(type=OpenAPIType.INTEGER), description="seconds")
}
ALWAYS = {
    400: "validation_error: the request is malformed",
    404: "not_found: no such resource, or not the caller's",
    409: "a conflict: already claimed, used, reversed or settled",
    422: "a refusal the request could not know of: insufficient funds, a cap, an expired code",
    503: "database_unavailable: retry with the same Idempotency-Key",
}
SECURED = {
    401: "unauthorized: no secret, or an unknown one",
    403: "forbidden: this secret's role may not do this",
    429: "rate_limited or locked_out: wait Retry-After seconds",
}
WITH_BODY = {413: "payload_too_large", 415: "unsupported_media_type: send application/json"}
IMAGES = ("image/png", "image/svg+xml")


@dataclass
class DocumentedOperation(Operation):
    """Litestar's operation, plus what the handlers' signatures cannot say: the refusals and the images."""

    def __post_init__(self) -> None:
        responses = self.responses if self.responses is not None else {}
        public = self.security == [{}]
        refusals = {**ALWAYS, **({} if public else SECURED), **(WITH_BODY if self.request_body else {})}
        for status, description in sorted(refusals.items()):
            headers = RETRY_AFTER if status in (429, 503) else None
            responses[str(status)] = OpenAPIResponse(
                description=description,
                content={"application/problem+json": OpenAPIMediaType(schema=PROBLEM)},
                headers=headers,
            )
        if self._draws_images() and "200" in responses:
            success = responses["200"]
            if isinstance(success, OpenAPIResponse) and success.content is not None:
                binary = Schema(type=OpenAPIType.STRING, content_media_type="application/octet-stream")
                success.content.update({media: OpenAPIMediaType(schema=binary) for media in IMAGES})
        self.responses = responses

    def _draws_images(self) -> bool:
        return any(getattr(p, "name", None) == "format" for p in self.parameters or ())


def document(app: Litestar) -> Litestar:
    """Give every handler the documented operation (before the document is first built, which is lazy)."""
    for handler in _handlers(app):
        handler.operation_class = DocumentedOperation
    return app


def _handlers(app: Litestar) -> Iterable[HTTPRouteHandler]:
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if isinstance(handler, HTTPRouteHandler):
                yield handler
