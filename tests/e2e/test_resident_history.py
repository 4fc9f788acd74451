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

    now = datetime.now(ZoneInfo("Asia/Tokyo"))
    year = now.year
    month = page.get_by_label("月", exact=True)
    expect(month.locator("option").first).to_have_text(f"{year}年{now.month}月")
    month.select_option(label=f"{year - 1}年1月")  # the months are named in Japanese, whatever the browser
    expect(lines).to_have_count(1)
    expect(lines).to_have_text("まだありません。")
    assert errors == []


def _given_refunded_and_rode(town: Town) -> dict[str, str]:
    """A gift received, a payment refunded in part, a bus ride."""
    admin = town.secrets["admin"]
    sakura = funded_resident(town, 2000, "大沢 さくら")
    giver = town.secrets["resident"]  # the demo's 三鷹 花子, who has points
    gift = {"to_resident_id": sakura["id"], "points": 7}
    town.api("POST", "/v1/gifts", giver, gift, key=uuid.uuid4().hex)
    shop = town.api("POST", "/v1/merchants", admin, {"name": "大沢 パン工房"})
    body = {"qr_payload": shop["qr_payload"], "amount": 500, "funding": "money_only"}
    paid = town.api("POST", "/v1/payments", sakura["token"], body, key=uuid.uuid4().hex)
    refund = {"amount": 120}
    town.api("POST", f"/v1/payments/{paid['id']}/refunds", shop["api_key"], refund, key=uuid.uuid4().hex)
    operator = town.api("POST", "/v1/transit/operators", admin, {"name": "大沢 コミュニティバス"})
    route = {"operator_id": operator["id"], "code": f"osawa-{uuid.uuid4().hex[:6]}", "name": "大沢ルート"}
    town.api("POST", "/v1/transit/routes", admin, route | {"kind": "bus"})
    code = town.api("GET", "/v1/me/pay-code", sakura["token"])["payload"]
    tap = {"pay_code": code, "route": route["code"]}
    town.api("POST", "/v1/transit/taps", operator["api_key"], tap, key=uuid.uuid4().hex)
    return sakura


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_gift_received_a_refund_and_a_fare_in_words(
    town: Town, browser: Any, tmp_path: Path, size: str
) -> None:
    sakura = _given_refunded_and_rode(town)
    page = new_page(browser, size)
    errors = watch_errors(page)
    page.goto(town.page_url("/app/statement", secret=sakura["token"]))
    lines = page.get_by_test_id("history").locator("li")
    expect(lines.locator("summary .what")).to_have_text(
        [
            "運賃 → 大沢ルート",
            "返金 ← 大沢 パン工房",
            "支払い → 大沢 パン工房",
            "もらった ← 三鷹 花子",
            "チャージ",
        ]
    )
    expect(lines.nth(0).locator(".amount")).to_have_text("−7 pt−203 円")
    expect(lines.nth(1).locator(".amount")).to_have_text("+120 円")
    expect(lines.nth(3).locator(".amount")).to_have_text("+7 pt")
    picture(page, f"app-history-words-{size}", tmp_path)
    # the kinds no resident makes in a day, said from the same words: cashback after the month, expiry
    said = page.evaluate(
        """() => import("/static/js/resident.js").then(({ kindWords }) => [
          kindWords({ kind: "cashback", label: "", points: 30, money: 0,
                      counterpart: { role: "campaign", id: "c", name: "直売所 10% 還元" } }),
          kindWords({ kind: "expiry", label: "", points: -50, money: 0, counterpart: null }),
        ])"""
    )
    assert said == ["キャッシュバック ← 直売所 10% 還元", "失効"]
    assert accessibility_problems(page) == []
    assert layout_problems(page) == []
    assert errors == []
    page.context.close()
