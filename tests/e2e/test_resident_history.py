"""The history says what happened: a resident who paid a shop twice and charged money twice sees each line
in words with whom, opens one to its slip number and entry id, filters by month and downloads a
year as CSV."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import Town, sync_api, watch_errors
from tests.e2e.resident_support import funded_resident, new_page, picture

expect = sync_api.expect


def _history_of_a_busy_resident(town: Town) -> tuple[dict[str, str], dict[str, Any]]:
    admin = town.secrets["admin"]
    shop = town.api("POST", "/v1/merchants", admin, {"name": "三鷹農園"})
    asked = town.api("POST", "/v1/payment-requests", shop["api_key"], {"amount": 420, "reference": "SLIP-42"})
    hanako = funded_resident(town, 3000, "三鷹 花子")
    paid = town.api(
        "POST", "/v1/payments", hanako["token"], {"qr_payload": asked["qr_payload"]}, key=uuid.uuid4().hex
    )
    town.api(
        "POST",
        "/v1/topups",
        admin,
        {"resident_id": hanako["id"], "amount": 100, "channel": "card", "external_ref": uuid.uuid4().hex},
        key=uuid.uuid4().hex,
    )
    town.api(
        "POST",
        "/v1/payments",
        hanako["token"],
        {"qr_payload": shop["qr_payload"], "amount": 50, "funding": "money_only"},
        key=uuid.uuid4().hex,
    )
    return hanako, paid


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_history_says_what_happened(town: Town, browser: Any, tmp_path: Path, size: str) -> None:
    hanako, paid = _history_of_a_busy_resident(town)
    page = new_page(browser, size)
    errors = watch_errors(page)
    page.goto(town.page_url("/app/statement", secret=hanako["token"]))
    lines = page.get_by_test_id("history").locator("li")
    expect(lines).to_have_count(4)
    expect(lines.filter(has_text="支払い → 三鷹農園")).to_have_count(2)
    expect(lines.filter(has_text="チャージ")).to_have_count(2)
    slip = lines.filter(has_text="−420 円")
    slip.locator("summary").click()
    expect(slip).to_contain_text("SLIP-42")
    expect(slip).to_contain_text(paid["entry_id"])
    picture(page, f"app-history-{size}", tmp_path)
    assert accessibility_problems(page) == []
    assert layout_problems(page) == []

    with page.expect_download() as downloading:
        page.get_by_role("button", name="CSVをダウンロード").click()
    saved = tmp_path / "year.csv"
    downloading.value.save_as(saved)
    text = saved.read_text(encoding="utf-8-sig")
    assert "三鷹農園" in text and "SLIP-42" in text and len(text.strip().splitlines()) == 5

    year = datetime.now(ZoneInfo("Asia/Tokyo")).year
    page.get_by_label("月", exact=True).fill(f"{year - 1}-01")
    expect(lines).to_have_count(1)
    expect(lines).to_have_text("まだありません。")
    assert errors == []
