"""A shop's till reads the customer's code with the device camera, at a phone's and a desktop's size: a
resident's pay code is charged at once (once, with the slip number typed at the till, which the payments list
then shows), and a みたポ card's QR opens the PIN pad, where the right PIN pays. Chromium's fake camera films
the code's QR, drawn here with segno; the page decodes it as the resident app does (scanner.js, jsQR)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import DESKTOP, PHONE, Town, camera_browser, qr_png, sync_api, watch_errors

expect = sync_api.expect
SIZES = {"phone": PHONE, "desktop": DESKTOP}


def _customer(town: Town, shop_name: str, money: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new shop and a resident with `money` yen on their wallet."""
    admin = town.secrets["admin"]
    shop = town.api("POST", "/v1/merchants", admin, {"name": shop_name})
    resident = town.resident()
    topup = {
        "resident_id": resident["id"],
        "amount": money,
        "channel": "counter",
        "external_ref": uuid.uuid4().hex,
    }
    town.api("POST", "/v1/topups", admin, topup, key=uuid.uuid4().hex)
    return shop, resident


def _till(camera: Any, size: str, town: Town, shop: dict[str, Any]) -> tuple[Any, list[str]]:
    """The shop's till in the Chromium whose camera films the customer's code."""
    page = camera.new_context(viewport=SIZES[size], permissions=["camera"]).new_page()
    errors = watch_errors(page)
    page.goto(town.page_url("/till", secret=shop["api_key"]))
    expect(page.locator("#shop-title")).to_contain_text("レジ — ")
    return page, errors


@pytest.mark.parametrize("size", SIZES)
def test_the_till_scans_a_pay_code_with_the_camera_and_charges_it_once(
    town: Town, playwright: Any, tmp_path: Path, folder: Path, size: str
) -> None:
    shop, resident = _customer(town, f"カメラの八百屋 {size}", 1000)
    code = town.api("GET", "/v1/me/pay-code", resident["token"])["payload"]
    camera = camera_browser(playwright, qr_png(code), tmp_path)
    try:
        till, errors = _till(camera, size, town, shop)
        till.get_by_label("金額（円）", exact=True).fill("300")
        till.get_by_label("伝票番号（任意・英数字）").fill("R-0042")
        till.get_by_role("button", name="お客様のコードを読み取る").click()
        expect(till.locator("#toast")).to_have_text(
            "300 円 を受け取りました（ポイント 0 pt・マネー 300 円）", timeout=20_000
        )
        expect(till.locator("#scan-dialog")).to_be_hidden()
        row = till.locator("#payments tbody tr")
        expect(row).to_have_count(1)
        expect(row.locator("td.slip")).to_have_text("R-0042")
        expect(row).to_contain_text("0 pt")
        expect(till.locator("#total-points")).to_have_text("0 pt")
        assert accessibility_problems(till) == []
        if size == "phone":
            assert layout_problems(till) == []
        till.screenshot(path=folder / f"till-scan-paid-{size}.png", full_page=True)
        assert errors == []
    finally:
        camera.close()
    assert town.api("GET", "/v1/me", resident["token"])["balances"]["money"] == 700
    listed = town.api("GET", "/v1/merchant/payments", shop["api_key"])["items"]
    assert [(p["amount"], p["reference"]) for p in listed] == [(300, "R-0042")]


@pytest.mark.parametrize("size", SIZES)
def test_the_till_scans_a_card_with_the_camera_and_takes_its_pin(
    town: Town, playwright: Any, tmp_path: Path, folder: Path, size: str
) -> None:
    shop, resident = _customer(town, f"カードの魚屋 {size}", 2000)
    card = town.api("POST", f"/v1/residents/{resident['id']}/cards", town.secrets["admin"], {"pin": "4826"})
    camera = camera_browser(playwright, qr_png(card["qr_payload"]), tmp_path)
    try:
        till, errors = _till(camera, size, town, shop)
        till.get_by_label("金額（円）", exact=True).fill("640")
        till.get_by_role("button", name="お客様のコードを読み取る").click()
        dialog = till.locator("#card-dialog")
        expect(dialog).to_be_visible(timeout=20_000)
        expect(dialog.locator("#card-amount")).to_have_text("640 円")
        expect(dialog.locator("#card-number")).to_have_value(card["card_number"])
        assert accessibility_problems(till) == []
        if size == "phone":
            assert layout_problems(till) == []
        till.screenshot(path=folder / f"till-scan-card-pin-{size}.png")
        pad = dialog.locator(".pin-pad")
        for digit in "4826":
            pad.get_by_role("button", name=digit, exact=True).click()
        dialog.get_by_role("button", name="支払う").click()
        expect(dialog).to_be_hidden()
        expect(till.locator("#toast")).to_have_text("640 円 をみたポカードで受け取りました")
        expect(till.locator("#payments tbody tr")).to_have_count(1)
        expect(till.locator("#payments tbody tr td.slip")).to_have_text("—")
        assert errors == []
    finally:
        camera.close()
    assert town.api("GET", "/v1/me", resident["token"])["balances"]["money"] == 1360


@pytest.mark.parametrize("size", SIZES)
def test_the_till_charges_nothing_for_a_code_that_cannot_pay(
    town: Town, playwright: Any, tmp_path: Path, folder: Path, size: str
) -> None:
    shop, resident = _customer(town, f"読み違いの花屋 {size}", 500)
    camera = camera_browser(playwright, qr_png(shop["qr_payload"]), tmp_path)  # the shop's own sticker
    try:
        till, errors = _till(camera, size, town, shop)
        till.get_by_label("金額（円）", exact=True).fill("200")
        till.get_by_role("button", name="お客様のコードを読み取る").click()
        dialog = till.locator("#scan-dialog")
        expect(dialog.get_by_test_id("scan-status")).to_have_text(
            "お支払いに使えないコードです。支払いコードかみたポカードを読み取ってください。", timeout=20_000
        )
        expect(dialog.locator("#scan-amount")).to_have_text("200 円")
        expect(dialog.get_by_role("button", name="もう一度読み取る")).to_be_visible()
        assert accessibility_problems(till) == []
        if size == "phone":
            assert layout_problems(till) == []
        till.screenshot(path=folder / f"till-scan-{size}.png")
        dialog.get_by_role("button", name="やめる").click()
        expect(dialog).to_be_hidden()
        expect(till.locator("#payments tbody tr")).to_have_count(0)
        assert errors == []
    finally:
        camera.close()
    assert town.api("GET", "/v1/me", resident["token"])["balances"]["money"] == 500
    assert town.api("GET", "/v1/merchant/payments", shop["api_key"])["items"] == []
