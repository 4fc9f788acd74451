"""The little things: a signed-out visitor gets no full menu on any page of the app; the menu fits a 360 px
screen (and the desktop's); every page has its own title naming it; the file pickers speak Japanese (the
browser's own button, in the browser's language, is never seen). The offline start with the last known
balance is in test_resident_home.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import DESKTOP, Town, sync_api

expect = sync_api.expect

SIZES = {"360px": {"width": 360, "height": 740}, "desktop": DESKTOP}
PAGES = {  # the app's pages and the name each one's title starts with
    "/app": "ホーム",
    "/app/scan": "コードを読み取る",
    "/app/pay-code": "支払いコード",
    "/app/statement": "履歴",
    "/app/donate": "ポイントを寄付する",
    "/app/gift": "ポイントを贈る",
    "/app/find": "さがす",
}
PICKERS = {"/app/scan": "#photo", "/app/gift": "#gift-photo"}


def _page(browser: Any, size: str) -> Any:
    return browser.new_context(viewport=SIZES[size], service_workers="block").new_page()


def _signed_in(town: Town, browser: Any, size: str) -> Any:
    page = _page(browser, size)
    page.goto(town.page_url("/app", "resident"))
    expect(page.locator("#content")).to_be_visible()  # the sign-in link became a session
    return page


@pytest.mark.parametrize("size", SIZES)
def test_no_full_menu_when_signed_out(town: Town, browser: Any, size: str) -> None:
    page = _page(browser, size)
    for path in PAGES:
        page.goto(town.url + path)
        expect(page.locator("#signin")).to_be_visible()
        expect(page.locator("nav.tabs")).to_be_hidden()
        expect(page.locator("#content")).to_be_hidden()
    assert accessibility_problems(page) == [] and layout_problems(page) == []
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_menu_fits_and_every_page_has_its_title(town: Town, browser: Any, size: str) -> None:
    page = _signed_in(town, browser, size)
    width = SIZES[size]["width"]
    for path, name in PAGES.items():
        page.goto(town.url + path)
        expect(page.locator("nav.tabs")).to_be_visible()
        expect(page).to_have_title(f"{name} · みたポ")
        links = page.locator("nav.tabs a")
        expect(links).to_have_count(len(PAGES))
        expect(page.locator('nav.tabs a[aria-current="page"]')).to_have_attribute("href", path)
        boxes = [links.nth(i).bounding_box() for i in range(len(PAGES))]
        assert all(box and box["x"] >= 0 and box["x"] + box["width"] <= width for box in boxes), path
        assert page.evaluate("document.documentElement.scrollWidth") <= width, path
        assert layout_problems(page) == [], path  # no menu word broken one character per line
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_file_pickers_speak_japanese(town: Town, browser: Any, size: str) -> None:
    page = _signed_in(town, browser, size)
    for path, picker in PICKERS.items():
        page.goto(town.url + path)
        button = page.get_by_role("button", name="写真から読み取る")  # a label styled as the button
        expect(button).to_be_visible()
        label = page.locator(picker).evaluate("(input) => input.labels[0].textContent.trim()")
        assert label == "写真から読み取る", path
        box = page.locator(picker).bounding_box()
        assert box is None or box["width"] <= 1, path  # the browser's own button is not seen
    page.context.close()
