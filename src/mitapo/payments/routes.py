"""Paying at shops: merchants and their codes, payment requests, payments, charges, refunds, webhooks,
cashback campaigns and settlements."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from mitapo.accounts.principals import PrincipalView
from mitapo.cards import pins
from mitapo.engine import clock, codes
from mitapo.engine.commands import Idempotency
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.http import ratelimit
from mitapo.http.auth import roles
from mitapo.http.idempotency import REPLAYED, answer, answer_written
from mitapo.http.schemas import shaped, whole
from mitapo.payments import attempts, cashback, merchants, paycodes, payees, refunds, settlement, transfers
from mitapo.payments import paying as payments
from mitapo.payments.schemas import (
    BankAccountIn,
    CashbackCampaignCreated,
    CashbackCampaignIn,
    CashbackCampaignsOut,
    ChargeIn,
    Funding,
    MerchantCreated,
    MerchantIn,
    MerchantPayouts,
    PayCodeOut,
    PayeeBankOut,
    PaymentAttemptOut,
    PaymentIn,
    PaymentOut,
    PaymentPage,
    PaymentPreviewIn,
    PaymentPreviewOut,
    PaymentRequestCreated,
    PaymentRequestIn,
    PaymentRequestOut,
    RefundIn,
    RefundOut,
    SettlementIn,
    SettlementOut,
    SettlementsPage,
    ShopCodeOut,
    TransferIn,
    WebhookIn,
    WebhookOut,
)
from mitapo.runtime import Runtime

TAGS = ["payments"]
IMAGE_TYPES = {"png": ("image/png", codes.qr_png), "svg": ("image/svg+xml", codes.qr_svg)}
ImageFormat = Annotated[Literal["json", "png", "svg"], QueryParameter(name="format")]
NO_STORE = {"Cache-Control": "no-store"}
PRINTABLE = whole(r"[\x20-\x7e]+")  # an Idempotency-Key


def _code_response(body: Any, image: str, headers: dict[str, str] | None = None) -> Response[Any]:
    """The code as JSON, or drawn as a QR image for a screen or a sticker."""
    if image == "json":
        return Response(body, headers=headers or {})
    media_type, render = IMAGE_TYPES[image]
    picture: Response[Any] = Response(render(body.payload), media_type=media_type, headers=headers or {})
    return picture


@post("/v1/merchants", opt=roles("admin"), tags=TAGS)
async def create_merchant(
    data: JSONBody[MerchantIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[MerchantCreated]:
    bank = merchants.BankAccount(**asdict_struct(data.bank)) if data.bank is not None else None
    new = merchants.NewMerchant(
        name=data.name,
        city=data.city,
        mcc=data.mcc,
        fee_bps=data.fee_bps,
        name_ascii=data.name_ascii,
        city_ascii=data.city_ascii,
        bank=bank,
        area=data.area,
        postal_code=data.postal_code,
        jpqr_store_code=data.jpqr_store_code,
        jpqr_operator=runtime.settings.jpqr_operator,
    )
    body = await merchants.create(runtime.db, new, idempotency=maybe_idempotency, actor=principal.id)
    return answer(MerchantCreated, body, replayed=body["api_key"] is None)


def asdict_struct(struct: Any) -> dict[str, Any]:
    return {name: getattr(struct, name) for name in struct.__struct_fields__}


@get("/v1/merchants/{merchant_id:str}/qr", opt=roles("admin", "merchant"), tags=TAGS)
async def merchant_code(
    merchant_id: FromPath[str],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    image: ImageFormat = "json",
) -> Response[ShopCodeOut]:
    """The shop's static code, for the sticker at the till."""
    if principal.role == "merchant" and principal.id != merchant_id:
        raise NotFound("merchant")
    merchant = await merchants.get(db, merchant_id)
    return _code_response(ShopCodeOut(payload=merchants.static_code(merchant)), image)


@post("/v1/merchant/webhooks", opt=roles("merchant"), tags=TAGS)
async def set_webhook(
    data: JSONBody[WebhookIn], runtime: NamedDependency[Runtime], principal: NamedDependency[PrincipalView]
) -> Response[WebhookOut]:
    registered = await merchants.set_webhook(runtime.db, principal.id, data.url, runtime.webhook_policy)
    return Response(registered, status_code=201)


@post("/v1/payment-requests", opt=roles("merchant"), tags=TAGS)
async def create_payment_request(
    data: JSONBody[PaymentRequestIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[PaymentRequestCreated]:
    seconds = runtime.settings.payment_request_seconds
    written = await payments.create_request(
        runtime.db, principal.id, data.amount, data.reference, seconds, idempotency=maybe_idempotency
    )
    return answer_written(PaymentRequestCreated, written)


@get("/v1/payment-requests/{request_id:str}", opt=roles("merchant"), tags=TAGS)
async def read_payment_request(
    request_id: FromPath[str], db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> PaymentRequestOut:
    return await payments.get_request(db, principal.id, request_id)


@get("/v1/payment-requests/{request_id:str}/qr", opt=roles("merchant"), tags=TAGS)
async def payment_request_code(
    request_id: FromPath[str],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    image: ImageFormat = "json",
) -> Response[ShopCodeOut]:
    code = ShopCodeOut(payload=await payments.request_code(db, principal.id, request_id))
    return _code_response(code, image)


@post("/v1/payment-previews", opt=roles("resident"), tags=TAGS, status_code=200)
async def preview_payment(
    data: JSONBody[PaymentPreviewIn], db: NamedDependency[Database]
) -> PaymentPreviewOut:
    """What the app shows before the resident confirms: the shop's registered name, never the sticker's."""
    return await payments.preview(db, data.qr_payload)


@get("/v1/me/pay-code", opt=roles("resident", limit="pay_codes"), tags=TAGS)
async def pay_code(
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    image: ImageFormat = "json",
    funding: Annotated[Funding, QueryParameter()] = "points_first",
) -> Response[PayCodeOut]:
    """A single-use code for a shop or a bus reader to scan, good for `pay_code_seconds`."""
    body = paycodes.issue(runtime.keys, principal.id, clock.now(), runtime.settings.pay_code_seconds, funding)
    return _code_response(shaped(PayCodeOut, body), image, NO_STORE)


@post("/v1/payments", opt=roles("resident", limit="payments"), tags=TAGS)
async def pay(
    data: JSONBody[PaymentIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[PaymentOut]:
    written = await payments.pay(
        runtime.db,
        principal.id,
        data.qr_payload,
        data.amount,
        data.funding,
        idempotency=idempotency,
        spend_per_day=runtime.settings.daily_spend_limit,
    )
    return answer_written(PaymentOut, written)


@get("/v1/me/payment-attempt", opt=roles("resident"), tags=TAGS)
async def payment_attempt(
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    idempotency_key: Annotated[str, QueryParameter(min_length=1, max_length=255, pattern=PRINTABLE)],
) -> PaymentAttemptOut:
    """After a lost answer: whether the payment sent with this Idempotency-Key went through."""
    return shaped(PaymentAttemptOut, await attempts.attempt(db, principal.id, idempotency_key))


@post("/v1/charges", opt=roles("merchant", limit="payments"), tags=TAGS)
async def charge(
    data: JSONBody[ChargeIn],
    request: Request[Any, Any, Any],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[PaymentOut]:
    settings = runtime.settings
    if data.card is not None and data.pin is not None and data.pay_code is None:
        asked = payments.CardCharge(data.card, data.pin, data.amount, data.reference)
        try:
            written = await payments.charge_card(
                runtime.db,
                principal.id,
                asked,
                pins.key_in(settings.key_path),
                idempotency=idempotency,
                spend_per_day=settings.daily_spend_limit,
                card_per_day=settings.card_daily_limit,
            )
        except DomainError as refusal:
            if refusal.code == "pin_invalid":  # guessing card after card: the address stops
                await ratelimit.count_failure(request, ratelimit.secret_credential(f"pin:{data.card}"))
            raise
        return answer_written(PaymentOut, written)
    if data.pay_code is None or data.card is not None or data.pin is not None:
        raise Invalid("send pay_code, or card and pin")
    written = await payments.charge(
        runtime.db,
        runtime.keys,
        principal.id,
        data.pay_code,
        data.amount,
        data.reference,
        settings.pay_code_seconds,
        idempotency=idempotency,
        spend_per_day=settings.daily_spend_limit,
    )
    return answer_written(PaymentOut, written)


@post("/v1/payments/{payment_id:str}/refunds", opt=roles("merchant"), tags=TAGS)
async def refund(
    payment_id: FromPath[str],
    data: JSONBody[RefundIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[RefundOut]:
    written = await refunds.refund(db, principal.id, payment_id, data.amount, idempotency=idempotency)
    return answer_written(RefundOut, written)


@get("/v1/merchant/payments", opt=roles("merchant"), tags=TAGS)
async def list_payments(
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    cursor: Annotated[str | None, QueryParameter(pattern=whole(r"[0-9]{1,18}"))] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
) -> PaymentPage:
    return await payments.list_for_merchant(db, principal.id, cursor, limit)


@get("/v1/merchant/settlements", opt=roles("merchant"), tags=TAGS)
async def my_payouts(
    db: NamedDependency[Database], principal: NamedDependency[PrincipalView]
) -> MerchantPayouts:
    """The shop's own settlements, newest first (the last hundred)."""
    return shaped(MerchantPayouts, {"items": await settlement.payouts_of(db, principal.id)})


@post("/v1/cashback-campaigns", opt=roles("admin"), tags=TAGS)
async def create_cashback_campaign(
    data: JSONBody[CashbackCampaignIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[CashbackCampaignCreated]:
    new = cashback.NewCampaign(
        name=data.name,
        program_id=data.program_id,
        rate_bps=data.rate_bps,
        monthly_cap=data.monthly_cap,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        merchant_ids=tuple(data.merchant_ids),
        mccs=tuple(data.mccs),
    )
    created = await cashback.create(db, new, idempotency=maybe_idempotency, actor=principal.id)
    return answer(CashbackCampaignCreated, created)


@get("/v1/cashback-campaigns", opt=roles("admin"), tags=TAGS)
async def list_cashback_campaigns(db: NamedDependency[Database]) -> CashbackCampaignsOut:
    """Every cashback campaign (the latest 500 to start first): rate, cap, dates, and the shops it names."""
    return shaped(CashbackCampaignsOut, {"items": await cashback.listing(db)})


@post("/v1/payees/{party_kind:str}/{party_id:str}/bank-account", opt=roles("admin"), tags=TAGS)
async def register_payee_bank(
    party_kind: FromPath[str],
    party_id: FromPath[str],
    data: JSONBody[BankAccountIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[PayeeBankOut]:
    bank = merchants.BankAccount(**asdict_struct(data))
    written = await payees.register_bank(
        db, party_kind, party_id, bank, idempotency=maybe_idempotency, actor=principal.id
    )
    return answer_written(PayeeBankOut, written)


@post("/v1/settlements", opt=roles("admin"), tags=TAGS)
async def settle(
    data: JSONBody[SettlementIn],
    runtime: NamedDependency[Runtime],
    principal: NamedDependency[PrincipalView],
    idempotency: NamedDependency[Idempotency],
) -> Response[SettlementOut]:
    body, replayed = await settlement.settle(
        runtime.db, data.until, idempotency=idempotency, actor=principal.id
    )
    await settlement.write_payout_files(runtime.db, _payout_rules(runtime), body.id)
    return Response(body, status_code=201, headers={REPLAYED: "true"} if replayed else {})


@get("/v1/settlements", opt=roles("admin", "auditor"), tags=TAGS)
async def list_settlements(
    db: NamedDependency[Database],
    before: Annotated[str | None, QueryParameter(min_length=1, max_length=100)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
) -> SettlementsPage:
    """The settlements, newest first, each with what its bank file pays and whether the transfer was
    recorded (`status`); `next_before` pages on to older ones (null at the end)."""
    items, next_before = await transfers.listed(db, before, limit)
    return SettlementsPage(items=items, next_before=next_before)


@post("/v1/settlements/{settlement_id:str}/transfer", opt=roles("admin"), tags=TAGS)
async def mark_transferred(
    settlement_id: FromPath[str],
    data: JSONBody[TransferIn],
    db: NamedDependency[Database],
    principal: NamedDependency[PrincipalView],
    maybe_idempotency: NamedDependency[Idempotency | None],
) -> Response[SettlementOut]:
    """Record that the settlement's bank transfer was made (once; logged as a staff action); answer the
    settlement with its `transferred`."""
    written = await transfers.mark_transferred(
        db,
        settlement_id,
        data.transferred_on,
        data.reference,
        actor=principal.id,
        idempotency=maybe_idempotency,
    )
    body = await settlement.describe(db, settlement_id)
    return Response(body, status_code=201, headers={REPLAYED: "true"} if written.replayed else {})


@get("/v1/settlements/{settlement_id:str}", opt=roles("admin", "auditor"), tags=TAGS)
async def read_settlement(settlement_id: FromPath[str], db: NamedDependency[Database]) -> SettlementOut:
    return await settlement.describe(db, settlement_id)


def _payout_rules(runtime: Runtime) -> settlement.PayoutRules:
    settings = runtime.settings
    return settlement.PayoutRules(settings.data_dir, settings.payout_payer, settings.payout_business_days)


async def _payout(runtime: Runtime, settlement_id: str, fmt: str) -> Response[bytes]:
    content = await settlement.payout_file(runtime.db, _payout_rules(runtime), settlement_id, fmt)
    disposition = f'attachment; filename="{settlement_id}.{fmt}"'
    media_type, _, charset = settlement.FORMATS[fmt].partition("; charset=")  # Litestar adds the charset
    return Response(
        content, media_type=media_type, encoding=charset, headers={"Content-Disposition": disposition}
    )


@get(
    "/v1/settlements/{settlement_id:str}/payout.csv",
    opt=roles("admin", "auditor"),
    tags=TAGS,
    media_type="text/csv",
)
async def payout_csv(settlement_id: FromPath[str], runtime: NamedDependency[Runtime]) -> Response[bytes]:
    return await _payout(runtime, settlement_id, "csv")


@get(
    "/v1/settlements/{settlement_id:str}/payout.zengin",
    opt=roles("admin", "auditor"),
    tags=TAGS,
    media_type="text/plain",
)
async def payout_zengin(settlement_id: FromPath[str], runtime: NamedDependency[Runtime]) -> Response[bytes]:
    return await _payout(runtime, settlement_id, "zengin")


ROUTES = [
    create_merchant,
    merchant_code,
    set_webhook,
    create_payment_request,
    read_payment_request,
    payment_request_code,
    preview_payment,
    pay_code,
    pay,
    payment_attempt,
    charge,
    refund,
    my_payouts,
    list_payments,
    create_cashback_campaign,
    list_cashback_campaigns,
    register_payee_bank,
    settle,
    list_settlements,
    mark_transferred,
    read_settlement,
    payout_csv,
    payout_zengin,
]
