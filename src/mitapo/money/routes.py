"""Money and donations: top-ups through the payment channels, premium campaigns, recipients, donations,
matching offers, and closing a resident's account."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post

from mitapo.accounts.principals import PrincipalView
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.http.auth import roles
from mitapo.http.idempotency import created
from mitapo.http.schemas import CampaignIn, ClosureIn, DonationIn, MatchingIn, RecipientIn, TopUpIn
from mitapo.money import campaigns, closing, donations, matching
from mitapo.money import topups as money
from mitapo.runtime import Runtime

TAGS = ["money"]


@post("/v1/topups", opt=roles("admin"), tags=TAGS)
async def top_up(
    data: TopUpIn, runtime: Runtime, principal: PrincipalView, idempotency: Idempotency
) -> Response[dict[str, Any]]:
    request = money.TopUp(data.resident_id, data.amount, data.channel, data.external_ref)
    ceiling = runtime.settings.money_ceiling
    written, body = await money.top_up(runtime.db, request, ceiling=ceiling, idempotency=idempotency)
    return created(written, body)


@post("/v1/campaigns", opt=roles("admin"), tags=TAGS)
async def create_campaign(
    data: CampaignIn, db: Database, principal: PrincipalView, maybe_idempotency: Idempotency | None
) -> Response[dict[str, Any]]:
    campaign = campaigns.NewCampaign(
        data.program_id, data.name, data.rate_percent, data.per_resident_cap, data.starts_at, data.ends_at
    )
    return created(await campaigns.create(db, campaign, idempotency=maybe_idempotency))


@post("/v1/recipients", opt=roles("admin"), tags=TAGS)
async def create_recipient(
    data: RecipientIn, db: Database, principal: PrincipalView, maybe_idempotency: Idempotency | None
) -> Response[dict[str, Any]]:
    return created(await donations.create_recipient(db, data.name, idempotency=maybe_idempotency))


@get("/v1/recipients/{recipient_id:str}", tags=TAGS, security=[{}])
async def read_recipient(recipient_id: str, db: Database) -> dict[str, Any]:
    """Public: anyone may see what a recipient received; anonymous donors are not named."""
    return await donations.public_page(db, recipient_id)


@post("/v1/donations", opt=roles("resident"), tags=TAGS)
async def donate(
    data: DonationIn, db: Database, principal: PrincipalView, idempotency: Idempotency
) -> Response[dict[str, Any]]:
    written, body = await donations.donate(
        db, principal.id, data.recipient_id, data.points, anonymous=data.anonymous, idempotency=idempotency
    )
    return created(written, body)


@post("/v1/matchings", opt=roles("admin"), tags=TAGS)
async def create_matching(
    data: MatchingIn, db: Database, principal: PrincipalView, maybe_idempotency: Idempotency | None
) -> Response[dict[str, Any]]:
    offer = matching.NewMatching(
        data.program_id,
        tuple(data.recipient_ids),
        data.rate_percent,
        data.per_donation_cap,
        data.total_cap,
        data.starts_at,
        data.ends_at,
    )
    return created(await matching.create(db, offer, idempotency=maybe_idempotency))


@post("/v1/residents/{resident_id:str}/closure", opt=roles("admin"), tags=TAGS)
async def close_resident(
    resident_id: str,
    data: ClosureIn,
    db: Database,
    principal: PrincipalView,
    idempotency: Idempotency,
    request: Request[Any, Any, Any],
) -> Response[dict[str, Any]]:
    written = await closing.close(db, resident_id, data.channel, idempotency=idempotency)
    request.app.state.authenticator.forget(resident_id)
    return created(written)


ROUTES = [top_up, create_campaign, create_recipient, read_recipient, donate, create_matching, close_resident]
