"""An organizer shows the event's code; a resident's phone films it with its camera and gets the points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import PHONE, Town, camera_browser, shown, sync_api, watch_errors

expect = sync_api.expect


def test_resident_scans_the_organizers_code_with_the_camera(
    town: Town, browser: Any, playwright: Any, tmp_path: Path
) -> None:
    resident = town.resident()
    event = town.api("GET", f"/v1/events/{town.secrets['event_id']}", town.secrets["admin"])
    before = town.api("GET", f"/v1/events/{event['id']}/attendance", town.secrets["admin"])["count"]

    screen = browser.new_page(viewport={"width": 900, "height": 1000})
    screen_errors = watch_errors(screen)
    screen.goto(town.page_url(f"/organizer/events/{event['id']}", "organizer"))
    expect(screen.locator("#event-title")).to_have_text(event["title"])
    expect(screen.get_by_test_id("checkin-count")).to_have_text(f"{before} 人")
    shown(screen, "#checkin-code")
    code_on_screen = screen.locator("#checkin-code").screenshot()

    phone_browser = camera_browser(playwright, code_on_screen, tmp_path)
    try:
        phone = phone_browser.new_context(viewport=PHONE, permissions=["camera"]).new_page()
        phone_errors = watch_errors(phone)
        phone.goto(town.page_url("/app/scan", secret=resident["token"]))
        phone.get_by_role("button", name="カメラで読み取る").click()
        received = f"{event['points']} pt を受け取りました"
        expect(phone.locator("#result-title")).to_have_text(received, timeout=20_000)
        expect(phone.locator("#result-balance")).to_have_text(f"ポイント残高：{event['points']} pt")
        phone.get_by_role("link", name="ホーム").first.click()
        expect(phone.get_by_test_id("points")).to_have_text(f"{event['points']} pt")
        assert phone_errors == []
    finally:
        phone_browser.close()

    expect(screen.get_by_test_id("checkin-count")).to_have_text(f"{before + 1} 人")
    assert screen_errors == []
    me = town.api("GET", "/v1/me", resident["token"])
    assert me["balances"]["points"] == event["points"]
