"""At the door, the organizer checks in a resident who has a みたポ card and no smartphone, on the event's
screen, at a phone's and a desktop's size: by filming the card's QR with the device camera (Chromium's fake
camera films the card's real QR, drawn here with segno; the page decodes it with the till's camera dialog)
or by typing the card's number. The holder gets the event's points once: the same card again is refused
with no second grant, and a mistyped number (a wrong check digit) writes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import DESKTOP, PHONE, Town, camera_browser, qr_png, shown, sync_api, watch_errors

expect = sync_api.expect
SIZES = {"phone": PHONE, "desktop": DESKTOP}
POINTS = 70
ALREADY = "このカードの方は受付済みです。ポイントは重ねて付与されません。"


def _open_event(town: Town, title: str, starts_in: timedelta = timedelta(minutes=-5)) -> dict[str, Any]:
    """A new event of the demo organizer in the demo event's program, open for check-in now (or, with
    `starts_in` ahead, not yet)."""
    demo_event = town.api("GET", f"/v1/events/{town.secrets['event_id']}", town.secrets["admin"])
    program_id = demo_event["program_id"]
    now = datetime.now(UTC)
    body = {
        "program_id": program_id,
        "title": title,
        "points": POINTS,
        "starts_at": (now + starts_in).isoformat(),
        "ends_at": (now + starts_in + timedelta(hours=3)).isoformat(),
    }
    created = town.api("POST", "/v1/events", town.secrets["organizer"], body, key=uuid.uuid4().hex)
    return dict(town.api("GET", f"/v1/events/{created['id']}", town.secrets["organizer"]))


def _card_holder(town: Town) -> tuple[dict[str, str], dict[str, Any]]:
    """A resident (no phone needed) and the みたポ card the city issued them."""
    resident = town.resident("カード 利用者")
    card = town.api("POST", f"/v1/residents/{resident['id']}/cards", town.secrets["admin"], {"pin": "2580"})
    return resident, card


def _screen(
    browser: Any, size: str, town: Town, event: dict[str, Any], lang: str = ""
) -> tuple[Any, list[str]]:
    """The event's screen, signed in as its organizer (`lang`: "?lang=en" for English)."""
    page = browser.new_context(viewport=SIZES[size], permissions=["camera"]).new_page()
    errors = watch_errors(page)
    page.goto(town.page_url(f"/organizer/events/{event['id']}{lang}", "organizer"))
    expect(page.locator("#event-title")).to_have_text(event["title"])
    expect(page.get_by_test_id("checkin-count")).to_have_text("0 people" if lang else "0 人")
    return page, errors


def _written(town: Town, event: dict[str, Any], resident: dict[str, str]) -> tuple[int, int, int]:
    """What the API says was written: the event's check-ins and points, and the resident's points."""
    seen = town.api("GET", f"/v1/events/{event['id']}/attendance", town.secrets["organizer"])
    me = town.api("GET", "/v1/me", resident["token"])
    return seen["count"], seen["points"], me["balances"]["points"]


def _checks(page: Any, size: str) -> None:
    assert accessibility_problems(page) == []
    if size == "phone":
        assert layout_problems(page) == []


@pytest.mark.parametrize("size", SIZES)
def test_the_organizer_checks_a_card_holder_in_with_the_camera_once(
    town: Town, playwright: Any, tmp_path: Path, folder: Path, size: str
) -> None:
    event = _open_event(town, f"カメラで受付する体操教室 {size}")
    resident, card = _card_holder(town)
    camera = camera_browser(playwright, qr_png(card["qr_payload"]), tmp_path)
    try:
        page, errors = _screen(camera, size, town, event)
        page.get_by_role("button", name="カードで受付", exact=True).click()
        result = page.get_by_test_id("door-result")
        expect(result.locator("#door-verdict")).to_have_text("受付しました", timeout=20_000)
        last4 = card["card_number"][-4:]
        expect(result.locator("#door-detail")).to_have_text(
            f"カード末尾 {last4}：{POINTS} pt を付与しました。チェックイン 1 人"
        )
        expect(page.locator("#door-dialog")).to_be_hidden()
        expect(page.get_by_test_id("checkin-count")).to_have_text("1 人")
        shown(page, "#checkin-code")  # the event's own rotating code is still shown beside the door
        _checks(page, size)
        page.screenshot(path=folder / f"organizer-card-checkin-{size}.png", full_page=True)
        assert _written(town, event, resident) == (1, POINTS, POINTS)

        page.get_by_role("button", name="カードで受付", exact=True).click()  # the same card again
        expect(result.locator("#door-verdict")).to_have_text("受付できません", timeout=20_000)
        expect(result.locator("#door-detail")).to_have_text(ALREADY)
        expect(page.get_by_test_id("checkin-count")).to_have_text("1 人")
        _checks(page, size)
        page.screenshot(path=folder / f"organizer-card-checkin-twice-{size}.png", full_page=True)
        assert errors == []
    finally:
        camera.close()
    assert _written(town, event, resident) == (1, POINTS, POINTS)


@pytest.mark.parametrize("size", SIZES)
def test_the_organizer_checks_a_card_holder_in_by_typing_the_number_once(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    event = _open_event(town, f"番号で受付する読書会 {size}")
    resident, card = _card_holder(town)
    page, errors = _screen(browser, size, town, event)
    number = card["card_number"]
    printed = " ".join(number[i : i + 4] for i in range(0, 16, 4))  # as the card's face shows it
    field = page.get_by_label("カード番号（16桁）")
    field.fill(printed)
    page.get_by_role("button", name="番号で受付").click()
    result = page.get_by_test_id("door-result")
    expect(result.locator("#door-verdict")).to_have_text("受付しました")
    expect(result.locator("#door-detail")).to_have_text(
        f"カード末尾 {number[-4:]}：{POINTS} pt を付与しました。チェックイン 1 人"
    )
    expect(field).to_have_value("")
    expect(page.get_by_test_id("checkin-count")).to_have_text("1 人")
    _checks(page, size)
    page.screenshot(path=folder / f"organizer-card-number-{size}.png", full_page=True)
    assert _written(town, event, resident) == (1, POINTS, POINTS)

    field.fill(number)  # the same card, typed again
    page.get_by_role("button", name="番号で受付").click()
    expect(result.locator("#door-verdict")).to_have_text("受付できません")
    expect(result.locator("#door-detail")).to_have_text(ALREADY)
    expect(page.get_by_test_id("checkin-count")).to_have_text("1 人")
    assert errors == []
    page.context.close()
    assert _written(town, event, resident) == (1, POINTS, POINTS)


@pytest.mark.parametrize("size", SIZES)
def test_a_number_with_a_wrong_check_digit_is_refused_and_writes_nothing(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    event = _open_event(town, f"打ち間違いの茶話会 {size}")
    resident, card = _card_holder(town)
    page, errors = _screen(browser, size, town, event)
    number = card["card_number"]
    mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)  # the Luhn check digit no longer matches
    page.get_by_label("カード番号（16桁）").fill(mistyped)
    page.get_by_role("button", name="番号で受付").click()
    result = page.get_by_test_id("door-result")
    expect(result.locator("#door-verdict")).to_have_text("受付できません")
    expect(result.locator("#door-detail")).to_have_text(
        "カード番号が正しくありません。カードの16桁を確かめて、もう一度入力してください。"
    )
    expect(page.get_by_label("カード番号（16桁）")).to_have_value(mistyped)  # kept, to be corrected
    _checks(page, size)
    page.screenshot(path=folder / f"organizer-card-number-wrong-{size}.png", full_page=True)
    expect(page.get_by_test_id("checkin-count")).to_have_text("0 人")
    assert errors == []
    page.context.close()
    assert _written(town, event, resident) == (0, 0, 0)


def test_the_door_speaks_english_when_asked(town: Town, browser: Any) -> None:
    event = _open_event(town, "English door")
    resident, card = _card_holder(town)
    page, errors = _screen(browser, "phone", town, event, lang="?lang=en")
    expect(page.get_by_role("button", name="Check in a card", exact=True)).to_be_visible()
    page.get_by_label("Card number (16 digits)").fill(card["card_number"])
    page.get_by_role("button", name="Check in by number").click()
    result = page.get_by_test_id("door-result")
    expect(result.locator("#door-verdict")).to_have_text("Checked in")
    expect(result.locator("#door-detail")).to_have_text(
        f"Card ending {card['card_number'][-4:]}: {POINTS} pt granted. Checked in: 1"
    )
    _checks(page, "phone")
    assert errors == []
    page.context.close()
    assert _written(town, event, resident) == (1, POINTS, POINTS)


@pytest.mark.parametrize("size", SIZES)
def test_a_replaced_card_and_an_event_not_yet_open_are_refused_in_plain_words_and_write_nothing(
    town: Town, browser: Any, size: str
) -> None:
    event = _open_event(town, f"再発行のあとの清掃 {size}")
    resident, old_card = _card_holder(town)
    town.api("POST", f"/v1/residents/{resident['id']}/cards", town.secrets["admin"], {"pin": "1470"})
    page, errors = _screen(browser, size, town, event)
    field = page.get_by_label("カード番号（16桁）")
    field.fill(old_card["card_number"])
    page.get_by_role("button", name="番号で受付").click()
    result = page.get_by_test_id("door-result")
    expect(result.locator("#door-verdict")).to_have_text("受付できません")
    expect(result.locator("#door-detail")).to_have_text(
        "このカードは再発行されたため使えません。新しいカードで受付してください。"
    )
    _checks(page, size)
    assert errors == []
    page.context.close()
    assert _written(town, event, resident) == (0, 0, 0)

    tomorrow = _open_event(town, f"明日の朗読会 {size}", starts_in=timedelta(days=1))
    _, card = _card_holder(town)
    page, errors = _screen(browser, size, town, tomorrow)
    page.get_by_label("カード番号（16桁）").fill(card["card_number"])
    page.get_by_role("button", name="番号で受付").click()
    expect(page.get_by_test_id("door-result").locator("#door-detail")).to_have_text(
        "受付時間外です（開始前・終了後、または中止されたイベントです）。"
    )
    expect(page.get_by_test_id("checkin-count")).to_have_text("0 人")
    assert errors == []
    page.context.close()
    assert town.api("GET", f"/v1/events/{tomorrow['id']}/attendance", town.secrets["organizer"])["count"] == 0


@pytest.mark.parametrize("size", SIZES)
def test_the_camera_sends_nothing_for_a_code_that_is_no_card(
    town: Town, playwright: Any, tmp_path: Path, size: str
) -> None:
    event = _open_event(town, f"コードを間違える句会 {size}")
    own_code = town.api("GET", f"/v1/events/{event['id']}/checkin-code", town.secrets["organizer"])["payload"]
    camera = camera_browser(playwright, qr_png(own_code), tmp_path)  # the event's own code, not a card
    try:
        page, errors = _screen(camera, size, town, event)
        page.get_by_role("button", name="カードで受付", exact=True).click()
        dialog = page.locator("#door-dialog")
        expect(dialog.get_by_test_id("door-scan-status")).to_have_text(
            "みたポカードのQRではありません。カードのQRを読み取ってください。", timeout=20_000
        )
        expect(dialog.get_by_role("button", name="もう一度読み取る")).to_be_visible()
        _checks(page, size)
        dialog.get_by_role("button", name="やめる").click()
        expect(dialog).to_be_hidden()
        expect(page.get_by_test_id("door-result")).to_be_hidden()
        assert errors == []
    finally:
        camera.close()
    assert town.api("GET", f"/v1/events/{event['id']}/attendance", town.secrets["organizer"])["count"] == 0
