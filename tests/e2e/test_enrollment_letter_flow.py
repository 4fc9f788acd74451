"""The printed enrollment letter enrols a phone, as its reader would: the counter prints the letter, its QR
code is read with the resident app's own decoding (scanner.js, jsQR) and gives the enrollment link, which a
fresh browser with a platform authenticator (Chromium's virtual one) opens, registers a passkey and lands on
the home page, at a phone's and a desktop's size. The letter's code then works no more."""

from __future__ import annotations

import base64
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import DESKTOP, PHONE, Town, sync_api, watch_errors

expect = sync_api.expect
SIZES = {"phone": PHONE, "desktop": DESKTOP}
A4 = {"width": 794, "height": 1123}  # 210 × 297 mm at 96 dpi

# The resident app's decoding, in a page of the service: the same module its scan page imports.
DECODE = """async (png) => {
  const { readPhoto } = await import('/static/js/scanner.js');
  const bytes = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
  return readPhoto(new Blob([bytes], { type: 'image/png' }));
}"""


def _letter(town: Town, resident_id: str) -> str:
    response = httpx.post(
        f"{town.url}/v1/residents/{resident_id}/enrollments/letter",
        headers={"Authorization": f"Bearer {town.secrets['admin']}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def _with_passkeys(browser: Any, viewport: dict[str, int]) -> tuple[Any, Any]:
    """A fresh browser whose platform authenticator says yes, as after a touch of the fingerprint sensor."""
    context = browser.new_context(viewport=viewport, locale="ja-JP")
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    devtools.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return context, page


@pytest.mark.parametrize("size", SIZES)
def test_the_letters_qr_enrols_a_phone(town: Town, browser: Any, folder: Path, size: str) -> None:
    name = f"手紙 {size} 花子"
    resident = town.resident(name)
    paper = browser.new_page(viewport=A4)
    paper.set_content(_letter(town, resident["id"]))
    expect(paper.locator("body")).to_contain_text(f"{name} 様")
    picture = paper.get_by_test_id("enrollment-qr").locator("svg").screenshot()
    code = paper.get_by_test_id("enrollment-code").inner_text().strip()
    if size == "desktop":
        paper.screenshot(path=folder / "enrollment-letter.png", full_page=True)
    paper.goto(town.url + "/app/scan")
    paper.wait_for_function("() => window.jsQR")
    url = paper.evaluate(DECODE, base64.b64encode(picture).decode())
    paper.close()
    site = town.url.replace("127.0.0.1", "localhost")  # a passkey's RP id is a name, never an address
    assert url.startswith(f"{site}/app/enroll#code="), url

    context, phone = _with_passkeys(browser, SIZES[size])
    errors = watch_errors(phone)
    phone.goto(url)
    expect(phone.locator("#enroll-code")).to_have_value(code)
    assert accessibility_problems(phone) == []
    if size == "phone":
        assert layout_problems(phone) == []
    phone.get_by_role("button", name="このスマートフォンを登録").click()
    expect(phone.locator("#greeting")).to_contain_text(name, timeout=20_000)
    expect(phone.get_by_test_id("points")).to_have_text("0 pt")
    expect(phone.get_by_test_id("devices").locator("li")).to_have_count(1)
    phone.screenshot(path=folder / f"enrollment-letter-home-{size}.png")
    assert errors == []
    context.close()

    again, second = _with_passkeys(browser, SIZES[size])
    second.goto(url)
    second.get_by_role("button", name="このスマートフォンを登録").click()
    expect(second.locator("#enroll-error")).not_to_be_empty()
    assert second.url.endswith("/app/enroll")
    again.close()
