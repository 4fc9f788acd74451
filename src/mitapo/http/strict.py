"""Bodies are decoded strictly: Litestar converts request data leniently (the string "1000" would pass as the
integer 1000), but CONTRACT.md says amounts are integers, so every JSON body is first decoded by msgspec in
strict mode against the handler's declared type, before anything else sees it. A body sent as anything but
JSON (a form, plain text, no type at all) is refused with 415 whatever it holds, never guessed at."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

from mitapo.engine.errors import DomainError

JSON_MEDIA = re.compile(r"^\s*application/([\w.-]+\+)?json\s*(;.*)?$", re.IGNORECASE)


async def strict_body(request: Request[Any, Any, Any]) -> None:
    """Who may call comes first (401, 403: the role check has run, `http.auth.before_handler`), then whether
    the body is valid (400). `data: JSONBody[X]` is seen here as X."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    body_type = data.annotation if data is not None else None
    if not isinstance(body_type, type) or not issubclass(body_type, msgspec.Struct):
        return
    raw = await request.body()
    if raw and not JSON_MEDIA.match(request.headers.get("content-type", "")):
        raise DomainError("unsupported_media_type", "send the body as application/json")
    try:
        msgspec.json.decode(raw, type=body_type, strict=True)
    except msgspec.ValidationError as error:
        raise ValidationException(detail=str(error)) from None
    except msgspec.DecodeError:
        raise ValidationException(detail="the body is not valid JSON") from None
