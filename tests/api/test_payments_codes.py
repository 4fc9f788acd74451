"""The shop codes the server hands out, checked by code we did not write: an EMVCo parser (cemacqr), a CRC
catalogue (crccheck) and a real QR reader (zxing-cpp) on the PNG the server draws."""

from __future__ import annotations

import io

import pytest

from mitapo_merchant import emvco
from tests.api.conftest import Api
from tests.api.payments_support import give_money, problem, resident, shop

cemacqr = pytest.importorskip("cemacqr")
crccheck = pytest.importorskip("crccheck.crc")
zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")


def independently_parsed(payload: str):  # -> cemacqr's parse result
    parsed = cemacqr.parse_payload(payload)
    report = cemacqr.validate(parsed, cemacqr.EMVCO)
    assert report.ok, str(report)
    assert parsed.crc_ok
    assert payload[-4:] == f"{crccheck.Crc16CcittFalse.calc(payload[:-4].encode('utf-8')):04X}"
    return parsed


def read_png(png: bytes) -> str:
    # QR codes only: zxing-cpp may also read a spurious 1D code off a run of modules (see the SDK's tests).
    qr_only = zxingcpp.BarcodeFormat.QRCode
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"), formats=qr_only)
    assert len(results) == 1 and results[0].format == qr_only
    return str(results[0].text)


def test_the_static_code_is_valid_emvco_with_the_shop_in_tag_26(api: Api, admin: str) -> None:
    farm = shop(api, admin, "三鷹の農家 Farm Stand", city="三鷹市", mcc="5431")
    parsed = independently_parsed(farm["qr_payload"])
    assert parsed.is_static and parsed.amount is None
    assert (parsed.currency, parsed.country_code, parsed.merchant_category_code) == ("392", "JP", "5431")
    assert parsed.merchant_accounts["26"] == {"00": emvco.GUI, "01": farm["id"]}
    assert parsed.merchant_name == "Farm Stand" and len(parsed.merchant_city) <= 15
    assert parsed.template("64")["00"] == "JA" and parsed.template("64")["01"] == "三鷹の農家 Farm Stand"


def test_a_payment_request_code_carries_the_amount_and_the_request(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    asked = api.post("/v1/payment-requests", farm["api_key"], {"amount": 1234, "reference": "R-1"}, key=None)
    parsed = independently_parsed(asked.json()["qr_payload"])
    assert not parsed.is_static and parsed.amount == "1234"
    assert parsed.merchant_accounts["26"] == {"00": emvco.GUI, "01": farm["id"], "02": asked.json()["id"]}
    assert parsed.template("62")["05"] == "R-1"


def test_a_real_qr_reader_reads_the_servers_images(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    png = api.get(f"/v1/merchants/{farm['id']}/qr", farm["api_key"], params={"format": "png"})
    assert png.headers["content-type"] == "image/png"
    assert read_png(png.content) == farm["qr_payload"]
    asked = api.post("/v1/payment-requests", farm["api_key"], {"amount": 500}, key=None).json()
    drawn = api.get(f"/v1/payment-requests/{asked['id']}/qr", farm["api_key"], params={"format": "png"})
    assert read_png(drawn.content) == asked["qr_payload"]
    svg = api.get(f"/v1/payment-requests/{asked['id']}/qr", farm["api_key"], params={"format": "svg"})
    assert svg.headers["content-type"].startswith("image/svg+xml") and b"<svg" in svg.content
    pay_code = api.get("/v1/me/pay-code", secret, params={"format": "png"})
    assert pay_code.headers["cache-control"] == "no-store"
    give_money(api, rid, 100)
    charged = api.post(
        "/v1/charges", farm["api_key"], {"pay_code": read_png(pay_code.content), "amount": 100}
    )
    assert charged.status_code == 201, charged.text


def test_a_tampered_crc_is_refused_and_writes_nothing(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 1000)
    asked = api.post("/v1/payment-requests", farm["api_key"], {"amount": 500}, key=None).json()
    tampered = asked["qr_payload"].replace("5403500", "5403050")
    assert not cemacqr.parse_payload(tampered).crc_ok
    before = api.journal_size()
    problem(api.post("/v1/payments", secret, {"qr_payload": tampered}), 422, "code_invalid")
    foreign = emvco.encode(emvco.MerchantCode(kind="static", merchant_id=farm["id"], name="X")).replace(
        emvco.GUI, "jp.example.other"
    )
    problem(api.post("/v1/payments", secret, {"qr_payload": foreign, "amount": 5}), 422, "code_invalid")
    assert api.journal_size() == before


def test_a_sticker_over_the_code_cannot_redirect_money_or_rename_the_shop(api: Api, admin: str) -> None:
    """A forged code with a valid CRC that names another shop's name: the server shows and pays the shop
    the code's id resolves to, by its registered name; an id that resolves to no shop is refused."""
    farm = shop(api, admin, "三鷹農園")
    rid, secret = resident(api, admin)
    give_money(api, rid, 1000)
    sticker = emvco.encode(
        emvco.MerchantCode(kind="static", merchant_id=farm["id"], name="Totally Legit", name_ja="偽の店")
    )
    preview = api.post("/v1/payment-previews", secret, {"qr_payload": sticker}, key=None).json()
    assert preview["name"] == "三鷹農園" and preview["merchant_id"] == farm["id"]
    nowhere = emvco.encode(emvco.MerchantCode(kind="static", merchant_id="mk_attacker", name="Farm"))
    before = api.journal_size()
    problem(api.post("/v1/payment-previews", secret, {"qr_payload": nowhere}, key=None), 422, "code_invalid")
    problem(api.post("/v1/payments", secret, {"qr_payload": nowhere, "amount": 10}), 422, "code_invalid")
    assert api.journal_size() == before
