"""EMVCo shop codes: what encode writes, decode reads back, and decode refuses."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mitapo_merchant.emvco import (
    CRCMismatch,
    EMVCoError,
    ForeignCode,
    MalformedPayload,
    MerchantCode,
    ascii_name,
    crc16,
    decode,
    encode,
    local_name,
)

BAKERY = MerchantCode(
    kind="dynamic",
    merchant_id="m_123",
    payment_request_id="pr_abc",
    amount=1500,
    name="Mitaka Bakery",
    name_ja="三鷹ベーカリー",
    city_ja="三鷹市",
    reference="INV-1",
)
STICKER = MerchantCode(kind="static", merchant_id="m_123", name="Mitaka Bakery")


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def with_crc(body_without_crc: str) -> str:
    body = body_without_crc + "6304"
    return body + crc16(body)


def test_dynamic_code_is_laid_out_field_by_field() -> None:
    assert encode(BAKERY) == (
        "000201"
        "010212"
        "26420019jp.lg.mitaka.mitapo0105m_1230206pr_abc"
        "52045999"
        "5303392"
        "54041500"
        "5802JP"
        "5913Mitaka Bakery"
        "6006MITAKA"
        "62090505INV-1"
        "64240002JA0107三鷹ベーカリー0203三鷹市"
        "63048B5B"
    )


def test_static_code_has_neither_amount_nor_request_id() -> None:
    payload = encode(STICKER)
    assert payload.startswith("000201010211")
    assert "54" not in payload.split("5303392")[1][:2]
    assert decode(payload) == STICKER


def test_crc_is_ccitt_false() -> None:
    assert crc16("123456789") == "29B1"  # the catalogue check value of CRC-16/CCITT-FALSE


@pytest.mark.parametrize("code", [BAKERY, STICKER])
def test_round_trip(code: MerchantCode) -> None:
    assert decode(encode(code)) == code


def test_tampered_crc_is_refused() -> None:
    payload = encode(BAKERY)
    tampered = payload[:-4] + ("0000" if payload[-4:] != "0000" else "0001")
    with pytest.raises(CRCMismatch, match="CRC mismatch"):
        decode(tampered)


def test_tampered_amount_is_refused_by_the_crc() -> None:
    payload = encode(BAKERY)
    tampered = payload.replace("54041500", "54040150")
    assert tampered != payload
    with pytest.raises(CRCMismatch):
        decode(tampered)


def test_any_single_character_change_is_caught() -> None:
    payload = encode(BAKERY)
    for index in range(len(payload)):
        changed = payload[:index] + ("X" if payload[index] != "X" else "Y") + payload[index + 1 :]
        with pytest.raises(EMVCoError):
            decode(changed)


def test_foreign_gui_is_a_foreign_code() -> None:
    template = tlv("00", "jp.example.otherpay") + tlv("01", "shop-1")
    payload = with_crc("000201010211" + tlv("26", template) + "5204599953033925802JP5907A Store6006MITAKA")
    with pytest.raises(ForeignCode, match=r"jp\.lg\.mitaka\.mitapo"):
        decode(payload)


def test_code_without_our_template_is_foreign() -> None:
    pix_like = with_crc(
        "00020101021126180014br.gov.bcb.pix52040000530398654041.005802BR5907A Store6008BRASILIA"
    )
    with pytest.raises(ForeignCode, match=r"br\.gov\.bcb\.pix"):
        decode(pix_like)
    no_template = with_crc("0002010102115204599953033925802JP5907A Store6006MITAKA")
    with pytest.raises(ForeignCode, match="tag 26"):
        decode(no_template)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("010211000201", "begin with the format indicator"),
        ("000202010211", "begin with the format indicator"),
        ("00020101021163040000", "appears twice"),
        ("0002010199ab", "claims 99 characters, has"),
        ("000201AB0211", "no valid id"),
        ("0002010100", "claims 0 characters"),
    ],
)
def test_malformed_payloads_are_refused(body: str, message: str) -> None:
    with pytest.raises(MalformedPayload, match=message):
        decode(with_crc(body))


def test_unknown_point_of_initiation_is_refused() -> None:
    payload = encode(STICKER)[:-8].replace("010211", "010213", 1)
    with pytest.raises(MalformedPayload, match="tag 01"):
        decode(with_crc(payload))


def test_crc_must_come_last() -> None:
    good = encode(STICKER)
    with pytest.raises(MalformedPayload, match="6304"):
        decode(good + "0000")


def test_lowercase_crc_is_malformed() -> None:
    with pytest.raises(MalformedPayload, match="upper-case"):
        decode(encode(STICKER)[:-4] + "abcd")


def test_wrong_currency_and_country_are_refused() -> None:
    payload = encode(STICKER)
    with pytest.raises(MalformedPayload, match="currency"):
        decode(with_crc(payload[:-8].replace("5303392", "5303840")))
    with pytest.raises(MalformedPayload, match="country"):
        decode(with_crc(payload[:-8].replace("5802JP", "5802TH")))


def test_decimal_amount_is_refused() -> None:
    payload = encode(BAKERY)[:-8].replace("54041500", "540715.0000")
    with pytest.raises(MalformedPayload, match="whole yen"):
        decode(with_crc(payload))


def test_static_code_with_amount_is_refused() -> None:
    payload = encode(STICKER)[:-8].replace("5303392", "5303392540250")
    with pytest.raises(MalformedPayload, match="static"):
        decode(with_crc(payload))


def test_unknown_top_level_tags_are_ignored() -> None:
    payload = encode(STICKER)[:-8] + "8005hello"
    assert decode(with_crc(payload)) == STICKER


def test_non_string_is_refused() -> None:
    with pytest.raises(MalformedPayload):
        decode(b"000201")  # type: ignore[arg-type]


def test_lone_surrogate_is_malformed() -> None:
    with pytest.raises(MalformedPayload):
        decode("\ud800" * 10 + "63041234")


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "dynamic"},
        {"amount": 100},
        {"kind": "dynamic", "payment_request_id": "pr", "amount": 0},
        {"kind": "dynamic", "payment_request_id": "pr", "amount": True},
        {"kind": "dynamic", "payment_request_id": "pr", "amount": 10**13},
        {"name": "x" * 26},
        {"name": ""},
        {"name": "三鷹"},
        {"city": "C" * 16},
        {"mcc": "599"},
        {"reference": "r" * 26},
        {"merchant_id": "m" * 80},
        {"name_ja": "名" * 26},
        {"city_ja": "三鷹市"},
        {"name_ja": "三鷹\n"},
        {"kind": "mixed"},
    ],
)
def test_construction_refuses_what_cannot_be_encoded(changes: dict[str, object]) -> None:
    fields: dict[str, object] = {"kind": "static", "merchant_id": "m_1", "name": "Shop", **changes}
    with pytest.raises(ValueError):  # noqa: PT011 - the messages differ by field
        MerchantCode(**fields)  # type: ignore[arg-type]


def test_ascii_name_folds_and_falls_back() -> None:
    assert ascii_name("Café Ｍｉｔａｋａ") == "Cafe Mitaka"
    assert ascii_name("三鷹のパン屋") == "MITAPO SHOP"
    assert ascii_name("  many   spaces\there ") == "many spaces here"
    assert ascii_name("A" * 40) == "A" * 25
    assert ascii_name("三鷹", 15, default="MITAKA") == "MITAKA"
    assert ascii_name("", 5) == "MITAP"
    with pytest.raises(ValueError, match="default"):
        ascii_name("三鷹", default="三鷹")


def test_local_name_keeps_japanese_and_fits() -> None:
    assert local_name("三鷹ベーカリー") == "三鷹ベーカリー"
    assert local_name("ｶﾌｪ") == "ｶﾌｪ"  # NFC keeps half-width kana; only NFKC would widen it
    assert local_name("e\u0301") == "é"
    assert local_name("\x00\x07") is None
    assert local_name("名" * 40) == "名" * 25


# --- properties --------------------------------------------------------------------------------------------

any_text = st.text(st.characters(codec="utf-8"), max_size=60) | st.text(
    st.sampled_from("三鷹市ベーカリー🍞👨‍👩‍👧e\u0301\u0301\u3000 \tＡｂｃÅ"), max_size=60
)
ids = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)


@st.composite
def merchant_codes(draw: st.DrawFn) -> MerchantCode:
    dynamic = draw(st.booleans())
    name_ja = local_name(draw(any_text), 25)
    return MerchantCode(
        kind="dynamic" if dynamic else "static",
        merchant_id=draw(ids),
        payment_request_id=draw(ids) if dynamic else None,
        amount=draw(st.integers(1, 10**13 - 1)) if dynamic else None,
        name=ascii_name(draw(any_text), 25),
        city=ascii_name(draw(any_text), 15, default="MITAKA"),
        mcc=draw(st.from_regex(r"[0-9]{4}", fullmatch=True)),
        name_ja=name_ja,
        city_ja=local_name(draw(any_text), 15) if name_ja is not None else None,
        reference=draw(st.none() | st.builds(lambda text: ascii_name(text, 25), any_text)),
    )


@given(merchant_codes())
def test_round_trip_any_code(code: MerchantCode) -> None:
    assert decode(encode(code)) == code


@given(any_text, st.integers(1, 40))
def test_ascii_name_always_fits(text: str, limit: int) -> None:
    name = ascii_name(text, limit)
    assert 1 <= len(name) <= limit
    assert name.isascii()
    assert name.isprintable()
    assert name == name.strip()


@given(any_text, st.integers(1, 40))
def test_local_name_always_fits(text: str, limit: int) -> None:
    name = local_name(text, limit)
    assert name is None or 1 <= len(name) <= limit
    if name is not None:
        MerchantCode(kind="static", merchant_id="m", name="Shop", name_ja=name[:25])


@given(st.text(max_size=120))
def test_decode_never_fails_with_anything_but_emvco_errors(text: str) -> None:
    for candidate in (text, with_crc(text)):
        with contextlib.suppress(EMVCoError):
            decode(candidate)


@given(st.lists(st.tuples(st.from_regex(r"[0-9]{2}", fullmatch=True), any_text), max_size=12))
def test_decode_of_any_well_formed_tlv_raises_only_emvco_errors(fields: list[tuple[str, str]]) -> None:
    body = "".join(f"{tag}{len(value[:99]):02d}{value[:99]}" for tag, value in fields)
    for candidate in (body, "000201" + body, "000201010212" + body):
        with contextlib.suppress(EMVCoError):
            decode(with_crc(candidate))


@given(merchant_codes(), st.data())
def test_decode_refuses_any_tampering(code: MerchantCode, data: st.DataObject) -> None:
    """One byte changed is always caught: CRC-16 detects every error burst of up to 16 bits."""
    payload = encode(code)
    index = data.draw(st.sampled_from([i for i, char in enumerate(payload) if char.isascii()]))
    replacement = data.draw(st.characters(codec="ascii").filter(lambda char: char != payload[index]))
    with pytest.raises(EMVCoError):
        decode(payload[:index] + replacement + payload[index + 1 :])
