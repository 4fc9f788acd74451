"""Finding a resident at the counter, by name or by number, as a clerk types either: full-width or
half-width, with or without the space between family and given name, the number with or without its dash.

What was typed decides the search: digits (with spaces or dashes) are a number, or its start when the clerk
has typed only part of it; anything else is part of a name. A query that would list half the town (one Latin
letter, three digits) or that nobody types (over 100 characters) is refused with `query_invalid`; all eight
digits with a wrong check digit are `number_invalid`, as everywhere a number is typed."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from mitapo.accounts import numbers, reads
from mitapo.cards import cards
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError

MAX_CHARS = 100
MIN_DIGITS = 4
LIMIT = 50


@dataclass(frozen=True, slots=True)
class Query:
    digits: str | None  # a number, or the start of one
    name: str | None  # part of a name, NFKC and without spaces


def parse(typed: str) -> Query:
    text = unicodedata.normalize("NFKC", typed[: MAX_CHARS * 4]).strip()
    if not text:
        raise _refused("type part of a name, or a resident number")
    if len(text) > MAX_CHARS:
        raise _refused(f"at most {MAX_CHARS} characters")
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in text):
        raise _refused("control characters are no part of a name")
    digits = numbers.digits_of(text)
    if digits is not None:
        if len(digits) < MIN_DIGITS or len(digits) > numbers.LENGTH:
            raise _refused(f"a number is searched by {MIN_DIGITS} to {numbers.LENGTH} of its digits")
        return Query(numbers.parse(digits) if len(digits) == numbers.LENGTH else digits, None)
    name = "".join(text.split())
    if len(name) < 2 and name.isascii():
        raise _refused("type at least two letters of a name")
    return Query(None, name)


async def find(db: Database, typed: str) -> dict[str, Any]:
    """`{items, more}`: at most `LIMIT` residents, each with their phones (passkeys) and their card; `more`
    when others matched too (type more of the name)."""
    query = parse(typed)
    async with db.raw() as conn:  # a scan of names may take a tenth of a second: not on the lookup pool
        if query.digits is not None:
            found = await reads.search_by_number(conn, query.digits, LIMIT + 1)
        else:
            found = await reads.search_by_name(conn, str(query.name), LIMIT + 1)
    shown = found[:LIMIT]
    card_of = await cards.latest_of(db, [resident.id for resident in shown])
    return {
        "items": [_item(resident, card_of.get(resident.id)) for resident in shown],
        "more": len(found) > LIMIT,
    }


def _item(resident: reads.ResidentFound, card: tuple[str, str] | None) -> dict[str, Any]:
    item = asdict(resident) | {
        "created_at": resident.created_at.isoformat(),
        "closed_at": None if resident.closed_at is None else resident.closed_at.isoformat(),
    }
    item["card"] = None if card is None else {"card_number": card[0], "status": card[1]}
    return item


def _refused(detail: str) -> DomainError:
    return DomainError("query_invalid", detail)
