"""Shops: the city registers them; each gets an API key (shown once, stored hashed) and a static code.

The static code is an EMVCo merchant-presented payload (`mitapo_merchant.emvco`, the very module the shops'
SDK reads codes with). The server never trusts what a payload says: it resolves the shop by the id in it and
shows the registered name, so a sticker over a shop's code cannot redirect the money.
"""

from __future__ import annotations

import functools
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from mitapo.accounts import auth
from mitapo.engine import chart
from mitapo.engine.commands import Command, Idempotency, Row
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError, Invalid, NotFound
from mitapo.engine.ledger import post
from mitapo.payments import codenames, egress, reads, tables
from mitapo.payments.reads import MerchantView
from mitapo.payments.schemas import WebhookOut
from mitapo_merchant import emvco

DEFAULT_CITY = "三鷹市"
CACHE_SECONDS = 5.0
_CACHE: dict[str, tuple[float, MerchantView]] = {}
DEFAULT_MCC = "5999"


@dataclass(frozen=True, slots=True)
class BankAccount:
    """Where the city pays the shop: the fields of a Zengin transfer record (names in half-width kana)."""

    bank_code: str
    branch_code: str
    account_type: str
    account_number: str
    account_holder_kana: str
    bank_name_kana: str = ""
    branch_name_kana: str = ""


@dataclass(frozen=True, slots=True)
class NewMerchant:
    name: str
    city: str = DEFAULT_CITY
    mcc: str = DEFAULT_MCC
    fee_bps: int = 0
    name_ascii: str | None = None
    city_ascii: str | None = None
    bank: BankAccount | None = None
    area: str | None = None  # a コミュニティ住区 or town name: where residents find the shop
    postal_code: str | None = None  # 7 digits, or with a hyphen
    jpqr_store_code: str | None = None  # the shop's 13 digits of its 統一店舗識別コード
    jpqr_operator: str = ""  # the city's 16 (MITAPO_JPQR_OPERATOR)


async def create(
    db: Database, new: NewMerchant, *, idempotency: Idempotency | None = None, actor: str | None = None
) -> dict[str, Any]:
    """Register a shop; answer `{id, api_key, qr_payload}`. A replay answers `api_key: null`: the key is
    stored only hashed. `actor` (who registered it) goes in the staff action log."""
    from mitapo.payments import payouts

    merchant_id = f"{auth.PREFIX['merchant']}_{uuid.uuid4().hex[:16]}"
    secret = auth.new_secret("merchant")
    row = _merchant_row(merchant_id, new)
    if new.bank is not None:
        row |= payouts.bank_columns(new.bank)
    payload = static_code(_view(row))
    written = await post(
        db,
        Command(
            kind=None,
            accounts=(chart.merchant_receivable(merchant_id),),
            rows=(
                auth.principal_row(merchant_id, "merchant", new.name, secret),
                Row(tables.merchants, row),
                *auth.created_by(actor, merchant_id, "merchant", new.name),
            ),
            idempotency=idempotency,
            result=lambda _: {"id": merchant_id, "api_key": None, "qr_payload": payload},
        ),
    )
    if written.replayed:
        return dict(written.result)
    return {"id": merchant_id, "api_key": secret, "qr_payload": payload}


def _merchant_row(merchant_id: str, new: NewMerchant) -> dict[str, Any]:
    if not (len(new.mcc) == 4 and new.mcc.isdigit()):
        raise Invalid("mcc must be four digits")
    return {
        "id": merchant_id,
        "name": new.name,
        "name_ascii": _ascii(new.name_ascii, new.name, emvco.NAME_LIMIT, "MITAPO SHOP"),
        "city": new.city,
        "city_ascii": _ascii(new.city_ascii, new.city, emvco.CITY_LIMIT, "MITAKA"),
        "mcc": new.mcc,
        "fee_bps": new.fee_bps,
        "area": new.area,
        "postal_code": _postal(new.postal_code),
        "jpqr_id": _jpqr_id(new),
    }


def _postal(given: str | None) -> str | None:
    if given is None:
        return None
    digits = given.replace("-", "", 1)
    if not (len(digits) == 7 and digits.isascii() and digits.isdigit()):
        raise Invalid("postal_code is seven digits (181-8555)")
    return digits


def _jpqr_id(new: NewMerchant) -> str | None:
    """The shop's JPQR-ID: its own 13 digits, then the city's operator code (4 + 6 + 6 digits)."""
    if new.jpqr_store_code is None:
        return None
    if not (
        len(new.jpqr_store_code) == 13 and new.jpqr_store_code.isascii() and new.jpqr_store_code.isdigit()
    ):
        raise Invalid("jpqr_store_code is the 13 digits of the shop's 統一店舗識別コード")
    operator = new.jpqr_operator.replace("-", "")
    if not (len(operator) == 16 and operator.isascii() and operator.isdigit()):
        raise Invalid("a JPQR shop code needs the city's operator code: set MITAPO_JPQR_OPERATOR (16 digits)")
    if new.postal_code is None:
        raise Invalid("a JPQR shop code needs the shop's postal_code (tag 61)")
    return new.jpqr_store_code + operator


def _ascii(given: str | None, fallback: str, limit: int, default: str) -> str:
    if given is None:
        return emvco.ascii_name(fallback, limit, default)
    if not given or len(given) > limit or not all(" " <= c <= "~" for c in given):
        raise Invalid(f"ASCII names are 1 to {limit} printable ASCII characters")
    return given


def _view(row: dict[str, Any]) -> MerchantView:
    values: dict[str, Any] = {name: row.get(name) for name in MerchantView.__dataclass_fields__}
    return MerchantView(**values)


def static_code(merchant: MerchantView) -> str:
    """The sticker at the till: names the shop, the resident enters the amount."""
    return emvco.encode(_code(merchant, "static"))


def dynamic_code(merchant: MerchantView, request_id: str, amount: int, reference: str | None) -> str:
    """One payment request's code: names the shop, the request and its amount."""
    return emvco.encode(
        _code(merchant, "dynamic", payment_request_id=request_id, amount=amount, reference=reference)
    )


def _code(merchant: MerchantView, kind: emvco.Kind, **extra: Any) -> emvco.MerchantCode:
    name_ja = emvco.local_name(codenames.for_code(merchant.name))
    jpqr = merchant.jpqr_id if name_ja else None  # JPQR wants the Japanese name, and no city in tag 64
    return emvco.MerchantCode(
        kind=kind,
        merchant_id=merchant.id,
        name=merchant.name_ascii,
        city=merchant.city_ascii,
        mcc=merchant.mcc,
        name_ja=name_ja,
        city_ja=emvco.local_name(codenames.for_code(merchant.city), emvco.CITY_LIMIT)
        if name_ja and not jpqr
        else None,
        jpqr_id=jpqr,
        postal_code=merchant.postal_code,
        **extra,
    )


async def find(db: Database, merchant_id: str) -> MerchantView | None:
    """The shop, remembered for a few seconds: a busy till pays one lookup per shop, not one per payment.
    Shops are never deleted and their registered details do not change, so a remembered one is never wrong."""
    now = time.monotonic()
    cached = _CACHE.get(merchant_id)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    async with db.lookup() as conn:
        found = await reads.merchant_on_lookup(conn, merchant_id)
    if found is not None:
        if len(_CACHE) > 10_000:
            _CACHE.clear()
        _CACHE[merchant_id] = (now, found)
    return found


async def get(db: Database, merchant_id: str) -> MerchantView:
    found = await find(db, merchant_id)
    if found is None:
        raise NotFound("merchant")
    return found


def read_code(payload: str) -> emvco.MerchantCode:
    """What a scanned shop code says, once its checksum and shape hold; `code_invalid` otherwise."""
    try:
        return _decoded(payload)
    except emvco.EMVCoError as error:
        raise DomainError("code_invalid", f"not a valid みたポ shop code: {error}") from None


@functools.lru_cache(maxsize=4096)
def _decoded(payload: str) -> emvco.MerchantCode:
    """A shop's sticker is scanned by everyone who pays there, and reading it was a tenth of a payment's
    request path (docs/benchmarks.md): the answer, an immutable value of the payload alone, is remembered
    for the codes seen most. A refused code raises, and is never remembered."""
    return emvco.decode(payload)


async def set_webhook(db: Database, merchant_id: str, url: str, policy: egress.Policy) -> WebhookOut:
    """Register (or replace) the shop's webhook URL; events are signed with the service's published keys.
    A URL that is, or resolves to, a private address is refused here (and checked again at delivery); its
    scheme is egress's rule alone (`https`, and `http` where the policy allows)."""
    if len(url) > 2000:
        raise Invalid("url is longer than 2000 characters")
    await egress.vet(url, policy)
    await get(db, merchant_id)
    async with db.raw() as conn:
        await reads.set_webhook(conn, merchant_id, url)
    return WebhookOut(merchant_id=merchant_id, url=url)


async def by_id(conn: AsyncConnection, merchant_ids: list[str]) -> dict[str, MerchantView]:
    """The shops named, read on the caller's connection (a statement or the auditor's trail names them)."""
    return await reads.merchants_by_id(conn, merchant_ids)
