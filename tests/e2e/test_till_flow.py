"""A shop shows a payment request at the till; the resident reads it from a photo and pays; the till turns
paid on its own; the shop refunds part of it."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from tests.e2e.conftest import DESKTOP, PHONE, Town, shown, sync_api, watch_errors

expect = sync_api.expect


def test_till_turns_paid_when_the_resident_pays(town: Town, browser: Any, tmp_path: Path) -> None:
    admin = town.secrets["admin"]
    shop = town.api("POST", "/v1/merchants", admin, {"name": "深大寺そば処", "name_ascii": "JINDAIJI SOBA"})
    resident = town.resident()
    topup = {
        "resident_id": resident["id"],
        "amount": 2000,
        "channel": "card",
        "external_ref": uuid.uuid4().hex,
    }
    town.api("POST", "/v1/topups", admin, topup, key=uuid.uuid4().hex)

    till = browser.new_context(viewport=DESKTOP).new_page()
    till_errors = watch_errors(till)
    till.goto(town.page_url("/till", secret=shop["api_key"]))
    expect(till.locator("#shop-title")).to_have_text("レジ — 深大寺そば処")
    till.get_by_label("金額（円）", exact=True).fill("680")
    till.get_by_role("button", name="コードを表示").click()
    expect(till.get_by_test_id("sale-status")).to_have_text("お支払いを待っています")
    shown(till, "#sale-code")
    photo = tmp_path / "till.png"
    photo.write_bytes(till.locator("#sale-code").screenshot())

    phone = browser.new_context(viewport=PHONE).new_page()
    phone_errors = watch_errors(phone)
    phone.goto(town.page_url("/app/scan", secret=resident["token"]))
    expect(phone.locator("#content")).to_be_visible()  # signed in (the link's token became a session)
    phone.get_by_label("写真から読み取る").set_input_files(photo)
    expect(phone.get_by_test_id("shop-name")).to_have_text("深大寺そば処")
    expect(phone.locator("#fixed-amount")).to_have_text("請求額：680 円")
    phone.get_by_role("button", name="支払う").click()
    expect(phone.locator("#result-title")).to_have_text("深大寺そば処 に 680 円 支払いました")

    expect(till.get_by_test_id("sale-status")).to_have_text("支払い済み", timeout=3000)
    till.get_by_role("button", name="次のお会計").click()
    expect(till.locator("#total-count")).to_have_text("1")
    expect(till.locator("#total-amount")).to_have_text("680 円")

    till.locator("#payments tbody").get_by_role("button", name="返金").click()
    till.get_by_label("返金する金額（円）").fill("180")
    till.get_by_role("button", name="返金する").click()
    expect(till.locator("#total-refunded")).to_have_text("180 円")
    expect(till.locator("#payments tbody tr").first).to_contain_text("一部返金")
    assert till_errors == [] and phone_errors == []
    assert town.api("GET", "/v1/me", resident["token"])["balances"]["money"] == 2000 - 680 + 180
