"""A shop's printed sticker is paid by a resident's camera: the admin shows a registered shop's sticker in the
console and prints it (the print stylesheet alone on the sheet), and a resident's phone films that printed
code on the app's scan page, sees the shop's registered name, types the amount and pays it; at a phone's and
a desktop's size for the console (the resident's is a phone)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, Town, camera_browser, shown, sync_api, watch_errors

expect = sync_api.expect
SIZES = {"phone": PHONE, "desktop": DESKTOP}


def _shop_and_resident(town: Town, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    admin = town.secrets["admin"]
    bank = {
        "bank_code": "0001",
        "branch_code": "001",
        "account_number": "2468024",
        "account_holder_kana": "ｽﾃｯｶｰｼｮｳﾃﾝ",
    }
    shop = town.api("POST", "/v1/merchants", admin, {"name": name, "bank": bank})
    resident = town.resident()
    topup = {
        "resident_id": resident["id"],
        "amount": 800,
        "channel": "counter",
        "external_ref": uuid.uuid4().hex,
    }
    town.api("POST", "/v1/topups", admin, topup, key=uuid.uuid4().hex)
    return shop, resident


@pytest.mark.parametrize("size", SIZES)
def test_a_printed_sticker_is_paid_with_a_residents_camera(
    town: Town, browser: Any, playwright: Any, tmp_path: Path, size: str
) -> None:
    name = f"ステッカー商店 {size}"
    shop, resident = _shop_and_resident(town, name)
    console = browser.new_context(viewport=SIZES[size]).new_page()
    console.add_init_script("window.print = () => { window.printed = true; };")
    errors = watch_errors(console)
    console.goto(town.page_url("/admin/shops", "admin"))
    console.locator("#sticker-shop").fill(shop["id"])
    console.get_by_role("button", name="ステッカーを表示").click()
    shown(console, "#sticker-code")
    expect(console.locator("#sticker-name")).to_have_text(name)
    console.get_by_role("button", name="ステッカーを印刷（A6）").click()
    assert console.evaluate("window.printed") is True
    console.emulate_media(media="print")
    printed = console.locator("#sticker-code").screenshot()
    assert errors == []
    console.context.close()

    camera = camera_browser(playwright, printed, tmp_path)
    try:
        phone = camera.new_context(viewport=PHONE, permissions=["camera"]).new_page()
        phone_errors = watch_errors(phone)
        phone.goto(town.page_url("/app/scan", secret=resident["token"]))
        phone.get_by_role("button", name="カメラで読み取る").click()
        expect(phone.get_by_test_id("shop-name")).to_have_text(name, timeout=20_000)
        phone.get_by_label("金額（円）").fill("350")
        phone.get_by_role("button", name="支払う").click()
        expect(phone.get_by_test_id("receipt-shop")).to_have_text(name)
        expect(phone.get_by_test_id("receipt-amount")).to_have_text("350 円")
        assert phone_errors == []
    finally:
        camera.close()
    assert town.api("GET", "/v1/me", resident["token"])["balances"]["money"] == 450
    listed = town.api("GET", "/v1/merchant/payments", shop["api_key"])["items"]
    assert [(p["amount"], p["money_used"]) for p in listed] == [(350, 350)]
