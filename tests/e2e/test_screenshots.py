"""Every page of the demo town, at a phone's and a desktop's size: each renders with no script error, in
Japanese, with a label on every field. With MITAPO_SCREENSHOTS=docs/screenshots the pictures are kept there
(the README links them); otherwise they go to a temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, Town, shown, watch_errors

SIZES = {"phone": PHONE, "desktop": DESKTOP}
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((field) => field.type !== 'hidden' && field.offsetParent !== null)
    .filter((field) => field.labels.length === 0 && !field.getAttribute('aria-label'))
    .map((field) => field.id || field.name)"""


def _settled_payment(town: Town) -> str:
    """A demo payment whose first point reached a settlement: its trail shows every step."""
    admin = town.secrets["admin"]
    for entry in town.api("GET", "/v1/audit/journal?kind=payment&limit=100", admin)["items"]:
        if not any(posting["asset"] == "PT" for posting in entry["postings"]):
            continue
        trail = town.api("GET", f"/v1/audit/trail/{entry['id']}", admin)
        if trail["steps"][-1]["entry"]["kind"] == "settlement":
            return str(entry["id"])
    raise AssertionError("the demo town has no settled payment")


def _pages(town: Town) -> list[tuple[str, str, str | None]]:
    return [
        ("index", "/", None),
        ("app-home", "/app", "resident"),
        ("app-scan", "/app/scan", "resident"),
        ("app-pay-code", "/app/pay-code", "resident"),
        ("app-statement", "/app/statement", "resident"),
        ("app-donate", "/app/donate", "resident"),
        ("app-gift", "/app/gift", "resident"),
        ("app-find", "/app/find", "resident"),
        ("till", "/till", "merchant"),
        ("organizer-events", "/organizer", "organizer"),
        ("organizer-screen", f"/organizer/events/{town.secrets['event_id']}", "organizer"),
        ("audit-desk", "/audit", "auditor"),
        ("audit-journal", "/audit/journal", "auditor"),
        ("audit-trail", f"/audit/trail?entry={_settled_payment(town)}", "auditor"),
        ("audit-fairness", "/audit/fairness", "auditor"),
    ]


@pytest.mark.parametrize("size", SIZES)
def test_every_page_renders(town: Town, browser: Any, folder: Path, size: str) -> None:
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    errors = watch_errors(page)
    for name, path, face in _pages(town):
        page.goto(town.page_url(path, face))
        page.wait_for_load_state("networkidle")
        if face:
            page.locator("#content").wait_for()
        assert page.locator("html").get_attribute("lang") == "ja", name
        assert page.evaluate(UNLABELLED) == [], name
        page.screenshot(path=folder / f"{name}-{size}.png")
    page.goto(town.page_url("/till", "merchant"))
    page.get_by_label("金額（円）", exact=True).fill("1200")
    page.get_by_role("button", name="コードを表示").click()
    shown(page, "#sale-code")
    page.screenshot(path=folder / f"till-code-{size}.png")
    assert errors == []
    context.close()
