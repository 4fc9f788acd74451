"""Finding what to join and where to pay: the map of Mitaka's community areas (drawn from the shipped
outlines, no tile server), events and shops by area, an event added to a calendar."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import Town, sync_api, watch_errors
from tests.e2e.resident_support import new_page, picture

expect = sync_api.expect
TOKYO = ZoneInfo("Asia/Tokyo")


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


@pytest.fixture(scope="module")
def stargazing_day(town: Town) -> str:
    """An event 40 days away and a bookshop with a cashback campaign, both in 東部: answers the event's
    Tokyo date."""
    admin = town.secrets["admin"]
    body = {"name": "東部 地域活動", "points_valid_days": 365}
    program = town.api("POST", "/v1/programs", admin, body)["id"]
    town.api("POST", f"/v1/programs/{program}/funding", admin, {"points": 10_000}, key=uuid.uuid4().hex)
    made = town.api("POST", "/v1/organizers", admin, {"name": "東部地区住民協議会"})
    town.api("POST", f"/v1/programs/{program}/organizers", admin, {"organizer_id": made["id"]})
    starts = datetime.now(TOKYO).replace(hour=19, minute=0, second=0, microsecond=0) + timedelta(days=40)
    event = {
        "program_id": program,
        "title": "東部 星空観察会",
        "points": 120,
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "place": "東部コミュニティ・センター",
        "area": "東部",
    }
    town.api("POST", "/v1/events", made["token"], event)
    shop = town.api("POST", "/v1/merchants", admin, {"name": "東部ブックス", "mcc": "5942", "area": "東部"})
    campaign = {
        "name": "本の日 5% 還元",
        "program_id": program,
        "rate_bps": 500,
        "monthly_cap": 1000,
        "starts_on": datetime.now(TOKYO).date().isoformat(),
        "merchant_ids": [shop["id"]],
    }
    town.api("POST", "/v1/cashback-campaigns", admin, campaign)
    return starts.date().isoformat()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_events_by_date_and_a_shops_campaign(
    town: Town, browser: Any, stargazing_day: str, size: str
) -> None:
    page = new_page(browser, size)
    errors = watch_errors(page)
    page.goto(town.page_url("/app/find", "resident"))
    events = page.get_by_test_id("events").locator("li")
    stargazing = events.filter(has_text="東部 星空観察会")
    expect(stargazing).to_have_count(1)
    expect(stargazing).to_contain_text("120 pt")
    expect(stargazing).to_contain_text("19:00–21:00")
    expect(stargazing).to_contain_text("東部コミュニティ・センター・東部")
    expect(stargazing).to_contain_text("主催: 東部地区住民協議会")
    expect(page.locator('#area-map [data-area="東部"]')).to_contain_text("イベント 1・お店 1")

    today = datetime.now(TOKYO).date().isoformat()
    page.get_by_label("この日まで").fill(today)
    expect(stargazing).to_have_count(0)
    expect(events.filter(has_text="井の頭公園 清掃ボランティア")).to_have_count(1)
    page.get_by_label("この日から").fill(stargazing_day)
    page.get_by_label("この日まで").fill(stargazing_day)
    expect(events.locator("h3")).to_have_text(["東部 星空観察会"])

    page.locator('#area-map [data-area="東部"]').click()
    bookshop = page.get_by_test_id("shops").locator("li")
    expect(bookshop).to_have_count(1)
    expect(bookshop).to_contain_text("東部ブックス")
    expect(bookshop.locator(".badge-cashback")).to_have_text("還元 本の日 5% 還元 5%")
    assert accessibility_problems(page) == []
    assert layout_problems(page) == []
    assert errors == []
    page.context.close()
