"""At the counter: staff enrol a resident (the sign-in link signs the resident in), top up cash with the
receipt's number (a receipt is credited once), and reverse the top-up, which the page asks to confirm
twice."""

from __future__ import annotations

import time
from typing import Any

from tests.e2e.conftest import Town, sync_api
from tests.e2e.console_support import open_console

expect = sync_api.expect


def _topup_entry(town: Town, resident_id: str) -> str:
    for _ in range(100):  # sealed within a moment
        found = town.api("GET", f"/v1/audit/journal?kind=topup&resident={resident_id}", town.secrets["admin"])
        if found["items"]:
            return str(found["items"][0]["id"])
        time.sleep(0.1)
    raise AssertionError("the top-up was not sealed")


def test_staff_enrol_top_up_and_reverse_after_confirming_twice(town: Town, browser: Any) -> None:
    console = open_console(browser, town, "/admin", "phone")
    page = console.page
    page.get_by_label("氏名").fill("窓口 花子")
    page.get_by_role("button", name="登録する").click()
    expect(page.locator("#enrol-form-result")).to_contain_text("登録しました。")
    resident_id = page.locator("#enrol-form-result code").first.inner_text()
    link = page.locator("#enrol-form-result code").nth(1).inner_text()
    assert link.startswith(f"{town.url}/app#secret=")
    secret = link.split("#secret=", 1)[1]
    assert town.api("GET", "/v1/me", secret)["id"] == resident_id

    topup = page.locator("#topup-form")
    topup.get_by_label("住民の番号").fill(resident_id)
    topup.get_by_label("金額（円）").fill("1000")
    topup.get_by_label("領収書の番号").fill(f"R-{resident_id}")
    topup.get_by_role("button", name="チャージする").click()
    expect(page.locator("#topup-form-result")).to_have_text(
        "1,000 円 をチャージしました（マネー残高 1,000 円）"
    )
    topup.get_by_label("金額（円）").fill("2000")  # the same receipt again, with another amount
    topup.get_by_role("button", name="チャージする").click()
    expect(page.locator("#topup-form-result")).to_have_text("この番号はすでに使われています。")
    assert town.api("GET", "/v1/me", secret)["balances"]["money"] == 1000

    page.get_by_role("link", name="仕訳").click()
    page.get_by_label("仕訳ID").fill(_topup_entry(town, resident_id))
    page.get_by_label("取消の理由").fill("金額の入力誤り")
    page.get_by_role("button", name="取り消す…").click()
    dialog = page.get_by_role("dialog", name="本当に取り消しますか？")
    expect(dialog).to_contain_text("金額の入力誤り")
    dialog.get_by_role("button", name="キャンセル").click()
    expect(page.locator("#reverse-form-result")).to_have_text("取り消していません。")
    assert town.api("GET", "/v1/me", secret)["balances"]["money"] == 1000

    page.get_by_role("button", name="取り消す…").click()
    dialog.get_by_role("button", name="取り消しを確定する").click()
    expect(page.locator("#reverse-form-result")).to_contain_text("取り消しました。")
    assert town.api("GET", "/v1/me", secret)["balances"]["money"] == 0
    console.close()
