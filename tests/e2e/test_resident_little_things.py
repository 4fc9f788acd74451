"""The little things: a signed-out visitor gets no full menu; the menu fits a 360 px screen; every page has
its own title; the file picker speaks Japanese."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import Town, sync_api

expect = sync_api.expect


def test_the_little_things(town: Town, browser: Any) -> None:
    page = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="block").new_page()
    page.goto(town.url + "/app")
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("nav.tabs")).to_be_hidden()  # no full menu for someone not signed in
    page.goto(town.page_url("/app/find", "resident"))
    expect(page.locator("nav.tabs")).to_be_visible()
    widths = page.evaluate(
        "[document.documentElement.scrollWidth, document.querySelector('nav.tabs').scrollWidth]"
    )
    assert widths[0] <= 360 and widths[1] <= 360
    titles = {}
    for path in ("/app", "/app/scan", "/app/pay-code", "/app/statement", "/app/gift", "/app/find"):
        page.goto(town.url + path)
        titles[path] = page.title()
    assert len(set(titles.values())) == len(titles), titles
    page.goto(town.url + "/app/scan")
    picker = page.get_by_role("button", name="写真から読み取る")  # the label is the button, in Japanese
    expect(picker).to_be_visible()
    box = page.locator("#photo").bounding_box()
    assert box is not None and box["width"] <= 1  # the browser's own button (in its own language) is not seen
