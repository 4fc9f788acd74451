"""Paying without doubt: the answer to a payment is dropped on its way back to the phone; the app asks the
server what became of that attempt and shows the payment that went through, which was made once. A payment
request already paid says 支払い済み and offers no second payment. On a phone the pay button is on screen.
The shop's slip number (伝票番号) shows on the result screen and in the history, to match its paper slip."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import Town, sync_api, watch_errors
from tests.e2e.resident_support import funded_resident, new_page, picture

expect = sync_api.expect


def _paste(page: Any, code: str) -> None:
    summary = page.locator("summary", has_text="コードの文字を貼り付ける")
    expect(summary).to_be_visible()
    if page.locator("details").get_attribute("open") is None:
        summary.click()
    page.get_by_label("コードの文字").fill(code)
    page.get_by_role("button", name="このコードを使う").click()


def _on_screen(page: Any, selector: str) -> None:
    """Wholly within the window as it first shows, without scrolling."""
    box = page.locator(selector).bounding_box()
    assert box is not None and page.evaluate("window.scrollY") == 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"], (selector, box)


def _checked(page: Any) -> None:
    assert accessibility_problems(page) == []
    assert layout_problems(page) == []


def _big_receipt(page: Any, shop: str, amount: str, points: str, money: str, left: str) -> None:
    """The result screen: shop, amount, points and money used, time and what is left, all on one screen,
    the amount in large type."""
    expect(page.get_by_test_id("receipt-shop")).to_have_text(shop, timeout=10_000)
    expect(page.get_by_test_id("receipt-amount")).to_have_text(amount)
    expect(page.get_by_test_id("receipt-points")).to_have_text(points)
    expect(page.get_by_test_id("receipt-money")).to_have_text(money)
    expect(page.get_by_test_id("receipt-time")).to_have_text(re.compile(r"^\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}$"))
    expect(page.get_by_test_id("receipt-left")).to_have_text(left)
    size = page.get_by_test_id("receipt-amount").evaluate("(dd) => parseFloat(getComputedStyle(dd).fontSize)")
    assert size >= 28
    page.evaluate("window.scrollTo(0, 0)")
    _on_screen(page, "#result")


def _drop_the_answer(dropped: list[str]) -> Any:
    """The request reaches the server and is carried out; its answer never reaches the app."""

    def handle(route: Any) -> None:
        dropped.append(route.request.url)
        route.fetch()
        route.abort("connectionreset")

    return handle


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_lost_answer_shows_the_payment_that_went_through(
    town: Town, browser: Any, tmp_path: Path, size: str
) -> None:
    shop = town.api("POST", "/v1/merchants", town.secrets["admin"], {"name": "井の頭ベーカリー"})
    asked = town.api("POST", "/v1/payment-requests", shop["api_key"], {"amount": 680})
    resident = funded_resident(town)
    page = new_page(browser, size)
    errors = watch_errors(page)
    page.goto(town.page_url("/app/scan", secret=resident["token"]))
    _paste(page, asked["qr_payload"])
    expect(page.get_by_test_id("shop-name")).to_have_text("井の頭ベーカリー")
    pay = page.get_by_role("button", name="支払う")
    _on_screen(page, "#pay-button")
    _checked(page)
    picture(page, f"app-pay-confirm-{size}", tmp_path, full_page=False)

    dropped: list[str] = []
    page.route("**/v1/payments", _drop_the_answer(dropped))
    pay.click()
    _big_receipt(page, "井の頭ベーカリー", "680 円", "0 pt", "680 円", "ポイント 0 pt・マネー 1,320 円")
    expect(page.get_by_test_id("pay-status")).to_have_text("")
    _checked(page)
    picture(page, f"app-pay-receipt-{size}", tmp_path, full_page=False)
    assert len(dropped) == 1  # the app asked instead of paying again

    assert town.api("GET", "/v1/me", resident["token"])["balances"]["money"] == 2000 - 680
    made = town.api("GET", "/v1/merchant/payments", shop["api_key"])["items"]
    assert [p["amount"] for p in made] == [680]
    assert town.api("GET", f"/v1/payment-requests/{asked['id']}", shop["api_key"])["status"] == "paid"

    page.unroute("**/v1/payments")
    page.get_by_role("button", name="別のコードを読み取る").click()
    _paste(page, asked["qr_payload"])
    expect(page.get_by_test_id("request-state")).to_have_text("支払い済み")
    expect(page.get_by_role("button", name="支払う")).to_be_hidden()
    _checked(page)
    assert errors == []


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_an_attempt_that_never_arrived_is_paid_once_on_retry(town: Town, browser: Any, size: str) -> None:
    shop = town.api("POST", "/v1/merchants", town.secrets["admin"], {"name": "三鷹の森書店"})
    resident = funded_resident(town, 1000)
    page = new_page(browser, size)
    errors = watch_errors(page)
    page.goto(town.page_url("/app/scan", secret=resident["token"]))
    _paste(page, shop["qr_payload"])
    page.get_by_label("金額（円）").fill("250")
    _on_screen(page, "#pay-button")  # the shop's own code: amount, how to pay and the button on one screen
    _checked(page)
    page.route("**/v1/payments", lambda route: route.abort("internetdisconnected"))
    page.get_by_role("button", name="支払う").click()
    expect(page.get_by_test_id("pay-status")).to_contain_text("お支払いはされていません", timeout=15_000)
    page.unroute("**/v1/payments")
    page.get_by_role("button", name="支払う").click()
    _big_receipt(page, "三鷹の森書店", "250 円", "0 pt", "250 円", "ポイント 0 pt・マネー 750 円")
    assert town.api("GET", "/v1/me", resident["token"])["balances"]["money"] == 750
    assert len(town.api("GET", "/v1/merchant/payments", shop["api_key"])["items"]) == 1
    assert errors == []


def _slip(page: Any, lines: Any, amount: str, reference: str) -> None:
    """The payment's line opens to the shop's slip number, named as such."""
    line = lines.filter(has_text=amount)
    line.locator("summary").click()
    expect(line.locator(".hist-details div", has_text="伝票番号")).to_have_text(f"伝票番号{reference}")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_resident_sees_the_shops_slip_number(town: Town, browser: Any, tmp_path: Path, size: str) -> None:
    """A shop's payment request with its slip number: the result screen says 伝票番号 receipt-0042. A till
    charging the resident's pay code with one: the home's recent list and the history open to it. A sale
    without one shows no slip line."""
    shop = town.api("POST", "/v1/merchants", town.secrets["admin"], {"name": "三鷹 文具店"})
    request = {"amount": 480, "reference": "receipt-0042"}
    asked = town.api("POST", "/v1/payment-requests", shop["api_key"], request)
    resident = funded_resident(town)
    page = new_page(browser, size)
    errors = watch_errors(page)
    page.goto(town.page_url("/app/scan", secret=resident["token"]))
    _paste(page, asked["qr_payload"])
    page.get_by_role("button", name="支払う").click()
    _big_receipt(page, "三鷹 文具店", "480 円", "0 pt", "480 円", "ポイント 0 pt・マネー 1,520 円")
    expect(page.get_by_test_id("receipt-reference")).to_have_text("receipt-0042")
    expect(page.locator("#receipt-slip")).to_have_text("伝票番号receipt-0042")
    _checked(page)
    picture(page, f"app-pay-receipt-slip-{size}", tmp_path, full_page=False)

    page.get_by_role("button", name="別のコードを読み取る").click()
    _paste(page, shop["qr_payload"])  # the shop's own code carries no slip number
    page.get_by_label("金額（円）").fill("120")
    page.get_by_role("button", name="支払う").click()
    _big_receipt(page, "三鷹 文具店", "120 円", "0 pt", "120 円", "ポイント 0 pt・マネー 1,400 円")
    expect(page.locator("#receipt-slip")).to_be_hidden()
    _checked(page)

    for amount, reference in ((300, "receipt-0043"), (50, None)):  # the till charges the shown pay code
        code = town.api("GET", "/v1/me/pay-code", resident["token"])["payload"]
        sale = {"pay_code": code, "amount": amount} | ({"reference": reference} if reference else {})
        town.api("POST", "/v1/charges", shop["api_key"], sale, key=uuid.uuid4().hex)
    page.goto(town.url + "/app")
    recent = page.get_by_test_id("recent").locator("li")
    expect(recent).to_have_count(5)
    _slip(page, recent, "−300 円", "receipt-0043")
    _checked(page)
    page.goto(town.url + "/app/statement")
    lines = page.get_by_test_id("history").locator("li")
    expect(lines).to_have_count(5)
    _slip(page, lines, "−300 円", "receipt-0043")
    _slip(page, lines, "−480 円", "receipt-0042")
    unlabelled = lines.filter(has_text="−50 円")
    unlabelled.locator("summary").click()
    expect(unlabelled.locator(".hist-details")).to_contain_text("支払いID")
    expect(unlabelled.locator(".hist-details")).not_to_contain_text("伝票番号")
    _checked(page)
    picture(page, f"app-history-slip-{size}", tmp_path)
    assert errors == []
