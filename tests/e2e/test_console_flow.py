"""The city's staff console, driven as a city worker would: an admin registers a shop with its bank account
and prints its sticker (alone, on A6), and a resident pays with the sticker's code; an admin runs a
settlement and saves the CSV and the Zengin file. At a phone's and a desktop's size, with screenshots."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Town, shown, sync_api
from tests.e2e.console_support import SIZES, checked, goto, open_console

expect = sync_api.expect
A6_POINTS = (297.6, 419.5)  # 105 × 148 mm


@pytest.mark.parametrize("size", SIZES)
def test_admin_registers_a_shop_and_prints_its_sticker(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    console = open_console(
        browser, town, "/admin/shops", size, init_script="window.print = () => { window.printed = true; };"
    )
    page = console.page
    checked(page, "shops")
    name = f"野崎パン {size}"
    page.get_by_label("店名", exact=True).fill(name)
    page.get_by_label("金融機関コード（4桁）").fill("0001")
    page.get_by_label("支店コード（3桁）").fill("001")
    page.get_by_label("口座番号（7桁）").fill("1234567")
    page.get_by_label("口座名義（カナ）").fill("ﾉｻﾞｷﾊﾟﾝ")
    page.get_by_role("button", name="登録する").click()
    expect(page.locator("#shop-form-result")).to_contain_text("登録しました")
    shop_id = page.locator("#shop-form-result code").first.inner_text()
    shown(page, "#sticker-code")
    expect(page.locator("#sticker-name")).to_have_text(name)
    checked(page, "shops with sticker")
    page.screenshot(path=folder / f"admin-shops-{size}.png", full_page=True)

    page.get_by_role("button", name="ステッカーを印刷（A6）").click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    expect(page.locator(".bar")).to_be_hidden()
    expect(page.locator("#shop-form")).to_be_hidden()
    expect(page.locator("#sticker-code")).to_be_visible()
    page.screenshot(path=folder / f"admin-sticker-print-{size}.png")
    pdf = page.pdf(prefer_css_page_size=True)
    boxes = {tuple(float(n) for n in m) for m in re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)}
    assert len(boxes) == 1, boxes
    (box,) = boxes
    assert all(abs(a - b) < 1 for a, b in zip(box, A6_POINTS, strict=True)), box
    if size == "desktop":
        (folder / "admin-sticker.pdf").write_bytes(pdf)

    payload = town.api("GET", f"/v1/merchants/{shop_id}/qr", town.secrets["admin"])["payload"]
    resident = town.resident()
    town.api(
        "POST",
        "/v1/topups",
        town.secrets["admin"],
        {
            "resident_id": resident["id"],
            "amount": 1000,
            "channel": "counter",
            "external_ref": uuid.uuid4().hex,
        },
        key=uuid.uuid4().hex,
    )
    paid = town.api(
        "POST",
        "/v1/payments",
        resident["token"],
        {"qr_payload": payload, "amount": 300},
        key=uuid.uuid4().hex,
    )
    assert paid["merchant_id"] == shop_id and paid["amount"] == 300
    console.close()


@pytest.mark.parametrize("size", SIZES)
def test_admin_runs_a_settlement_and_saves_the_files(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    admin = town.secrets["admin"]
    bank = {
        "bank_code": "0001",
        "branch_code": "001",
        "account_number": "7654321",
        "account_holder_kana": "ﾐﾀｶｼｮｳﾃﾝ",
    }
    shop = town.api(
        "POST", "/v1/merchants", admin, {"name": f"三鷹商店 {size}", "name_ascii": "MITAKA", "bank": bank}
    )
    resident = town.resident()
    topup = {
        "resident_id": resident["id"],
        "amount": 500,
        "channel": "counter",
        "external_ref": uuid.uuid4().hex,
    }
    town.api("POST", "/v1/topups", admin, topup, key=uuid.uuid4().hex)
    body = {"qr_payload": shop["qr_payload"], "amount": 450}
    town.api("POST", "/v1/payments", resident["token"], body, key=uuid.uuid4().hex)
    console = open_console(browser, town, "/admin/settlements", size, accept_downloads=True)
    page = console.page
    checked(page, "settlements")
    page.get_by_role("button", name="精算する").click()
    expect(page.locator("#settle-form-result")).to_contain_text("精算しました")
    expect(page.locator("#settlement")).to_be_visible()
    expect(page.locator("#lines tbody tr", has_text=shop["id"])).to_contain_text("450 円")
    checked(page, "settlement lines")
    page.screenshot(path=folder / f"admin-settlements-{size}.png", full_page=True)
    saved = {}
    for button in ("CSVを保存", "全銀データを保存"):
        with page.expect_download() as started:
            page.get_by_role("button", name=button).click()
        saved[started.value.suggested_filename.rsplit(".", 1)[1]] = Path(started.value.path()).read_bytes()
    assert set(saved) == {"csv", "zengin"}
    assert saved["zengin"][:1] == b"1"  # a Zengin file starts with its header record
    console.close()


@pytest.mark.parametrize("size", SIZES)
def test_every_console_page_is_labelled_legible_and_fits(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    pages = {"residents": "/admin", "programs": "/admin/programs", "transit": "/admin/transit"}
    english = {"shops-en": "/admin/shops?lang=en", "settlements-en": "/admin/settlements?lang=en"}
    console = open_console(browser, town, "/admin", size)
    for name, path in (pages | {"journal": "/admin/journal"} | english).items():
        goto(town, console.page, path)
        checked(console.page, path)
        console.page.screenshot(path=folder / f"admin-{name}-{size}.png", full_page=True)
    console.close()
