"""Finding what to join and where to pay: the map of Mitaka's community areas (drawn from the shipped
outlines, no tile server), events and shops by area, an event added to a calendar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import Town, sync_api, watch_errors
from tests.e2e.resident_support import new_page, picture

expect = sync_api.expect


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_resident_finds_events_and_shops_by_area(
    town: Town, browser: Any, tmp_path: Path, size: str
) -> None:
    page = new_page(browser, size)
    errors = watch_errors(page)
    outside: list[str] = []
    page.on(
        "request",
        lambda request: outside.append(request.url) if not request.url.startswith(town.url) else None,
    )
    page.goto(town.page_url("/app/find", "resident"))
    expect(page.locator("#area-map polygon")).to_have_count(7)
    events = page.get_by_test_id("events").locator("li")
    expect(events.filter(has_text="井の頭公園 清掃ボランティア")).to_have_count(1)
    expect(page.locator('#area-map [data-area="井の頭"]')).to_contain_text("イベント 1")
    picture(page, f"app-find-{size}", tmp_path)
    assert accessibility_problems(page) == []
    assert layout_problems(page) == []

    page.locator('#area-map [data-area="井の頭"]').click()
    expect(page.get_by_label("住区", exact=True)).to_have_value("井の頭")
    expect(events).to_have_count(1)
    expect(events.first).to_contain_text("井の頭恩賜公園")
    expect(events.first).to_contain_text("三鷹市 市民協働センター")
    with page.expect_download() as downloading:
        events.first.get_by_role("link", name="カレンダーに追加").click()
    saved = tmp_path / "event.ics"
    downloading.value.save_as(saved)
    ics = saved.read_text(encoding="utf-8")
    assert "BEGIN:VEVENT" in ics and "SUMMARY:井の頭公園 清掃ボランティア" in ics

    page.get_by_label("住区", exact=True).select_option("大沢")
    shops = page.get_by_test_id("shops").locator("li")
    expect(shops).to_have_count(1)
    expect(shops.first).to_contain_text("大沢の農家直売所")
    page.get_by_label("お店の種類").select_option("restaurant")
    expect(shops).to_have_text(["この条件のお店はありません。"])
    assert errors == [] and outside == []
