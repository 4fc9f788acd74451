"""Our payloads checked by code we did not write: a CRC catalogue, an EMVCo parser, and a real QR reader.

A round trip through our own encoder and decoder proves only that the two agree with each other; these
tests prove they agree with the rest of the world. The packages come from merchant_sdk's `test` extra.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mitapo_merchant.emvco import MerchantCode, ascii_name, decode, encode, local_name

crccheck = pytest.importorskip("crccheck.crc", reason="needs merchant_sdk[test]: crccheck")
cemacqr = pytest.importorskip("cemacqr", reason="needs merchant_sdk[test]: cemacqr")
qrcode = pytest.importorskip("qrcode", reason="needs merchant_sdk[test]: qrcode[pil]")
zxingcpp = pytest.importorskip("zxingcpp", reason="needs merchant_sdk[test]: zxing-cpp")

BAKERY = MerchantCode(
    kind="dynamic",
    merchant_id="m_123",
    payment_request_id="pr_abc",
    amount=1500,
    name="Mitaka Bakery",
    name_ja="三鷹ベーカリー🍞",
    city_ja="三鷹市",
    reference="INV-1",
)

names = st.text(st.characters(codec="utf-8"), max_size=40) | st.text(
    st.sampled_from("三鷹市ベーカリー🍞👨‍👩‍👧e\u0301\u3000 ＡｂｃÅ"), max_size=40
)
ids = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)


@st.composite
def merchant_codes(draw: st.DrawFn) -> MerchantCode:
    dynamic = draw(st.booleans())
    name_ja = local_name(draw(names))
    return MerchantCode(
        kind="dynamic" if dynamic else "static",
        merchant_id=draw(ids),
        payment_request_id=draw(ids) if dynamic else None,
        amount=draw(st.integers(1, 10**13 - 1)) if dynamic else None,
        name=ascii_name(draw(names)),
        city=ascii_name(draw(names), 15, default="MITAKA"),
        name_ja=name_ja,
        city_ja=local_name(draw(names), 15) if name_ja else None,
        reference=draw(st.none() | names.map(ascii_name)),
    )


def independent_crc(payload: str) -> str:
    value = crccheck.Crc16CcittFalse.calc(payload[:-4].encode("utf-8"))
    return f"{value:04X}"


def test_crccheck_agrees_on_the_catalogue_check_value() -> None:
    assert crccheck.Crc16CcittFalse.calc(b"123456789") == 0x29B1


@given(merchant_codes())
def test_crc_agrees_with_crccheck(code: MerchantCode) -> None:
    payload = encode(code)
    assert payload[-8:-4] == "6304"
    assert payload[-4:] == independent_crc(payload)


@given(merchant_codes())
def test_an_independent_emvco_parser_reads_and_validates_our_payloads(code: MerchantCode) -> None:
    payload = encode(code)
    parsed = cemacqr.parse_payload(payload)
    report = cemacqr.validate(parsed, cemacqr.EMVCO)
    assert report.ok, str(report)
    assert parsed.crc_ok
    assert parsed.is_static == (code.kind == "static")
    assert parsed.merchant_name == code.name
    assert parsed.merchant_city == code.city
    assert parsed.currency == "392"
    assert parsed.country_code == "JP"
    assert parsed.amount == (None if code.amount is None else str(code.amount))
    assert parsed.merchant_accounts["26"] == {
        "00": "jp.lg.mitaka.mitapo",
        "01": code.merchant_id,
        **({"02": code.payment_request_id} if code.payment_request_id else {}),
    }
    if code.name_ja is not None:
        assert parsed.template("64")["01"] == code.name_ja


def test_our_decoder_reads_a_payload_built_by_the_independent_library() -> None:
    account = cemacqr.Tlv("26", "0019jp.lg.mitaka.mitapo0104m_99")
    objects = [
        cemacqr.Tlv("00", "01"),
        cemacqr.Tlv("01", "11"),
        account,
        cemacqr.Tlv("52", "5812"),
        cemacqr.Tlv("53", "392"),
        cemacqr.Tlv("58", "JP"),
        cemacqr.Tlv("59", "Soba Mitaka"),
        cemacqr.Tlv("60", "MITAKA"),
        cemacqr.Tlv("64", "0002JA0104三鷹蕎麦"),
    ]
    payload = cemacqr.build(objects).to_string()
    assert decode(payload) == MerchantCode(
        kind="static", merchant_id="m_99", name="Soba Mitaka", mcc="5812", name_ja="三鷹蕎麦"
    )


def test_independent_parser_sees_tampering() -> None:
    payload = encode(BAKERY).replace("54041500", "54040150")
    assert not cemacqr.parse_payload(payload).crc_ok


def read_qr(payload: str) -> str:
    image = qrcode.make(payload, error_correction=qrcode.constants.ERROR_CORRECT_M).get_image()
    # QR codes only: asked for every format, zxing-cpp once also read a 1D ITF code, "0585", off a run of
    # modules inside a random payload's QR code (CI; hypothesis seed 188776553628154150145798813716975393416).
    results = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
    return str(results[0].text)


def test_a_real_qr_reader_reads_back_our_png() -> None:
    payload = encode(BAKERY)
    assert read_qr(payload) == payload
    assert decode(read_qr(payload)) == BAKERY


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(merchant_codes())
def test_a_real_qr_reader_reads_back_any_code(code: MerchantCode) -> None:
    assert decode(read_qr(encode(code))) == code
