"""A shop's till takes a みたポ card, on a phone and on a desktop: the clerk types the card's number, the
customer presses the PIN on the pad; a wrong PIN says so and pays nothing, the right one pays once. (With the
camera reading the card: test_till_scan_flow.)"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import DESKTOP, PHONE, Town, sync_api, watch_errors

expect = sync_api.expect
SIZES = {"phone": PHONE, "desktop": DESKTOP}


def press(page: Any, digits: str) -> None:
    pad = page.locator(".pin-pad")
    for digit in digits:
        pad.get_by_role("button", name=digit, exact=True).click()


@pytest.mark.parametrize("size", SIZES)
def test_a_till_takes_a_card_with_the_pin_pad(town: Town, browser: Any, size: str) -> None:
    admin = town.secrets["admin"]
    shop = town.api(
        "POST", "/v1/merchants", admin, {"name": "三鷹の八百屋", "name_ascii": "MITAKA GREENGROCER"}
    )
    resident = town.resident("三鷹 ウメ")
    topup = {
        "resident_id": resident["id"],
        "amount": 3000,
        "channel": "card",
        "external_ref": uuid.uuid4().hex,
    }
    town.api("POST", "/v1/topups", admin, topup, key=uuid.uuid4().hex)
    card = town.api("POST", f"/v1/residents/{resident['id']}/cards", admin, {"pin": "2580"})

    till = browser.new_context(viewport=SIZES[size]).new_page()
    errors = watch_errors(till)
    till.goto(town.page_url("/till", secret=shop["api_key"]))
    expect(till.locator("#shop-title")).to_have_text("レジ — 三鷹の八百屋")
    till.get_by_label("金額（円）", exact=True).fill("450")
    till.get_by_role("button", name="みたポカードで支払う").click()
    dialog = till.locator("#card-dialog")
    expect(dialog.locator("#card-amount")).to_have_text("450 円")
    dialog.get_by_label("カード番号（QRを読み取るか、16桁を入力）").fill(card["card_number"])
    press(till, "1111")
    expect(till.get_by_test_id("pin-dots")).to_have_text("●●●●")
    assert accessibility_problems(till) == []
    if size == "phone":
        assert layout_problems(till) == []
    dialog.get_by_role("button", name="支払う").click()
    expect(till.get_by_test_id("card-error")).to_have_text("暗証番号が違います。もう一度押してください。")
    expect(till.get_by_test_id("pin-dots")).to_have_text("—")
    assert town.api("GET", "/v1/me", resident["token"])["balances"]["money"] == 3000

    press(till, "25801")
    dialog.get_by_role("button", name="1文字消す").click()
    dialog.get_by_role("button", name="支払う").click()
    expect(dialog).to_be_hidden()
    expect(till.locator("#total-count")).to_have_text("1")
    expect(till.locator("#total-amount")).to_have_text("450 円")
    width = till.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["width"], "the till fits the window's width"
    assert errors == []
    assert town.api("GET", "/v1/me", resident["token"])["balances"]["money"] == 2550
