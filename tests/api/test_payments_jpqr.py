"""JPQR: a shop registered with its 統一店舗識別コード and postal code gets a code with the JPQR template
(`jp.or.paymentsjapan`) beside みたポ's own and tag 61, read by an independent EMVCo parser (cemacqr) and
checked against the rules Mercari's go-emv-code applies in `jpqr.Decode` (mpm/jpqr/jpqr.go and id.go):
a JPQR-ID in a merchant account template with parts 01-04 of 13, 4, 6 and 6 characters, country JP,
currency 392, a postal code, and a language template in JA without a city."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.settings import Settings
from mitapo_merchant import emvco
from tests.api.conftest import TEST_PAYER, Api
from tests.api.payments_support import problem, rows, shop

cemacqr = pytest.importorskip("cemacqr")
OPERATOR = "1234-567890-123456"


@pytest.fixture
def jpqr_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    settings = Settings(
        data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600, payout_payer=TEST_PAYER,
        jpqr_operator=OPERATOR,
    )  # fmt: skip
    with TestClient(create_app(settings, url=database_url, migrate=False)) as client:
        yield Api(client)


def tlv(value: str) -> dict[str, str]:
    fields, at = {}, 0
    while at < len(value):
        size = int(value[at + 2 : at + 4])
        fields[value[at : at + 2]] = value[at + 4 : at + 4 + size]
        at += 4 + size
    return fields


def go_emv_code_jpqr_decode(payload: str) -> dict[str, str]:
    """go-emv-code's jpqr.Decode validators, as its source documents them."""
    fields = tlv(payload)
    ids = [tlv(fields[tag]) for tag in fields if 26 <= int(tag) <= 51]
    jpqr = next(i for i in ids if i.get("00") == "jp.or.paymentsjapan")  # else "missing JPQR-ID"
    assert [len(jpqr.get(k, "")) for k in ("01", "02", "03", "04")] == [13, 4, 6, 6]
    assert fields["58"] == "JP" and fields["53"] == "392"
    assert fields.get("61")  # PostalCode should be represented
    language = tlv(fields["64"])
    assert language["00"] == "JA" and "02" not in language  # MerchantInformation.City is not necessary
    return jpqr


def test_a_jpqr_shop_code_carries_both_templates_and_the_postal_code(jpqr_api: Api) -> None:
    admin = jpqr_api.token("admin")
    farm = shop(jpqr_api, admin, "大沢の農家直売所", postal_code="181-0015", jpqr_store_code="9876543210123")
    jpqr = go_emv_code_jpqr_decode(farm["qr_payload"])
    assert (jpqr["01"], jpqr["02"], jpqr["03"], jpqr["04"]) == ("9876543210123", "1234", "567890", "123456")
    parsed = cemacqr.parse_payload(farm["qr_payload"])
    assert cemacqr.validate(parsed, cemacqr.EMVCO).ok and parsed.crc_ok
    assert parsed.merchant_accounts["26"]["00"] == emvco.GUI
    code = emvco.decode(farm["qr_payload"])  # the SDK still reads it as a みたポ code
    assert (code.merchant_id, code.postal_code, code.jpqr_id) == (
        farm["id"],
        "1810015",
        "98765432101231234567890123456",
    )


def test_jpqr_needs_the_citys_operator_code_and_a_postal_code(api: Api, admin: str, jpqr_api: Api) -> None:
    before = api.journal_size()
    body = {"name": "x", "postal_code": "1810015", "jpqr_store_code": "9876543210123"}
    answer = api.post("/v1/merchants", admin, body, key=None)  # this service has no operator code
    problem(answer, 400, "validation_error")
    assert "MITAPO_JPQR_OPERATOR" in answer.json()["detail"]
    other_admin = jpqr_api.token("admin")
    body = {"name": "x", "jpqr_store_code": "9876543210123"}
    problem(jpqr_api.post("/v1/merchants", other_admin, body, key=None), 400, "validation_error")
    assert api.journal_size() == before and rows(api, "merchants") == 0
