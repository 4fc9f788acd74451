"""Resident numbers as people use them: a counter clerk finds a resident by part of the name and by the number
the resident reads out (typed full-width), chooses them and does a procedure; a resident sees their number
and gives points to a friend by typing the friend's number, seeing the name before confirming."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import PHONE, Town, sync_api, watch_errors
from tests.e2e.resident_support import new_page, picture

expect = sync_api.expect
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def printed(number: str) -> str:
    return f"{number[:4]}-{number[4:]}"


def mistyped(number: str) -> str:
    """The number with its last digit off by one: its check digit no longer matches."""
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def _checked(page: Any, name: str) -> None:
    assert accessibility_problems(page) == [], name
    if page.viewport_size["width"] <= PHONE["width"]:
        assert layout_problems(page) == [], name


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_clerk_finds_a_resident_by_name_and_by_number(
    town: Town, browser: Any, tmp_path: Path, size: str
) -> None:
    clerk = town.api("POST", "/v1/clerks", town.secrets["admin"], {"name": f"窓口 番号 {size}"})
    wanted = town.resident(f"番号探し{size} 花子")
    town.resident(f"番号探し{size} 次郎")
    page = new_page(browser, size)
    errors = watch_errors(page)
    page.goto(town.page_url("/admin", secret=clerk["token"]))
    page.locator("#content").wait_for()

    page.get_by_label("名前か番号で探す").fill(f"番号探し{size}")
    page.get_by_role("button", name="探す", exact=True).click()
    results = page.locator("#find-form-result")
    expect(results).to_contain_text("2 人見つかりました")
    expect(results.get_by_role("listitem")).to_have_count(2)
    expect(results).not_to_contain_text("null")
    _checked(page, f"search by name {size}")
    picture(page, f"admin-residents-search-{size}", tmp_path)
    page.get_by_role("button", name=re.compile(f"番号探し{size} 花子")).click()
    expect(page.get_by_test_id("chosen-resident")).to_contain_text(f"番号探し{size} 花子")
    expect(page.locator("#counter-resident")).to_have_value(printed(wanted["number"]))
    with page.expect_popup() as opened:
        page.get_by_role("button", name="案内状を開いて印刷").click()
    letter = opened.value
    expect(letter.get_by_test_id("resident-number")).to_have_text(printed(wanted["number"]))
    expect(letter.locator("body")).to_contain_text(f"番号探し{size} 花子")
    letter.close()

    page.get_by_label("名前か番号で探す").fill(printed(wanted["number"]).translate(FULL_WIDTH))
    page.get_by_role("button", name="探す", exact=True).click()
    expect(results).to_contain_text("1 人見つかりました")
    results.get_by_role("button").click()
    expect(page.locator("#topup-resident")).to_have_value(printed(wanted["number"]))
    page.get_by_label("金額（円）").fill("500")
    page.get_by_label("領収書の番号").fill(f"R-{uuid.uuid4().hex[:8]}")
    page.get_by_role("button", name="チャージする").click()
    expect(page.locator("#topup-form-result")).to_contain_text("500")
    assert town.api("GET", "/v1/me", wanted["token"])["balances"]["money"] == 500

    page.get_by_label("名前か番号で探す").fill(mistyped(wanted["number"]))
    page.get_by_role("button", name="探す", exact=True).click()
    expect(results).to_contain_text("番号が正しくありません")
    _checked(page, f"residents after {size}")
    assert errors == []
    page.context.close()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_resident_gives_points_by_typing_a_friends_number(
    town: Town, browser: Any, tmp_path: Path, size: str
) -> None:
    giver = town.secrets["resident"]
    friend = town.resident(f"番号の友だち {size}")
    before = town.api("GET", "/v1/me", giver)["balances"]["points"]
    assert before >= 7

    seen = new_page(browser, size)
    errors = watch_errors(seen)
    seen.goto(town.page_url("/app", secret=friend["token"]))
    expect(seen.locator("#my-id")).to_have_text(printed(friend["number"]))
    seen.goto(town.page_url("/app/gift", secret=friend["token"]))
    expect(seen.get_by_test_id("my-number")).to_have_text(printed(friend["number"]))

    page = new_page(browser, size)
    errors += watch_errors(page)
    page.goto(town.page_url("/app/gift", secret=giver))
    expect(page.locator("#gift-balance")).not_to_be_empty()
    page.locator("summary", has_text="番号で送る").click()
    page.get_by_label("相手の番号（8桁）").fill(mistyped(friend["number"]))
    page.get_by_role("button", name="名前を確かめる").click()
    expect(page.get_by_test_id("gift-result")).to_contain_text("番号が正しくありません")
    expect(page.locator("#gift-form")).to_be_hidden()

    page.get_by_label("相手の番号（8桁）").fill(printed(friend["number"]).translate(FULL_WIDTH))
    page.get_by_role("button", name="名前を確かめる").click()
    expect(page.get_by_test_id("gift-to")).to_have_text(f"番号の友だち {size} さんに贈る")
    page.get_by_label("ポイント数").fill("7")
    assert accessibility_problems(page) == []
    if size == "phone":
        assert layout_problems(page) == []
    picture(page, f"app-gift-by-number-{size}", tmp_path, full_page=False)
    page.get_by_role("button", name="贈る", exact=True).click()
    done = f"番号の友だち {size} さんに贈る: 7 pt を贈りました"
    expect(page.get_by_test_id("gift-result")).to_have_text(done)
    assert town.api("GET", "/v1/me", friend["token"])["balances"]["points"] == 7
    assert town.api("GET", "/v1/me", giver)["balances"]["points"] == before - 7
    assert errors == []
