"""An organizer creates an event on its page (at a phone's and a desktop's size) with its place and community
area, opens its screen, and a resident claims its code; the event is listed for residents under its area.
Then it edits an event before it starts (moving it to another area) and cancels one."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import DESKTOP, PHONE, Town, shown, sync_api, watch_errors

expect = sync_api.expect
SIZES = {"phone": PHONE, "desktop": DESKTOP}


@pytest.mark.parametrize("size", SIZES)
def test_an_organizer_creates_an_event_and_its_code_is_claimed(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    admin, organizer = town.secrets["admin"], town.secrets["organizer"]
    program_id = town.api("GET", f"/v1/events/{town.secrets['event_id']}", admin)["program_id"]
    page = browser.new_context(viewport=SIZES[size]).new_page()
    errors = watch_errors(page)
    page.goto(town.page_url("/organizer", "organizer"))
    page.locator("#content").wait_for()
    title = f"公園清掃 {size}"
    form = page.locator("#event-form")
    form.get_by_label("プログラムの番号（市から通知されたもの）").fill(program_id)
    form.get_by_label("イベント名").fill(title)
    form.get_by_label("参加でもらえるポイント").fill("80")
    form.get_by_label("場所（任意：会館・公園など）").fill("野川公園")
    form.get_by_label("住区（任意）").select_option("大沢")
    page.get_by_role("button", name="作成する").click()
    expect(page.locator("#event-form-result")).to_contain_text(f"「{title}」を作成しました。")
    made = page.locator(".cards li", has_text=title)
    expect(made.locator(".event-state")).to_have_text("受付中")
    expect(made.locator(".event-where")).to_have_text("野川公園・大沢")
    assert accessibility_problems(page) == []
    if size == "phone":
        assert layout_problems(page) == []
    page.screenshot(path=folder / f"organizer-events-{size}.png", full_page=True)

    event_id = made.get_attribute("data-event-id")
    made.get_by_role("link", name="コードを表示").click()
    shown(page, "#checkin-code")
    expect(page.get_by_test_id("checkin-count")).to_have_text("0 人")
    resident = town.resident()
    code = town.api("GET", f"/v1/events/{event_id}/checkin-code", organizer)["payload"]
    claimed = town.api("POST", "/v1/checkins", resident["token"], {"payload": code}, key=uuid.uuid4().hex)
    assert claimed["points"] == 80 and claimed["event_id"] == event_id
    upcoming = town.api("GET", "/v1/events/upcoming?area=大沢", resident["token"])["items"]
    assert [(e["place"], e["area"]) for e in upcoming if e["id"] == event_id] == [("野川公園", "大沢")]
    expect(page.get_by_test_id("checkin-count")).to_have_text("1 人")
    assert errors == []
    page.context.close()


def test_an_organizer_edits_an_event_before_it_starts_and_cancels_one(town: Town, browser: Any) -> None:
    admin = town.secrets["admin"]
    program_id = town.api("GET", f"/v1/events/{town.secrets['event_id']}", admin)["program_id"]
    page = browser.new_context(viewport=PHONE).new_page()
    errors = watch_errors(page)
    page.goto(town.page_url("/organizer", "organizer"))
    page.locator("#content").wait_for()
    form = page.locator("#event-form")
    form.get_by_label("プログラムの番号（市から通知されたもの）").fill(program_id)
    form.get_by_label("イベント名").fill("来週の読書会")
    form.get_by_label("参加でもらえるポイント").fill("50")
    form.get_by_label("開始日時").fill("2030-04-01T10:00")
    form.get_by_label("終了日時").fill("2030-04-01T12:00")
    form.get_by_label("場所（任意：会館・公園など）").fill("三鷹図書館")
    form.get_by_label("住区（任意）").select_option("連雀")
    page.get_by_role("button", name="作成する").click()
    card = page.locator(".cards li", has_text="来週の読書会")
    expect(card.locator(".event-state")).to_have_text("開始前")

    card.get_by_role("button", name="変更").click()
    dialog = page.locator("#edit-dialog")
    dialog.get_by_label("イベント名").fill("来週の読書会（会場変更）")
    dialog.get_by_label("参加でもらえるポイント").fill("60")
    expect(dialog.get_by_label("住区（任意）")).to_have_value("連雀")
    dialog.get_by_label("場所（任意：会館・公園など）").fill("井の頭コミュニティ・センター")
    dialog.get_by_label("住区（任意）").select_option("井の頭")
    page.get_by_role("button", name="保存する").click()
    card = page.locator(".cards li", has_text="来週の読書会（会場変更）")
    expect(card).to_contain_text("参加で 60 pt")
    expect(card.locator(".event-where")).to_have_text("井の頭コミュニティ・センター・井の頭")

    card.get_by_role("button", name="中止").click()
    page.get_by_label("中止の理由（参加者に伝わります）").fill("講師の都合")
    page.get_by_role("button", name="中止する").click()
    expect(card.locator(".event-state")).to_have_text("中止")
    expect(card.get_by_role("button", name="変更")).to_have_count(0)
    assert errors == []
    page.context.close()
