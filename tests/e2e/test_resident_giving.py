"""Giving without typing ids: one resident shows the 受け取る code, the other reads it from a photo, sees the
recipient's name and confirms; the points move once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Town, shown, sync_api, watch_errors
from tests.e2e.resident_support import new_page, picture

expect = sync_api.expect


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_gift_by_scanning_the_receive_code(town: Town, browser: Any, tmp_path: Path, size: str) -> None:
    giver = town.secrets["resident"]
    taker = town.resident("井口 太郎")
    before = town.api("GET", "/v1/me", giver)["balances"]["points"]
    assert before >= 10

    shows = new_page(browser, size)
    errors = watch_errors(shows)
    shows.goto(town.page_url("/app/gift", secret=taker["token"]))
    shows.get_by_role("button", name="受け取るコードを表示").click()
    shown(shows, "#receive-code")
    photo = tmp_path / "receive.png"
    photo.write_bytes(shows.locator("#receive-code").screenshot())

    scans = new_page(browser, size)
    errors += watch_errors(scans)
    scans.goto(town.page_url("/app/gift", secret=giver))
    expect(scans.locator("#gift-balance")).not_to_be_empty()
    scans.get_by_label("写真から読み取る").set_input_files(photo)
    expect(scans.get_by_test_id("gift-to")).to_have_text("井口 太郎 さんに贈る", timeout=10_000)
    scans.get_by_label("ポイント数").fill("10")
    picture(scans, f"app-gift-confirm-{size}", tmp_path, full_page=False)
    scans.get_by_role("button", name="贈る", exact=True).click()
    expect(scans.get_by_test_id("gift-result")).to_have_text("井口 太郎 さんに贈る: 10 pt を贈りました")
    assert town.api("GET", "/v1/me", taker["token"])["balances"]["points"] == 10
    assert town.api("GET", "/v1/me", giver)["balances"]["points"] == before - 10
    assert errors == []


def test_a_receive_code_scanned_on_the_scan_screen_opens_the_gift(town: Town, browser: Any) -> None:
    giver = town.secrets["resident"]
    taker = town.resident("大沢 さくら")
    code = town.api("GET", "/v1/me/receive-code", taker["token"])["payload"]
    page = new_page(browser, "phone")
    errors = watch_errors(page)
    page.goto(town.page_url("/app/scan", secret=giver))
    page.locator("summary", has_text="コードの文字を貼り付ける").click()
    page.get_by_label("コードの文字").fill(code)
    page.get_by_role("button", name="このコードを使う").click()
    expect(page).to_have_url(town.url + "/app/gift")
    expect(page.get_by_test_id("gift-to")).to_have_text("大沢 さくら さんに贈る")
    page.get_by_label("ポイント数").fill("5")
    page.get_by_role("button", name="贈る", exact=True).click()
    expect(page.get_by_test_id("gift-result")).to_contain_text("5 pt を贈りました")
    assert town.api("GET", "/v1/me", taker["token"])["balances"]["points"] == 5
    assert errors == []
