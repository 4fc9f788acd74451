"""みたポ cards at the city's counter: issue one (the earlier card stops), see its state, unlock it after five
wrong PINs, print its face. Charging, riding and checking in by card are the payments', transit's and points'
routes, which take `card` where they take a code."""

from __future__ import annotations

from dataclasses import asdict

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from mitapo.accounts.principals import PrincipalView
from mitapo.cards import cards, pins
from mitapo.cards.schemas import CardIn, CardIssued, CardStateOut
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.http.auth import COUNTER, roles
from mitapo.http.idempotency import answer_written
from mitapo.http.schemas import shaped
from mitapo.runtime import Runtime

TAGS = ["cards"]


@post("/v1/residents/{resident_id:str}/cards", opt=roles(*COUNTER), tags=TAGS)
async def issue_card(
    resident_id: FromPath[str],
    data: JSONBody[CardIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[CardIssued]:
    """A new card with the PIN the resident chose at the counter; their earlier card stops at once."""
    idempotency = maybe_idempotency
    if idempotency is not None:
        idempotency = cards.without_pin(idempotency, f"card for {resident_id}", {})
    pin_key = pins.key_in(runtime.settings.key_path)
    written = await cards.issue(
        runtime.db, resident_id, data.pin, principal.id, pin_key, idempotency=idempotency
    )
    return answer_written(CardIssued, written)


@get("/v1/cards/{card_number:str}", opt=roles(*COUNTER), tags=TAGS)
async def card_state(card_number: FromPath[str], db: NamedDependency[Database]) -> CardStateOut:
    return shaped(CardStateOut, asdict(await cards.state(db, card_number)))


@post("/v1/cards/{card_number:str}/unlock", opt=roles(*COUNTER), tags=TAGS, status_code=200)
async def unlock_card(
    card_number: FromPath[str], db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> CardStateOut:
    """After five wrong PINs, staff who have seen the holder unlock the card; its five tries start again."""
    return shaped(CardStateOut, asdict(await cards.unlock(db, card_number, principal.id)))


@get("/v1/cards/{card_number:str}/face", opt=roles(*COUNTER), tags=TAGS, media_type="text/html")
async def card_face(card_number: FromPath[str], db: NamedDependency[Database]) -> Response[str]:
    """The card's printable face: card size (85.6 × 54 mm), Japanese, the QR code and the number."""
    page = await cards.printable_face(db, card_number)
    return Response(page, media_type="text/html", headers={"Cache-Control": "no-store"})


ROUTES = [issue_card, card_state, unlock_card, card_face]
