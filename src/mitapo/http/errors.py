"""The one place where refusals become HTTP: every error is application/problem+json (RFC 9457) with a stable
`code`, and nothing, not even a bug, answers with anything else."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

from mitapo.engine.catalog import Code
from mitapo.engine.errors import DomainError
from mitapo.engine.failures import is_outage, is_refused_text
from mitapo.http import metrics
from mitapo.limits.rules import Limited

log = structlog.get_logger(__name__)

STATUS: dict[str, int] = {code.value: code.status for code in Code}
"""Every code's HTTP status, from the catalog."""
_BY_STATUS = {
    code.status: code
    for code in (
        Code.UNAUTHORIZED,
        Code.FORBIDDEN,
        Code.NOT_FOUND,
        Code.METHOD_NOT_ALLOWED,
        Code.PAYLOAD_TOO_LARGE,
        Code.UNSUPPORTED_MEDIA_TYPE,
        Code.RATE_LIMITED,
    )
}


class Unauthorized(DomainError):
    def __init__(self) -> None:
        super().__init__(Code.UNAUTHORIZED, "a valid Authorization: Bearer secret is required")


class CredentialRevoked(DomainError):
    def __init__(self) -> None:
        super().__init__(
            Code.CREDENTIAL_REVOKED, "this secret was revoked or replaced; ask the city's staff for a new one"
        )


class Forbidden(DomainError):
    def __init__(self) -> None:
        super().__init__(Code.FORBIDDEN, "this secret's role may not do this")


def problem(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> Response[dict[str, object]]:
    metrics.REFUSALS.labels(code, str(status)).inc()
    return Response(
        {
            "type": f"https://mitapo.city.mitaka.tokyo.jp/problems/{code}",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
            "code": code,
        },
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, object]]:
    headers = None
    if isinstance(exc, Limited):
        metrics.ABUSE.labels(exc.limit).inc()
        headers = {"Retry-After": str(exc.retry_after)}
    elif exc.code == Code.VELOCITY_EXCEEDED:
        metrics.ABUSE.labels("daily_spend").inc()
    return problem(exc.code.status, exc.code, exc.detail, headers)


def validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, object]]:
    detail = exc.detail
    if isinstance(exc.extra, list) and exc.extra:
        detail = "; ".join(
            f"{e.get('key', 'body')}: {e.get('message')}" for e in exc.extra if isinstance(e, dict)
        )
    return problem(400, Code.VALIDATION_ERROR, detail or "the request is not valid")


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, object]]:
    status = exc.status_code
    if status >= 500:
        return internal_error(_, exc)
    code = _BY_STATUS.get(status, Code.VALIDATION_ERROR)
    return problem(status, code, exc.detail or HTTPStatus(status).phrase)


def not_found(_: Request[Any, Any, Any], exc: NotFoundException) -> Response[dict[str, object]]:
    return problem(404, Code.NOT_FOUND, "no such resource")


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, object]]:
    if is_outage(exc):
        log.warning("http.database_unavailable", path=request.url.path, error=type(exc).__name__)
        detail = (
            "the database is out of reach for a moment; nothing was written twice, retry with the same key"
        )
        return problem(503, Code.DATABASE_UNAVAILABLE, detail, {"Retry-After": "1"})
    if is_refused_text(exc):
        return problem(
            400, Code.VALIDATION_ERROR, "a value holds characters that cannot be stored (such as NUL)"
        )
    log.exception("http.internal_error", path=request.url.path, error=type(exc).__name__)
    return problem(
        500, Code.INTERNAL_ERROR, "the service failed; nothing was written twice, retry with the same key"
    )


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    ValidationException: validation_error,
    NotFoundException: not_found,
    HTTPException: http_error,
    Exception: internal_error,
}
