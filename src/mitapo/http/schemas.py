"""The shapes shared at the edge: the bases of request and response bodies and the field types they are made
of. Each capability's own bodies live in its `schemas.py` (`mitapo.points.schemas`, ...).

Requests: msgspec validates them strictly: an amount is an integer (never a float, a string or a boolean)
within bounds, unknown fields are refused, strings have lengths. Responses: every route declares its answer
as an `Out` struct, so the OpenAPI document describes every body: the contract the SDK is checked against."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, TypeVar

import msgspec


def whole(body: str) -> str:
    """A pattern the whole string must match. Python's `$` (msgspec checks patterns with `re`) also matches
    before a final newline, so `^[0-9]{4}$` let "1234\\n" through; the lookahead makes it the true end, and
    means nothing more in JSON Schema's (ECMAScript) dialect, where the OpenAPI document shows it."""
    return rf"^(?:{body})$(?!\n)"


Points = Annotated[int, msgspec.Meta(gt=0, le=1_000_000_000)]
Yen = Annotated[int, msgspec.Meta(gt=0, le=10_000_000)]
# A name is one line people read: no control characters, no bidirectional overrides or isolates (they can make
# a shop's name read as another's), not blank. PostgreSQL cannot store NUL in text at all.
_NAME_CHAR = r"[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
_NAME_PATTERN = whole(rf"{_NAME_CHAR}*[^\s\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]{_NAME_CHAR}*")
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=_NAME_PATTERN)]
Text = Annotated[str, msgspec.Meta(max_length=1000)]


class Body(msgspec.Struct, forbid_unknown_fields=True):
    """Base of every request body."""


class Out(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every response body. A key the answer sometimes lacks is `X | msgspec.UnsetType = UNSET`
    (left out of the JSON when unset); a key that is present with null is `X | None`."""


OutT = TypeVar("OutT", bound=Out)


class Created(Out):
    """A thing made: its id."""

    id: str


class Posted(Out):
    """A journal entry written: its id (a funding, a gift, a reversal)."""

    entry_id: str


def shaped(shape: type[OutT], body: Mapping[str, Any]) -> OutT:
    """A service's answer as its declared shape. Strict, and refusing unknown keys: an answer that does not
    match what the route declares fails here (a 500 in tests) rather than drifting from the document. The
    JSON is the same as the dict's, up to the order of the keys (the struct's)."""
    return msgspec.convert(body, shape, strict=True)


Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=whole(r"[\x21-\x7e]+"))]
Moment = Annotated[datetime, msgspec.Meta(tz=True)]


Channel = Annotated[
    str, msgspec.Meta(pattern=whole(r"[a-z][a-z0-9_]{0,39}"), examples=["bank_transfer", "card"])
]
ExternalRef = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=whole(r"[^\x00-\x1f\x7f]+"))]
RatePercent = Annotated[int, msgspec.Meta(ge=1, le=1000)]
