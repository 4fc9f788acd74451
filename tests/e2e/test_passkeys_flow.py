"""A resident's phone enrolls with the code on the city's letter, registers a passkey in Chromium's virtual
authenticator (DevTools protocol), signs in with it later, and is refused once the city revoked it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.conftest import PHONE, Town, sync_api, watch_errors

expect = sync_api.expect


def phone_with_passkeys(browser: Any) -> tuple[Any, Any]:
    """A page whose browser has a platform authenticator that says yes to every prompt, as a phone's would
    after its owner touched the fingerprint sensor."""
    context = browser.new_context(viewport=PHONE, locale="ja-JP")
    page = context.new_page()
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return context, page


def test_a_phone_enrolls_signs_in_with_its_passkey_and_is_refused_after_revocation(
    town: Town, browser: Any
) -> None:
    admin = town.secrets["admin"]
    resident = town.resident("三鷹 はな")
    enrollment = resident["enrollment"]
    site = town.url.replace("127.0.0.1", "localhost")  # a passkey's RP id is a name, never an address
    assert enrollment["url"].startswith(f"{site}/app/enroll#code=")

    context, phone = phone_with_passkeys(browser)
    errors = watch_errors(phone)
    phone.goto(enrollment["url"])
    expect(phone.locator("#enroll-code")).to_have_value(enrollment["code"])
    assert "code=" not in phone.url  # out of the address bar, kept by this tab: a language switch keeps it
    phone.get_by_role("link", name="English").click()
    expect(phone.locator("#enroll-code")).to_have_value(enrollment["code"])
    phone.get_by_role("link", name="日本語").click()
    phone.get_by_role("button", name="このスマートフォンを登録").click()
    expect(phone.locator("#greeting")).to_contain_text("三鷹 はな", timeout=20_000)
    expect(phone.get_by_test_id("devices").locator("li")).to_have_count(1)
    assert not any(k.startswith("mitapo.secret") for k in phone.evaluate("Object.keys(localStorage)"))
    assert all(c["httpOnly"] and c["secure"] for c in context.cookies() if c["name"] == "mitapo_session")

    # signing out, then in again with the passkey
    phone.get_by_role("button", name="サインアウト").click()
    expect(phone.locator("#passkey-signin")).to_be_visible()
    expect(phone.get_by_role("link", name="機種変更・紛失のとき")).to_have_attribute("href", "/app/help")
    phone.locator("#passkey-signin").click()
    expect(phone.locator("#greeting")).to_contain_text("三鷹 はな", timeout=20_000)

    # the phone is lost: the city revokes it; the old phone's session, passkey and token all stop
    revoked = town.api("POST", f"/v1/residents/{resident['id']}/revocation", admin, {"reason": "紛失"})
    assert revoked["passkeys"] == 1
    phone.reload()
    expect(phone.locator("#signin-error")).to_contain_text("取り消され")
    phone.locator("#passkey-signin").click()
    expect(phone.locator("#signin-error")).to_contain_text("取り消され")
    token = httpx.get(town.url + "/v1/me", headers={"Authorization": f"Bearer {resident['token']}"})
    assert (token.status_code, token.json()["code"]) == (401, "credential_revoked")

    # what to do now, in plain words, in both languages
    phone.get_by_role("link", name="機種変更・紛失のとき").click()
    expect(phone.locator("#help-title")).to_have_text("機種変更・紛失のとき")
    expect(phone.locator("main")).to_contain_text("みたポの端末を止めてほしい")
    phone.goto(site + "/app/help?lang=en")
    expect(phone.locator("main")).to_contain_text("stop my Mitapo phone")
    assert errors == []
    context.close()

    # the new phone enrolls with a new code and sees the same wallet
    issued = town.api("POST", f"/v1/residents/{resident['id']}/enrollments", admin, None)
    context, new_phone = phone_with_passkeys(browser)
    new_phone.goto(issued["url"])
    new_phone.get_by_role("button", name="このスマートフォンを登録").click()
    expect(new_phone.locator("#greeting")).to_contain_text("三鷹 はな", timeout=20_000)
    expect(new_phone.get_by_test_id("points")).to_have_text("0 pt")
    context.close()
