"""The cards' SQL: a card by number, a resident's latest generation, and the PIN attempts counted per card.

Each is one autocommitted statement on the lookup pool: a till's charge reads its card on the request's hot
path, and the attempt counters change in one atomic UPDATE each, so that racing tries are all counted."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True, slots=True)
class CardView:
    id: str
    number: str
    resident_id: str
    generation: int
    latest_generation: int  # of the resident's cards: this card is alive while it is its own
    pin_hash: str
    failed_pins: int
    locked_at: datetime | None
    created_at: datetime

    @property
    def replaced(self) -> bool:
        return self.latest_generation > self.generation


_COLUMNS = (
    "c.id, c.number, c.resident_id, c.generation,"
    " (SELECT max(n.generation) FROM cards n WHERE n.resident_id = c.resident_id),"
    " c.pin_hash, c.failed_pins, c.locked_at, c.created_at"
)


CardRead = Callable[[asyncpg.Connection, str], Awaitable[CardView | None]]
"""A statement that finds a card by its number (and may change it): `by_number`, `unlock`."""


async def by_number(conn: asyncpg.Connection, number: str) -> CardView | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM cards c WHERE c.number = $1", number)
    return None if row is None else CardView(*row)


async def latest_generation(conn: asyncpg.Connection, resident_id: str) -> int:
    """The generation of the resident's newest card; 0 when they have none."""
    found = await conn.fetchval(
        "SELECT coalesce(max(generation), 0) FROM cards WHERE resident_id = $1", resident_id
    )
    return int(found)


async def take_attempt(conn: asyncpg.Connection, card_id: str, tries: int) -> int | None:
    """Count one PIN attempt before it is checked; None when the card is locked or its tries are taken (by
    attempts still being checked). Counting first is what makes a burst of guesses get `tries`, not more."""
    found = await conn.fetchval(
        "UPDATE cards SET failed_pins = failed_pins + 1"
        " WHERE id = $1 AND locked_at IS NULL AND failed_pins < $2 RETURNING failed_pins",
        card_id,
        tries,
    )
    return None if found is None else int(found)


async def is_locked(conn: asyncpg.Connection, card_id: str) -> bool:
    return bool(await conn.fetchval("SELECT locked_at IS NOT NULL FROM cards WHERE id = $1", card_id))


async def lock_if_out_of_tries(conn: asyncpg.Connection, card_id: str, tries: int) -> bool:
    """After a wrong PIN: lock the card if its tries are used up. True when it is (now) locked."""
    return bool(
        await conn.fetchval(
            "UPDATE cards SET locked_at = coalesce(locked_at, clock_timestamp())"
            " WHERE id = $1 AND failed_pins >= $2 RETURNING true",
            card_id,
            tries,
        )
    )


async def forgive_attempts(conn: asyncpg.Connection, card_id: str) -> bool:
    """After the right PIN: the wrong ones before it are forgiven. False when the card got locked meanwhile
    (by wrong attempts racing this one), and then the right PIN does not pay either."""
    return bool(
        await conn.fetchval(
            "UPDATE cards SET failed_pins = 0 WHERE id = $1 AND locked_at IS NULL RETURNING true", card_id
        )
    )


async def unlock(conn: asyncpg.Connection, number: str) -> CardView | None:
    """Unlock the card and answer it as it now is; None when there is no such card."""
    row = await conn.fetchrow(
        f"UPDATE cards c SET failed_pins = 0, locked_at = NULL WHERE c.number = $1 RETURNING {_COLUMNS}",
        number,
    )
    return None if row is None else CardView(*row)


async def latest_of(conn: asyncpg.Connection, resident_ids: list[str]) -> dict[str, tuple[str, bool]]:
    """Each resident's newest card, the one alive: its number and whether wrong PINs locked it."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (resident_id) resident_id, number, locked_at IS NOT NULL FROM cards"
        " WHERE resident_id = ANY($1::text[]) ORDER BY resident_id, generation DESC",
        resident_ids,
    )
    return {row[0]: (row[1], row[2]) for row in rows}
