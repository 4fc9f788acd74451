"""The home screen: its recent list says what happened in the history's words; it says what expires in the
next 30 days; an offline start shows the last known balance, marked as such, and its 「通信できませんでした」
covers no button or link."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import Town, sync_api, watch_errors
from tests.e2e.resident_support import SIZES, new_page, picture

expect = sync_api.expect


def _points_expiring_soon(town: Town, points: int = 80, name: str = "連雀 樹") -> dict[str, str]:
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
    resident = town.resident(name)
    town.api("POST", "/v1/checkins", resident["token"], {"payload": code}, key=uuid.uuid4().hex)
    return resident


def _controls_under(page: Any, message: str) -> list[str]:
    """Every visible button, link or field that the message covers, with each one scrolled to the top, the
    middle and the bottom of the window in turn: a message fixed to the window covers whatever passes under
    it, one in the page's flow never does."""
    return list(
        page.evaluate(
            """(selector) => {
              const note = document.querySelector(selector);
              const shown = (node) =>
                node.getClientRects().length > 0 && getComputedStyle(node).visibility !== "hidden";
              const controls = [
                ...document.querySelectorAll("a[href], button, .button, summary, input, select, textarea"),
              ].filter((node) => shown(node) && !note.contains(node));
              const covered = new Set();
              for (const control of controls) {
                for (const block of ["start", "center", "end"]) {
                  control.scrollIntoView({ block });
                  const a = note.getBoundingClientRect();
                  const b = control.getBoundingClientRect();
                  if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
                    const name = (control.textContent || control.id).trim();
                    covered.add(`${control.tagName} ${name} (${block})`);
                  }
                }
              }
              window.scrollTo(0, 0);
              return [...covered];
            }""",
            message,
        )
    )


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
    assert accessibility_problems(page) == []
    assert layout_problems(page) == []
    assert errors == []

    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.reload()  # now through the service worker, which keeps the page for an offline start
    expect(page.get_by_test_id("points")).to_have_text("80 pt")
    context.set_offline(True)
    page.reload()
    marked = re.compile(r"^オフラインです。.+ 時点の残高を表示しています。$")
    expect(page.get_by_test_id("balance-as-of")).to_have_text(marked)
    expect(page.get_by_test_id("points")).to_have_text("80 pt")
    expect(page.locator("#toast")).to_have_text("通信できませんでした。もう一度お試しください。")
    assert _controls_under(page, "#toast") == []
    assert accessibility_problems(page) == []
    assert layout_problems(page) == []
    picture(page, f"app-home-offline-{size}", tmp_path, full_page=False)
    context.set_offline(False)
    context.close()


def _busy_week(town: Town) -> dict[str, str]:
    """Points from an event, money charged, a shop paid, a donation and a gift: five kinds of line."""
    admin = town.secrets["admin"]
    resident = _points_expiring_soon(town, 80, "連雀 ひかり")
    ref = uuid.uuid4().hex
    topup = {"resident_id": resident["id"], "amount": 1000, "channel": "card", "external_ref": ref}
    town.api("POST", "/v1/topups", admin, topup, key=uuid.uuid4().hex)
    shop = town.api("POST", "/v1/merchants", admin, {"name": "連雀 八百屋"})
    paid = {"qr_payload": shop["qr_payload"], "amount": 300, "funding": "money_only"}
    town.api("POST", "/v1/payments", resident["token"], paid, key=uuid.uuid4().hex)
    recipient = town.api("POST", "/v1/recipients", admin, {"name": "連雀 子ども食堂"})["id"]
    given = {"recipient_id": recipient, "points": 10}
    town.api("POST", "/v1/donations", resident["token"], given, key=uuid.uuid4().hex)
    friend = town.resident("井口 次郎")
    gift = {"to_resident_id": friend["id"], "points": 5}
    town.api("POST", "/v1/gifts", resident["token"], gift, key=uuid.uuid4().hex)
    return resident


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_home_says_what_happened_in_the_historys_words(
    town: Town, browser: Any, tmp_path: Path, size: str
) -> None:
    resident = _busy_week(town)
    page = new_page(browser, size)
    errors = watch_errors(page)
    page.goto(town.page_url("/app", secret=resident["token"]))
    lines = page.get_by_test_id("recent").locator("li")
    said = ["贈った → 井口 次郎", "寄付 → 連雀 子ども食堂", "支払い → 連雀 八百屋", "チャージ"]
    expect(lines.locator("summary .what")).to_have_text([*said, "付与 ← 連雀 花壇の手入れ"])
    expect(lines.nth(2).locator(".amount")).to_have_text("−300 円")
    lines.nth(2).locator("summary").click()  # a line opens to its details, as in the history
    expect(lines.nth(2).locator(".hist-details")).to_contain_text("エントリーID")
    picture(page, f"app-home-recent-{size}", tmp_path)
    assert accessibility_problems(page) == []
    assert layout_problems(page) == []
    assert errors == []
    page.context.close()
