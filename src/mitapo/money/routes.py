"""Money and donations: top-ups through the payment channels, premium campaigns, recipients, donations,
matching offers, and closing a resident's account."""

from __future__ import annotations

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from mitapo.accounts.principals import PrincipalView
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.http.auth import COUNTER, roles
from mitapo.http.idempotency import answer_written
from mitapo.http.schemas import Created, shaped
from mitapo.money import campaigns, closing, donations, matching
from mitapo.money import topups as money
from mitapo.money.schemas import (
    CampaignIn,
    CampaignsOut,
    Closed,
    ClosureIn,
    Donated,
    DonationIn,
    MatchingIn,
    RecipientIn,
    RecipientOut,
    ToppedUp,
    TopUpIn,
)
from mitapo.runtime import Runtime

TAGS = ["money"]


@post("/v1/topups", opt=roles(*COUNTER), tags=TAGS)
async def top_up(
    data: JSONBody[TopUpIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[ToppedUp]:
    request = money.TopUp(data.resident_id, data.amount, data.channel, data.external_ref)
    ceiling = runtime.settings.money_ceiling
    written, body = await money.top_up(
        runtime.db, request, ceiling=ceiling, idempotency=idempotency, actor=principal.id
    )
    return answer_written(ToppedUp, written, body)


@post("/v1/campaigns", opt=roles("admin"), tags=TAGS)
async def create_campaign(
    data: JSONBody[CampaignIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[Created]:
    campaign = campaigns.NewCampaign(
        data.program_id, data.name, data.rate_percent, data.per_resident_cap, data.starts_at, data.ends_at
    )
    written = await campaigns.create(db, campaign, idempotency=maybe_idempotency, actor=principal.id)
    return answer_written(Created, written)


@get("/v1/campaigns", opt=roles("admin"), tags=TAGS)
async def list_campaigns(db: NamedDependency[Database]) -> CampaignsOut:
    """Every premium campaign (the latest 500 to start first): its program, rate, cap and dates."""
    return shaped(CampaignsOut, {"items": await campaigns.listing(db)})


@post("/v1/recipients", opt=roles("admin"), tags=TAGS)
async def create_recipient(
    data: JSONBody[RecipientIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[Created]:
    written = await donations.create_recipient(
        db, data.name, idempotency=maybe_idempotency, actor=principal.id
    )
    return answer_written(Created, written)


@get("/v1/recipients/{recipient_id:str}", tags=TAGS, security=[{}])
async def read_recipient(recipient_id: FromPath[str], db: NamedDependency[Database]) -> RecipientOut:
    """Public: anyone may see what a recipient received; anonymous donors are not named."""
    return shaped(RecipientOut, await donations.public_page(db, recipient_id))


@post("/v1/donations", opt=roles("resident"), tags=TAGS)
async def donate(
    data: JSONBody[DonationIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[Donated]:
    named = data.public_name and data.anonymous is not True
    written, body = await donations.donate(
        db, principal.id, data.recipient_id, data.points, public_name=named, idempotency=idempotency
    )
    return answer_written(Donated, written, body)


@post("/v1/matchings", opt=roles("admin"), tags=TAGS)
async def create_matching(
    data: JSONBody[MatchingIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[Created]:
    offer = matching.NewMatching(
        data.program_id,
        tuple(data.recipient_ids),
        data.rate_percent,
        data.per_donation_cap,
        data.total_cap,
        data.starts_at,
        data.ends_at,
    )
    created = await matching.create(db, offer, idempotency=maybe_idempotency, actor=principal.id)
    return answer_written(Created, created)


@post("/v1/residents/{resident_id:str}/closure", opt=roles("admin"), tags=TAGS)
async def close_resident(
    resident_id: FromPath[str],
    data: JSONBody[ClosureIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[Closed]:
    written = await closing.close(db, resident_id, data.channel, idempotency=idempotency, actor=principal.id)
    return answer_written(Closed, written)


ROUTES = [
    top_up,
    create_campaign,
    list_campaigns,
    create_recipient,
    read_recipient,
    donate,
    create_matching,
    close_resident,
]
