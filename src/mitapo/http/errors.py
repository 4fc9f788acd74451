"""The one place where refusals become HTTP: every error is application/problem+json (RFC 9457) with a stable
`code`, and nothing, not even a bug, answers with anything else."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

from mitapo.engine.errors import DomainError
from mitapo.engine.failures import is_outage, is_refused_text
from mitapo.http import metrics
from mitapo.limits.rules import Limited

log = structlog.get_logger(__name__)

STATUS = {
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "validation_error": 400,
    "idempotency_key_required": 400,
    "idempotency_mismatch": 422,
    "insufficient_funds": 422,
    "budget_exhausted": 422,
    "cap_exceeded": 422,
    "already_claimed": 409,
    "already_reversed": 409,
    "code_expired": 422,
    "code_invalid": 422,
    "code_used": 409,
    "event_not_open": 422,
    "event_full": 409,
    "gifting_disabled": 403,
    "refund_exceeds_payment": 422,
    "duplicate_external_ref": 409,
    "balance_limit_exceeded": 422,
    "hold_not_pending": 409,
    "already_settled": 409,
    "account_closed": 409,
    "holds_pending": 409,
    "tap_in_future": 422,
    "tap_too_old": 422,
    "route_code_taken": 409,
    "route_not_bookable": 422,
    "booking_closed": 409,
    "transit_busy": 409,
    "rate_limited": 429,
    "locked_out": 429,
    "velocity_exceeded": 422,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
}
_BY_STATUS = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class Unauthorized(DomainError):
    def __init__(self) -> None:
        super().__init__("unauthorized", "a valid Authorization: Bearer secret is required")


class Forbidden(DomainError):
    def __init__(self) -> None:
        super().__init__("forbidden", "this secret's role may not do this")


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
    elif exc.code == "velocity_exceeded":
        metrics.ABUSE.labels("daily_spend").inc()
    return problem(STATUS.get(exc.code, 422), exc.code, exc.detail, headers)


def validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, object]]:
    detail = exc.detail
    if isinstance(exc.extra, list) and exc.extra:
        detail = "; ".join(
            f"{e.get('key', 'body')}: {e.get('message')}" for e in exc.extra if isinstance(e, dict)
        )
    return problem(400, "validation_error", detail or "the request is not valid")


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, object]]:
    status = exc.status_code
    if status >= 500:
        return internal_error(_, exc)
    code = _BY_STATUS.get(status, "validation_error")
    return problem(status, code, exc.detail or HTTPStatus(status).phrase)


def not_found(_: Request[Any, Any, Any], exc: NotFoundException) -> Response[dict[str, object]]:
    return problem(404, "not_found", "no such resource")


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, object]]:
    if is_outage(exc):
        log.warning("http.database_unavailable", path=request.url.path, error=type(exc).__name__)
        detail = (
            "the database is out of reach for a moment; nothing was written twice, retry with the same key"
        )
        return problem(503, "database_unavailable", detail, {"Retry-After": "1"})
    if is_refused_text(exc):
        return problem(
            400, "validation_error", "a value holds characters that cannot be stored (such as NUL)"
        )
    log.exception("http.internal_error", path=request.url.path, error=type(exc).__name__)
    return problem(
        500, "internal_error", "the service failed; nothing was written twice, retry with the same key"
    )


EXCEPTION_HANDLERS = {
    DomainError: domain_error,
    ValidationException: validation_error,
    NotFoundException: not_found,
    HTTPException: http_error,
    Exception: internal_error,
}
