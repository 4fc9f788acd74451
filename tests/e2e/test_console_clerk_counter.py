"""A counter clerk (not an admin) at the staff console: signs in with a clerk's secret, enrols a resident,
prints the enrollment letter (its code and QR), issues the resident a みたポ card with the PIN they type,
and stops their lost phone after confirming; the areas a clerk may not use are not offered."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Town, sync_api
from tests.e2e.console_support import SIZES, checked, open_console

expect = sync_api.expect


@pytest.mark.parametrize("size", SIZES)
def test_a_clerk_enrols_prints_the_letter_issues_a_card_and_stops_a_lost_phone(
    town: Town, browser: Any, size: str
) -> None:
    clerk = town.api("POST", "/v1/clerks", town.secrets["admin"], {"name": f"窓口 {size}"})
    console = open_console(browser, town, "/admin", size, secret=clerk["token"])
    page = console.page
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="住民")).to_be_visible()
    expect(nav.get_by_role("link", name="精算")).to_be_hidden()
    expect(page.locator("#close-title")).to_be_hidden()  # closing an account is the admin's

    page.get_by_label("氏名").fill(f"窓口 {size} 太郎")
    page.get_by_role("button", name="登録する").click()
    expect(page.locator("#enrol-form-result")).to_contain_text("登録しました。")
    resident_id = page.locator("#enrol-form-result code").first.inner_text()
    resident_secret = page.locator("#enrol-form-result code").nth(1).inner_text().split("#secret=", 1)[1]
    checked(page, f"residents {size}")

    page.locator("#counter-resident").fill(resident_id)
    with page.expect_popup() as opened:
        page.get_by_role("button", name="案内状を開いて印刷").click()
    letter = opened.value
    expect(letter.get_by_test_id("enrollment-code")).to_have_text(re.compile(r"\S{6,}"))
    expect(letter.get_by_test_id("enrollment-qr").locator("svg")).to_be_visible()
    expect(letter.locator("body")).to_contain_text(f"窓口 {size} 太郎")
    letter.close()
    expect(page.locator("#letter-form-result")).to_contain_text("案内状を開きました。")

    page.get_by_label("暗証番号（4〜6桁）").fill("2468")
    page.get_by_role("button", name="カードを発行").click()
    expect(page.locator("#card-form-result")).to_contain_text("カードを発行しました。")
    card_number = page.locator("#card-form-result code").inner_text()
    assert town.api("GET", f"/v1/cards/{card_number}", clerk["token"])["resident_id"] == resident_id
    with page.expect_popup() as opened:
        page.get_by_role("button", name="カード面を開いて印刷").click()
    face = opened.value
    expect(face.locator("body")).to_contain_text(card_number[-4:])
    face.close()

    page.get_by_label("理由").fill("スマートフォンを紛失")
    page.get_by_role("button", name="止める…").click()
    dialog = page.get_by_role("dialog", name="本当に止めますか？")
    expect(dialog).to_contain_text(resident_id)
    dialog.get_by_role("button", name="キャンセル").click()
    expect(page.locator("#lost-form-result")).to_have_text("止めていません。")
    assert town.api("GET", "/v1/me", resident_secret)["id"] == resident_id

    page.get_by_role("button", name="止める…").click()
    dialog.get_by_role("button", name="止める", exact=True).click()
    expect(page.locator("#lost-form-result")).to_contain_text("止めました")
    bearer = {"Authorization": f"Bearer {resident_secret}"}
    stopped = httpx.get(town.url + "/v1/me", headers=bearer, timeout=30)
    assert stopped.status_code == 401, stopped.text

    page.get_by_label("カード番号").fill(card_number)
    page.get_by_role("button", name="ロックを解除").click()
    expect(page.locator("#unlock-form-result")).to_contain_text(card_number)
    checked(page, f"residents after {size}")

    page.goto(town.url + "/admin/settlements")
    expect(page.get_by_role("heading", name="この画面は使えません")).to_be_visible()
    console.close()
