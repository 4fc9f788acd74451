"""みたポ cards: issued at the city's counter, charged at a shop's till with the PIN, tapped on the bus and
scanned at an event's door without one.

**Which card is alive.** A resident has one card at a time: issuing a card numbers it one generation past the
resident's latest, and the earlier one is dead from that commit on. The writer holds the authority: the issue
raises the counter `card:generation:<resident>` (a `Limit`, in the same transaction as the card's row), and
every charge, fare and check-in by card asks that counter to be still at its card's generation (a `Limit` of
delta 0), so a charge racing the replacement is decided under the same lock, before or after it, never both.
The balance is the resident's, not the card's: it stays when a card is replaced.

**Five tries per card.** A till's PIN attempt is counted before the PIN is checked (`reads.take_attempt`),
so a burst of guesses sent at once gets five, not more; the fifth wrong one locks the card until staff
unlock it, and the right one forgives the wrong ones before it. The count is the card's, never an
address's: a city proxy with thousands of residents behind it locks nobody out.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import structlog

from mitapo.accounts import residents, staff_log
from mitapo.cards import face, numbers, pins, reads, tables
from mitapo.cards.reads import CardView
from mitapo.engine.commands import Command, Idempotency, Limit, Row, Written
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, NotFound
from mitapo.engine.ledger import post

TRIES = 5
ATTEMPT_WAIT_SECONDS = 10.0
ISSUE_ATTEMPTS = 3
log = structlog.get_logger(__name__)
REPLACED = "this card was replaced by a newer one; the balance is on the new card"
ISSUED = "card.issued"  # staff actions, in the staff action log
UNLOCKED = "card.unlocked"


def generation_key(resident_id: str) -> str:
    return f"card:generation:{resident_id}"


@dataclass(frozen=True, slots=True)
class Holder:
    """A card that may pay (or ride, or check in) as far as could be told before the writer decides."""

    card_id: str
    resident_id: str
    generation: int

    @classmethod
    def of(cls, card: CardView) -> Holder:
        return cls(card.id, card.resident_id, card.generation)

    def limits(self, amount: int, day: date, per_day: int | None) -> tuple[Limit, ...]:
        """What a command by this card asks the writer to hold: the card is still its resident's latest,
        and what it paid on `day` (shops and fares) stays within `per_day`."""
        alive = Limit(generation_key(self.resident_id), 0, self.generation, "card_revoked", REPLACED)
        if not per_day or amount <= 0:
            return (alive,)
        spent = Limit(
            f"card:spend:{self.card_id}:{day.isoformat()}",
            amount,
            per_day,
            "velocity_exceeded",
            f"a みたポ card may pay at most ¥{per_day:,} a day",
        )
        return alive, spent


async def issue(
    db: Database,
    resident_id: str,
    pin: str,
    issued_by: str,
    pin_key: bytes,
    *,
    idempotency: Idempotency | None = None,
) -> Written:
    """A new card for the resident, with `pin`: `{card_number, qr_payload, face_url}`. Their earlier card
    stops at the same commit."""
    pin_hash = await pins.hashed(pin, pin_key)
    async with db.read() as conn:
        resident = await residents.find(conn, resident_id)
    if resident is None:
        raise NotFound("resident")
    if resident.closed_at is not None:
        raise DomainError("account_closed", "this resident's account is closed")
    for _ in range(ISSUE_ATTEMPTS):
        async with db.lookup() as conn:
            latest = await reads.latest_generation(conn, resident_id)
        command = _issue_command(resident_id, latest + 1, pin_hash, issued_by, idempotency)
        try:
            return await post(db, command)
        except DomainError as refusal:
            if refusal.code != "card_raced":
                raise
    raise DomainError("rate_limited", "another card is being issued to this resident; try again")


def _issue_command(
    resident_id: str, generation: int, pin_hash: str, issued_by: str, idempotency: Idempotency | None
) -> Command:
    card_id, number = f"card_{uuid.uuid4().hex[:16]}", numbers.new_number()
    row = {
        "id": card_id,
        "number": number,
        "resident_id": resident_id,
        "generation": generation,
        "pin_hash": pin_hash,
        "issued_by": issued_by,
    }
    raced = "another card was issued to this resident meanwhile"
    body = {
        "card_number": number,
        "qr_payload": numbers.qr_payload(number),
        "face_url": f"/v1/cards/{number}/face",
    }
    return Command(
        kind=None,
        rows=(Row(tables.cards, row), staff_log.row(issued_by, ISSUED, card_id, resident_id)),
        limits=(Limit(generation_key(resident_id), 1, generation, "card_raced", raced),),
        idempotency=idempotency,
        result=lambda _: body,
    )


async def find(db: Database, sent: str) -> CardView:
    """The card named by a scanned QR or a typed number; code_invalid when it is no みたポ card."""
    number = numbers.parse(sent)
    async with db.lookup() as conn:
        card = await reads.by_number(conn, number)
    if card is None:
        raise DomainError("code_invalid", "this number is no みたポ card")
    return card


def alive(card: CardView) -> CardView:
    """The card, unless a newer one replaced it (card_revoked)."""
    if card.replaced:
        raise DomainError("card_revoked", REPLACED)
    return card


async def holder(db: Database, sent: str) -> Holder:
    """The holder of a card shown without a PIN (the bus, an event's door); card_revoked once replaced.

    A card locked by wrong PINs still rides and checks in: the lock guards the PIN, and these ask none."""
    return Holder.of(alive(await find(db, sent)))


async def paying_holder(db: Database, sent: str, pin: str, pin_key: bytes) -> Holder:
    """The holder of a card whose PIN was entered at a till: pin_invalid, or card_locked after five."""
    card = alive(await find(db, sent))
    attempt = await _take_attempt(db, card.id)
    right = await pins.matches(card.pin_hash, pin, pin_key)
    async with db.lookup() as conn:
        if right:
            if not await reads.forgive_attempts(conn, card.id):
                raise _locked()
            return Holder.of(card)
        if await reads.lock_if_out_of_tries(conn, card.id, TRIES):
            raise _locked()
    left = TRIES - attempt
    raise DomainError("pin_invalid", f"wrong PIN; {left} {'try' if left == 1 else 'tries'} left")


async def _take_attempt(db: Database, card_id: str) -> int:
    """Count this attempt, waiting while the card's tries are all being checked (charges racing at one
    card: their PINs are most likely right, and each frees its try within a hash's time)."""
    deadline = time.monotonic() + ATTEMPT_WAIT_SECONDS
    while True:
        async with db.lookup() as conn:
            attempt = await reads.take_attempt(conn, card_id, TRIES)
            if attempt is not None:
                return attempt
            if await reads.is_locked(conn, card_id):
                raise _locked()
        if time.monotonic() > deadline:
            raise DomainError("rate_limited", "this card's PIN is being checked at several tills; try again")
        await asyncio.sleep(0.05)


def _locked() -> DomainError:
    return DomainError("card_locked", "five wrong PINs: the card is locked until city staff unlock it")


@dataclass(frozen=True, slots=True)
class CardState:
    """What staff see of a card at the counter."""

    card_number: str
    resident_id: str
    status: str  # "active" | "locked" | "replaced"
    failed_pins: int
    issued_at: str
    locked_at: str | None


def state_of(card: CardView) -> CardState:
    status = "replaced" if card.replaced else "locked" if card.locked_at is not None else "active"
    return CardState(
        card_number=card.number,
        resident_id=card.resident_id,
        status=status,
        failed_pins=card.failed_pins,
        issued_at=card.created_at.isoformat(),
        locked_at=None if card.locked_at is None else card.locked_at.isoformat(),
    )


async def state(db: Database, number: str) -> CardState:
    return state_of(await _by_path_number(db, number))


async def unlock(db: Database, number: str, unlocked_by: str) -> CardState:
    """Staff unlock a card locked by wrong PINs (having seen its holder); its tries start again. One
    statement unlocks it and answers it as it now is; the staff action log's line commits with it."""
    try:
        parsed = numbers.parse(number)
    except DomainError as refusal:
        raise NotFound("card") from refusal
    async with db.raw() as conn, conn.transaction():
        card = await reads.unlock(conn, parsed)
        if card is None:
            raise NotFound("card")
        await staff_log.record(conn, unlocked_by, UNLOCKED, card.id, card.resident_id)
    log.info("card_unlocked", card_id=card.id, resident_id=card.resident_id, by=unlocked_by)
    return state_of(card)


async def printable_face(db: Database, number: str) -> str:
    """The card's face as an HTML page to print (`face.py`); a replaced card's face is not printed again."""
    card = alive(await _by_path_number(db, number))
    async with db.read() as conn:
        resident = await residents.find(conn, card.resident_id)
    if resident is None:
        return face.render(card.number, "")
    return face.render(card.number, resident.name, residents.printed_number(resident.number))


async def _by_path_number(db: Database, number: str, read: reads.CardRead = reads.by_number) -> CardView:
    """The card a staff page's path names, through `read` (a plain read, or one that also changes it);
    not_found, not code_invalid, for a number that is no card's."""
    try:
        parsed = numbers.parse(number)
    except DomainError as refusal:
        raise NotFound("card") from refusal
    async with db.lookup() as conn:
        card = await read(conn, parsed)
    if card is None:
        raise NotFound("card")
    return card


def without_pin(idempotency: Idempotency, what: str, body: Mapping[str, Any]) -> Idempotency:
    """The request's Idempotency record bound to everything but the PIN: the record keeps only a SHA-256
    of the request, and the hash of a body with a 4-digit PIN in it gives the PIN away to a few thousand
    guesses. Leaving it out loses nothing: only a request that was carried out is recorded, and answering it
    again to the same shop pays nothing."""
    canonical = json.dumps({k: v for k, v in body.items() if k != "pin"}, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{what}\n{canonical}".encode()).digest()
    return replace(idempotency, request_hash=digest)


async def latest_of(db: Database, resident_ids: list[str]) -> dict[str, tuple[str, str]]:
    """What the counter's search shows of each resident's card: `(card_number, "active" | "locked")` of the
    newest card (the earlier ones are replaced), for the residents who have one."""
    if not resident_ids:
        return {}
    async with db.lookup() as conn:
        found = await reads.latest_of(conn, resident_ids)
    return {rid: (number, "locked" if locked else "active") for rid, (number, locked) in found.items()}
