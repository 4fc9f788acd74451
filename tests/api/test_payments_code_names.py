"""Names readers can count: JavaScript, Java, C# and Swift count EMVCo lengths in UTF-16 units, so every
field of a shop code must be as long in UTF-16 units as in characters (no character outside the BMP)."""

from __future__ import annotations

from mitapo.payments import merchants
from mitapo_merchant import emvco
from tests.api.conftest import Api
from tests.api.payments_support import shop


def utf16_fields(payload: str) -> dict[str, str]:
    """The top-level fields as a JavaScript decoder reads them: lengths in UTF-16 code units."""
    units = payload.encode("utf-16-le")
    fields, at = {}, 0
    while at < len(units):
        head = units[at : at + 8].decode("utf-16-le")
        size = int(head[2:4])
        fields[head[:2]] = units[at + 8 : at + 8 + 2 * size].decode("utf-16-le")
        at += 8 + 2 * size
    return fields


def test_a_variant_kanji_is_written_in_its_common_form_in_the_code_only(api: Api, admin: str) -> None:
    store = shop(api, admin, "𠮷野家 三鷹店", city="三鷹市")
    fields = utf16_fields(store["qr_payload"])  # a UTF-16 reader walks the whole code, CRC last
    assert "63" in fields and len(fields["63"]) == 4
    assert emvco.decode(store["qr_payload"]).name_ja == "吉野家 三鷹店"
    registered = api.run(merchants.get, api.runtime.db, store["id"])
    assert registered.name == "𠮷野家 三鷹店"  # the registered name unchanged


def test_other_characters_outside_the_bmp_are_left_out_of_the_code_or_marked(api: Api, admin: str) -> None:
    store = shop(api, admin, "パン屋 🍞 𪚲亭", city="三鷹市🏙")
    for payload in (
        store["qr_payload"],
        api.get(f"/v1/merchants/{store['id']}/qr", store["api_key"]).json()["payload"],
    ):
        assert all(ord(c) <= 0xFFFF for c in payload)
        assert "63" in utf16_fields(payload)
    assert emvco.decode(store["qr_payload"]).name_ja == "パン屋 〓亭"
    assert api.run(merchants.get, api.runtime.db, store["id"]).name == "パン屋 🍞 𪚲亭"
