"""Before points expire: the home screen says what expires in the next 30 days; an offline start shows the
last known balance, marked as such."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Town, sync_api, watch_errors
from tests.e2e.resident_support import SIZES, picture

expect = sync_api.expect


def _points_expiring_soon(town: Town, points: int = 80) -> dict[str, str]:
    admin = town.secrets["admin"]
    program = town.api("POST", "/v1/programs", admin, {"name": "短期ボランティア", "points_valid_days": 20})[
        "id"
    ]
    town.api("POST", f"/v1/programs/{program}/funding", admin, {"points": 1000}, key=uuid.uuid4().hex)
    made = town.api("POST", "/v1/organizers", admin, {"name": "連雀地区住民協議会"})
    organizer = made["token"]
    town.api("POST", f"/v1/programs/{program}/organizers", admin, {"organizer_id": made["id"]})
    now = datetime.now(UTC)
    event = {
        "program_id": program,
        "title": "連雀 花壇の手入れ",
        "points": points,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(),
        "place": "連雀コミュニティ・センター",
        "area": "連雀",
    }
    event_id = town.api("POST", "/v1/events", organizer, event)["id"]
    code = town.api("GET", f"/v1/events/{event_id}/checkin-code", organizer)["payload"]
    resident = town.resident("連雀 樹")
    town.api("POST", "/v1/checkins", resident["token"], {"payload": code}, key=uuid.uuid4().hex)
    return resident


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_home_says_what_expires_soon_and_starts_offline(
    town: Town, browser: Any, tmp_path: Path, size: str
) -> None:
    resident = _points_expiring_soon(town)
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(town.page_url("/app", secret=resident["token"]))
    expect(page.get_by_test_id("expiring-soon")).to_have_text("80 pt が失効します")
    expect(page).to_have_title("ホーム · みたポ")
    picture(page, f"app-home-expiring-{size}", tmp_path)
    assert errors == []

    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()  # now through the service worker, which keeps the page for an offline start
    expect(page.get_by_test_id("points")).to_have_text("80 pt")
    context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("balance-as-of")).to_contain_text("オフラインです")
    expect(page.get_by_test_id("points")).to_have_text("80 pt")
    picture(page, f"app-home-offline-{size}", tmp_path, full_page=False)
    context.set_offline(False)
    context.close()
