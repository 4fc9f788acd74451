"""A shop's whole day at its till, at a phone's and a desktop's size: its sticker shown and printed on A6,
points counted in pt (never yen), its settlements with fees and payouts, and the day's payments saved as a
CSV; nothing overflows or wraps one character per line at 390 px."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import DESKTOP, PHONE, Town, shown, sync_api, watch_errors

expect = sync_api.expect
SIZES = {"phone": PHONE, "desktop": DESKTOP}


def _a_settled_shop(town: Town, name: str) -> dict[str, Any]:
    """A shop paid 500 (300 pt, 200 yen) and settled, then paid 120 more today."""
    admin = town.secrets["admin"]
    shop = town.api("POST", "/v1/merchants", admin, {"name": name, "fee_bps": 100})
    resident = town.resident()
    code = town.api("GET", f"/v1/events/{town.secrets['event_id']}/checkin-code", admin)["payload"]
    points = town.api("POST", "/v1/checkins", resident["token"], {"payload": code}, key=uuid.uuid4().hex)[
        "points"
    ]
    topup = {
        "resident_id": resident["id"],
        "amount": 2000,
        "channel": "counter",
        "external_ref": uuid.uuid4().hex,
    }
    town.api("POST", "/v1/topups", admin, topup, key=uuid.uuid4().hex)
    for amount in (points + 200, 120):
        body = {"qr_payload": shop["qr_payload"], "amount": amount}
        town.api("POST", "/v1/payments", resident["token"], body, key=uuid.uuid4().hex)
        if amount != 120:
            town.api("POST", "/v1/settlements", admin, {}, key=uuid.uuid4().hex)
    return {**shop, "points": points}


@pytest.mark.parametrize("size", SIZES)
def test_a_shops_day_at_its_till(town: Town, browser: Any, folder: Path, size: str) -> None:
    shop = _a_settled_shop(town, f"井の頭パン {size}")
    context = browser.new_context(viewport=SIZES[size], accept_downloads=True)
    page = context.new_page()
    page.add_init_script("window.print = () => { window.printed = true; };")
    errors = watch_errors(page)
    page.goto(town.page_url("/till", secret=shop["api_key"]))
    shown(page, "#sticker-code")
    expect(page.locator("#sticker-name")).to_have_text(f"井の頭パン {size}")
    expect(page.locator("#total-points")).to_have_text(f"{shop['points']} pt")
    expect(page.locator("#payments tbody tr")).to_have_count(2)
    expect(page.locator("#payments tbody tr").last).to_contain_text(f"{shop['points']} pt")
    payout = page.locator("#payouts tbody tr")
    expect(payout).to_have_count(1)
    total = shop["points"] + 200
    fee = total // 100
    expect(payout).to_contain_text(f"{shop['points']} pt")
    expect(payout).to_contain_text(f"{fee} 円")
    expect(payout).to_contain_text(f"{total - fee:,} 円")
    assert accessibility_problems(page) == []
    if size == "phone":
        assert layout_problems(page) == []
    page.screenshot(path=folder / f"till-day-{size}.png", full_page=True)

    with page.expect_download() as started:
        page.get_by_role("button", name="CSVを保存").click()
    rows = list(csv.reader(io.StringIO(Path(started.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == [
        "日時",
        "支払い番号",
        "伝票番号",
        "金額（円）",
        "うちポイント（pt）",
        "うちマネー（円）",
        "返金（円）",
        "状態",
    ]
    assert sorted(int(row[3]) for row in rows[1:]) == [120, total]
    expect(page.locator("#csv-result")).to_contain_text("（2 件）")

    page.get_by_role("button", name="ステッカーを印刷（A6）").click()
    assert page.evaluate("window.printed") is True
    page.emulate_media(media="print")
    expect(page.locator("#amount-form")).to_be_hidden()
    expect(page.locator("#sticker-code")).to_be_visible()
    page.screenshot(path=folder / f"till-sticker-print-{size}.png")
    assert errors == []
    context.close()
