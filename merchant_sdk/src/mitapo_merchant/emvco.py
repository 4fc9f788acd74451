"""みたポ shop codes as EMVCo merchant-presented QR payloads (the format JPQR builds on).

A payload is a run of TLV objects: a two-digit id, a two-digit length counted in characters, the value.
The server produces codes with `encode`; shops and wallets read them with `decode`. Both sides import this
one module, so a code that one writes the other reads, and the format lives in exactly one place.

    00 01 | 01 11 static or 12 dynamic | 26 {00 jp.lg.mitaka.mitapo, 01 merchant id, 02 payment request id}
    52 MCC | 53 392 (JPY) | 54 amount (dynamic) | 58 JP | 59 name (ASCII ≤ 25) | 60 city (ASCII ≤ 15)
    62 {05 reference} | 64 {00 JA, 01 Japanese name, 02 Japanese city} | 63 CRC-16/CCITT-FALSE

`decode` ignores top-level ids it does not know, as EMVCo asks of readers, so the server may add fields
later without breaking shops that run an older SDK.
"""

from __future__ import annotations

import binascii
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from mitapo_merchant._exceptions import CRCMismatch, EMVCoError, ForeignCode, MalformedPayload

__all__ = [
    "GUI",
    "CRCMismatch",
    "EMVCoError",
    "ForeignCode",
    "Kind",
    "MalformedPayload",
    "MerchantCode",
    "ascii_name",
    "crc16",
    "decode",
    "encode",
    "local_name",
]

GUI = "jp.lg.mitaka.mitapo"
JPQR_GUI = "jp.or.paymentsjapan"  # the JPQR template (JPQR MPM guideline), beside ours
JPQR_PARTS = (13, 4, 6, 6)
"""Our globally unique identifier, sub-tag 00 of the merchant account template in tag 26."""

Kind = Literal["static", "dynamic"]

NAME_LIMIT = 25
CITY_LIMIT = 15
REFERENCE_LIMIT = 25
MAX_VALUE_LENGTH = 99  # the length field has two digits
MAX_AMOUNT = 10**13 - 1  # EMVCo gives tag 54 at most 13 characters

_INITIATION = {"static": "11", "dynamic": "12"}
_KIND_BY_INITIATION: dict[str, Kind] = {"11": "static", "12": "dynamic"}
_JPY = "392"
_JAPAN = "JP"
_JAPANESE = "JA"
_CRC_HEADER = "6304"

_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")
_AMOUNT = re.compile(r"[1-9][0-9]*")
_MCC = re.compile(r"[0-9]{4}")
_CRC = re.compile(r"[0-9A-F]{4}")
_TAG = re.compile(r"[0-9]{2}")


@dataclass(frozen=True, slots=True)
class MerchantCode:
    """What a みたポ shop code says. Construction refuses anything `encode` could not write faithfully.

    A static code (the sticker at the till) names the shop; a dynamic code also names one payment request
    and its amount, and is good for that one payment only.
    """

    kind: Kind
    merchant_id: str
    name: str
    city: str = "MITAKA"
    mcc: str = "5999"
    payment_request_id: str | None = None
    amount: int | None = None
    name_ja: str | None = None
    city_ja: str | None = None
    reference: str | None = None
    jpqr_id: str | None = (
        None  # the 統一店舗識別コード, 29 digits: JPQR-ID parts 01 (13), 02 (4), 03 (6), 04 (6)
    )
    postal_code: str | None = None  # tag 61

    def __post_init__(self) -> None:
        if self.kind not in _INITIATION:
            raise ValueError(f"kind must be 'static' or 'dynamic', not {self.kind!r}")
        self._check_kind_fields()
        _require_ascii("merchant_id", self.merchant_id, MAX_VALUE_LENGTH)
        _require_ascii("name", self.name, NAME_LIMIT)
        _require_ascii("city", self.city, CITY_LIMIT)
        if not _MCC.fullmatch(self.mcc):
            raise ValueError(f"mcc must be four digits, not {self.mcc!r}")
        if self.reference is not None:
            _require_ascii("reference", self.reference, REFERENCE_LIMIT)
        if self.name_ja is None and self.city_ja is not None:
            raise ValueError("city_ja needs name_ja: EMVCo's language template requires the name")
        if self.name_ja is not None:
            _require_text("name_ja", self.name_ja, NAME_LIMIT)
        if self.city_ja is not None:
            _require_text("city_ja", self.city_ja, CITY_LIMIT)
        if self.jpqr_id is not None:
            if not (
                len(self.jpqr_id) == sum(JPQR_PARTS) and self.jpqr_id.isascii() and self.jpqr_id.isdigit()
            ):
                raise ValueError(f"jpqr_id must be {sum(JPQR_PARTS)} digits")
            if self.name_ja is None or self.city_ja is not None or self.postal_code is None:
                raise ValueError(
                    "a JPQR code needs name_ja and postal_code, and no city_ja (JPQR MPM guideline)"
                )
        if self.postal_code is not None:
            _require_ascii("postal_code", self.postal_code, 10)
        _template([("26", _template(_account_fields(self)))])  # the ids together must fit tag 26

    def _check_kind_fields(self) -> None:
        if self.kind == "static":
            if self.payment_request_id is not None or self.amount is not None:
                raise ValueError("a static code carries neither payment_request_id nor amount")
            return
        if self.payment_request_id is None:
            raise ValueError("a dynamic code needs payment_request_id")
        _require_ascii("payment_request_id", self.payment_request_id, MAX_VALUE_LENGTH)
        amount = self.amount
        if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_AMOUNT:
            raise ValueError(f"a dynamic code needs an amount of 1 to {MAX_AMOUNT} yen, not {amount!r}")


def encode(code: MerchantCode) -> str:
    """The payload string for `code`, CRC included, ready to be drawn as a QR code."""
    fields = [("00", "01"), ("01", _INITIATION[code.kind]), ("26", _template(_account_fields(code)))]
    if code.jpqr_id is not None:
        fields.append(("27", _template(_jpqr_fields(code.jpqr_id))))
    fields += [("52", code.mcc), ("53", _JPY)]
    if code.amount is not None:
        fields.append(("54", str(code.amount)))
    fields += [("58", _JAPAN), ("59", code.name), ("60", code.city)]
    if code.postal_code is not None:
        fields.append(("61", code.postal_code))
    if code.reference is not None:
        fields.append(("62", _template([("05", code.reference)])))
    if code.name_ja is not None:
        language = [("00", _JAPANESE), ("01", code.name_ja)]
        if code.city_ja is not None:
            language.append(("02", code.city_ja))
        fields.append(("64", _template(language)))
    body = _template(fields) + _CRC_HEADER
    return body + crc16(body)


def decode(payload: str) -> MerchantCode:
    """Read a みたポ payload, refusing anything damaged, tampered with, or not ours.

    Raises `CRCMismatch` when the checksum fails, `ForeignCode` for another scheme's code, and
    `MalformedPayload` for everything else that is wrong, each with a message saying what.
    """
    fields = _read_fields(payload)
    account = _read_account(fields)
    _expect(fields, "53", _JPY, "currency")
    _expect(fields, "58", _JAPAN, "country code")
    kind = _KIND_BY_INITIATION.get(_required(fields, "01", "point of initiation"))
    if kind is None:
        raise MalformedPayload(f"tag 01 must be 11 (static) or 12 (dynamic), not {fields['01']!r}")
    language = _read_language(fields)
    try:
        return MerchantCode(
            kind=kind,
            merchant_id=_required(account, "01", "the merchant id in tag 26"),
            payment_request_id=account.get("02"),
            mcc=_required(fields, "52", "merchant category code"),
            amount=_parse_amount(fields.get("54")),
            name=_required(fields, "59", "merchant name"),
            city=_required(fields, "60", "merchant city"),
            name_ja=language.get("01"),
            city_ja=language.get("02"),
            reference=_parse_fields(fields["62"], "tag 62").get("05") if "62" in fields else None,
            jpqr_id=_read_jpqr(fields),
            postal_code=fields.get("61"),
        )
    except ValueError as error:
        raise MalformedPayload(str(error)) from error


def crc16(text: str) -> str:
    """CRC-16/CCITT-FALSE of the UTF-8 bytes of `text`, as EMVCo's four upper-case hex digits."""
    return f"{binascii.crc_hqx(text.encode('utf-8'), 0xFFFF):04X}"


def ascii_name(text: str, limit: int = NAME_LIMIT, default: str = "MITAPO SHOP") -> str:
    """A printable-ASCII rendering of `text` that fits `limit` characters, for tags 59 and 60.

    Accents are stripped (Café → Cafe), full-width letters folded (ＡＢＣ → ABC), everything else that has no
    ASCII form dropped, whitespace collapsed. When nothing is left (a name written only in kana, say),
    `default` stands in, folded and cut the same way, so the result is never empty and never too long.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    folded = _fold_ascii(text, limit) or _fold_ascii(default, limit)
    if not folded:
        raise ValueError(f"default must contain printable ASCII, not {default!r}")
    return folded


def local_name(text: str, limit: int = NAME_LIMIT) -> str | None:
    """`text` made fit for the Japanese language template (tag 64): NFC, one line, at most `limit` characters.

    Control characters are dropped, whitespace collapsed, and the cut never leaves a lone combining mark at
    the end. Returns None when nothing printable is left, so the caller can leave tag 64 out.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    composed = unicodedata.normalize("NFC", text)
    printable = "".join(char for char in composed if not _is_control(char) or char.isspace())
    fitted = " ".join(printable.split())[:limit]
    while fitted and unicodedata.combining(fitted[-1]):
        fitted = fitted[:-1]
    return fitted.strip() or None


# --- helpers -----------------------------------------------------------------------------------------------


def _fold_ascii(text: str, limit: int) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(char for char in decomposed if " " <= char <= "~" or char.isspace())
    return " ".join(ascii_only.split())[:limit].rstrip()


def _account_fields(code: MerchantCode) -> list[tuple[str, str]]:
    fields = [("00", GUI), ("01", code.merchant_id)]
    if code.payment_request_id is not None:
        fields.append(("02", code.payment_request_id))
    return fields


def _template(fields: list[tuple[str, str]]) -> str:
    """Concatenated TLV objects; refuses any value the two-digit length cannot describe."""
    parts = []
    for tag, value in fields:
        if len(value) > MAX_VALUE_LENGTH:
            raise ValueError(f"tag {tag} would hold {len(value)} characters; EMVCo allows {MAX_VALUE_LENGTH}")
        parts.append(f"{tag}{len(value):02d}{value}")
    return "".join(parts)


def _require_ascii(field: str, value: str, limit: int) -> None:
    if not isinstance(value, str) or not value or len(value) > limit or not _PRINTABLE_ASCII.fullmatch(value):
        raise ValueError(f"{field} must be 1 to {limit} printable ASCII characters, not {value!r}")


def _require_text(field: str, value: str, limit: int) -> None:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ValueError(f"{field} must be 1 to {limit} characters, not {value!r}")
    if any(_is_control(char) for char in value):
        raise ValueError(f"{field} must not contain control characters: {value!r}")


def _is_control(char: str) -> bool:
    """Control characters and lone surrogates: the two kinds a name can never carry through UTF-8 and a QR."""
    return unicodedata.category(char) in ("Cc", "Cs")


def _read_fields(payload: str) -> dict[str, str]:
    """The top-level objects, once the CRC holds and 00 comes first and 63 last."""
    if not isinstance(payload, str):
        raise MalformedPayload(f"a payload is a str, not {type(payload).__name__}")
    _check_crc(payload)
    fields = _parse_fields(payload, where="payload")
    if next(iter(fields)) != "00" or fields["00"] != "01":
        raise MalformedPayload("the payload must begin with the format indicator 000201")
    if list(fields)[-1] != "63":
        raise MalformedPayload("the CRC (tag 63) must be the last object")
    return fields


def _read_account(fields: dict[str, str]) -> dict[str, str]:
    """Tag 26, our merchant account template; any other scheme's code is a `ForeignCode`."""
    if "26" not in fields:
        raise ForeignCode("not a みたポ code: there is no merchant account template in tag 26")
    account = _parse_fields(fields["26"], "tag 26")
    if account.get("00") != GUI:
        raise ForeignCode(f"not a みたポ code: tag 26 names {account.get('00')!r}, not {GUI!r}")
    return account


def _jpqr_fields(jpqr_id: str) -> list[tuple[str, str]]:
    parts, at = [("00", JPQR_GUI)], 0
    for n, width in enumerate(JPQR_PARTS, start=1):
        parts.append((f"{n:02d}", jpqr_id[at : at + width]))
        at += width
    return parts


def _read_jpqr(fields: dict[str, str]) -> str | None:
    """The JPQR-ID in tag 27 beside ours, if the code carries one."""
    if "27" not in fields:
        return None
    jpqr = _parse_fields(fields["27"], "tag 27")
    if jpqr.get("00") != JPQR_GUI:
        return None
    return "".join(jpqr.get(f"{n:02d}", "") for n in range(1, len(JPQR_PARTS) + 1))


def _read_language(fields: dict[str, str]) -> dict[str, str]:
    if "64" not in fields:
        return {}
    language = _parse_fields(fields["64"], "tag 64")
    if language.get("00") != _JAPANESE or "01" not in language:
        raise MalformedPayload("tag 64 must give the language JA (00) and the Japanese name (01)")
    return language


def _check_crc(payload: str) -> None:
    if len(payload) < 8 or payload[-8:-4] != _CRC_HEADER:
        raise MalformedPayload("the payload must end with the CRC object 6304 and four hex digits")
    stated, body = payload[-4:], payload[:-4]
    if not _CRC.fullmatch(stated):
        raise MalformedPayload(f"the CRC must be four upper-case hex digits, not {stated!r}")
    try:
        computed = crc16(body)
    except UnicodeEncodeError as error:
        raise MalformedPayload("the payload contains characters UTF-8 cannot carry") from error
    if stated != computed:
        raise CRCMismatch(f"CRC mismatch: the payload says {stated}, its content gives {computed}")


def _iter_tlv(text: str, where: str) -> Iterator[tuple[str, str]]:
    position = 0
    while position < len(text):
        header = text[position : position + 4]
        if len(header) < 4 or not _TAG.fullmatch(header[:2]) or not _TAG.fullmatch(header[2:]):
            raise MalformedPayload(f"{where}: no valid id and length at character {position}: {header!r}")
        length = int(header[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length or length == 0:
            raise MalformedPayload(f"{where}: tag {header[:2]} claims {length} characters, has {len(value)}")
        yield header[:2], value
        position += 4 + length


def _parse_fields(text: str, where: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for tag, value in _iter_tlv(text, where):
        if tag in fields:
            raise MalformedPayload(f"{where}: tag {tag} appears twice")
        fields[tag] = value
    return fields


def _required(fields: dict[str, str], tag: str, what: str) -> str:
    if tag not in fields:
        raise MalformedPayload(f"tag {tag} ({what}) is missing")
    return fields[tag]


def _expect(fields: dict[str, str], tag: str, expected: str, what: str) -> None:
    actual = _required(fields, tag, what)
    if actual != expected:
        raise MalformedPayload(f"tag {tag} ({what}) must be {expected}, not {actual!r}")


def _parse_amount(text: str | None) -> int | None:
    if text is None:
        return None
    if not _AMOUNT.fullmatch(text):
        raise MalformedPayload(f"tag 54 (amount) must be whole yen in digits, not {text!r}")
    return int(text)
