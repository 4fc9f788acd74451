"""The staff console's people and keys, driven as a city worker would (issue 19): an admin registers an
organizer (its secret shown once, with a warning and a copy button), grants it a program, and the organizer's
secret then creates an event in that program but not outside it; the admin withdraws the grant (外す,
confirmed first) and the organizer's next event there is refused; the admin rotates the organizer's secret
and then revokes it, and every secret of it is refused at once. An admin rotates and revokes a shop's key,
creates a cashback campaign that the public shop list then shows, and registers a bus reader with its
Ed25519 key and revokes it. At a phone's and a desktop's size, with the accessibility check and
screenshots."""

from __future__ import annotations

import base64
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mitapo.engine import clock
from tests.e2e.conftest import Town, sync_api
from tests.e2e.console_support import SIZES, checked, open_console

expect = sync_api.expect
CLIPBOARD = ["clipboard-read", "clipboard-write"]  # the copy button of a secret shown once


def _status(town: Town, method: str, path: str, secret: str, body: Any = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": uuid.uuid4().hex}
    return httpx.request(method, town.url + path, json=body, headers=headers, timeout=30)


def _program(town: Town, name: str) -> str:
    admin = town.secrets["admin"]
    program_id = str(town.api("POST", "/v1/programs", admin, {"name": name, "points_valid_days": 180})["id"])
    town.api("POST", f"/v1/programs/{program_id}/funding", admin, {"points": 10_000}, key=uuid.uuid4().hex)
    return program_id


def _event(program_id: str) -> dict[str, Any]:
    start = clock.now() + timedelta(days=1)
    return {
        "program_id": program_id,
        "title": "野川の清掃",
        "points": 50,
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=2)).isoformat(),
    }


def _confirm(page: Any, button: str, yes: str, within: str = "body") -> None:
    page.locator(within).get_by_role("button", name=button, exact=True).click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=yes, exact=True).click()
    expect(dialog).to_be_hidden()


@pytest.mark.parametrize("size", SIZES)
def test_admin_registers_an_organizer_grants_a_program_rotates_and_revokes_its_secret(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    granted, other = _program(town, f"野川の清掃 {size}"), _program(town, f"図書館 {size}")
    console = open_console(browser, town, "/admin/organizers", size, permissions=CLIPBOARD)
    page = console.page
    checked(page, "organizers")
    name = f"みたか森の会 {size}"
    page.get_by_label("主催者名").fill(name)
    page.get_by_role("button", name="登録する").click()
    result = page.locator("#organizer-form-result")
    expect(result).to_contain_text("主催者を登録しました")
    expect(result.locator(".secret-once .warning")).to_contain_text("今だけ表示")
    token = result.locator(".secret-once code").inner_text()
    organizer_id = result.locator(".fact code").first.inner_text()
    assert token.startswith("mtp_org_")
    result.get_by_role("button", name="コピー").click()
    expect(result).to_contain_text("コピーしました")
    assert page.evaluate("navigator.clipboard.readText()") == token
    checked(page, "organizer created")
    page.screenshot(path=folder / f"admin-organizers-created-{size}.png", full_page=True)

    page.locator("#grant-organizer").select_option(organizer_id)
    page.locator("#grant-program").select_option(granted)
    page.get_by_role("button", name="許可する").click()
    expect(page.locator("#grant-form-result")).to_contain_text("許可しました")
    row = page.locator("#organizers tbody tr", has_text=organizer_id)
    expect(row).to_contain_text(f"野川の清掃 {size}")
    expect(row).to_contain_text("有効")
    assert _status(town, "POST", "/v1/events", token, _event(granted)).status_code == 201
    outside = _status(town, "POST", "/v1/events", token, _event(other))
    assert outside.status_code == 403 and outside.json()["code"] == "forbidden"
    checked(page, "organizer granted")
    page.screenshot(path=folder / f"admin-organizers-granted-{size}.png", full_page=True)

    # the city withdraws the grant (外す, confirmed first): no new event in that program from then on
    withdraw = f"「{name}」から「野川の清掃 {size}」を外す"
    _confirm(page, withdraw, "外す", within="#organizers")
    said = page.locator("#organizers-result")
    expect(said).to_contain_text(f"「{name}」から「野川の清掃 {size}」を外しました")
    expect(row).to_contain_text("まだありません")
    expect(row).not_to_contain_text(f"野川の清掃 {size}")
    withdrawn = _status(town, "POST", "/v1/events", token, _event(granted))
    assert withdrawn.status_code == 403 and withdrawn.json()["code"] == "forbidden"
    checked(page, "grant withdrawn")

    page.locator("#keys-principal").select_option(organizer_id)
    page.get_by_label("理由（記録されます）").fill("担当者の交代")
    _confirm(page, "再発行する…", "再発行する")
    keys = page.locator("#keys-form-result")
    expect(keys).to_contain_text("新しいシークレットを発行しました")
    rotated = keys.locator(".secret-once code").inner_text()
    assert rotated.startswith("mtp_org_") and rotated != token
    for secret in (token, rotated):  # the old one works for the grace period, the new one at once
        assert _status(town, "GET", "/v1/events", secret).status_code == 200
    checked(page, "organizer rotated")
    page.screenshot(path=folder / f"admin-organizers-rotated-{size}.png", full_page=True)

    page.get_by_label("理由（記録されます）").fill("団体の解散")
    _confirm(page, "停止する…", "停止する")
    expect(keys).to_contain_text("停止しました")
    for secret in (token, rotated):  # every secret of it stops at once
        refused = _status(town, "GET", "/v1/events", secret)
        assert refused.status_code == 401 and refused.json()["code"] == "credential_revoked"
    expect(row).to_contain_text("停止中")
    checked(page, "organizer revoked")
    page.screenshot(path=folder / f"admin-organizers-{size}.png", full_page=True)
    log = f"/v1/audit/staff-actions?subject={organizer_id}"
    logged = town.api("GET", log, town.secrets["admin"])["items"]
    assert [a["action"] for a in logged] == [
        "principal.created",
        "program.organizer_granted",
        "program.organizer_withdrawn",
        "principal.rotated",
        "principal.revoked",
    ]
    console.close()


@pytest.mark.parametrize("size", SIZES)
def test_admin_rotates_then_revokes_a_shops_key(town: Town, browser: Any, folder: Path, size: str) -> None:
    shop = town.api("POST", "/v1/merchants", town.secrets["admin"], {"name": f"大沢の八百屋 {size}"})
    console = open_console(browser, town, "/admin/shops", size, permissions=CLIPBOARD)
    page = console.page
    expect(page.locator("#shops tbody tr", has_text=shop["id"])).to_contain_text(f"大沢の八百屋 {size}")
    page.locator("#keys-principal").select_option(shop["id"])
    page.get_by_label("理由（記録されます）").fill("レジの入れ替え")
    _confirm(page, "再発行する…", "再発行する")
    keys = page.locator("#keys-form-result")
    rotated = keys.locator(".secret-once code").inner_text()
    assert _status(town, "GET", "/v1/merchant/payments", rotated).status_code == 200
    checked(page, "shop key rotated")
    page.get_by_label("理由（記録されます）").fill("閉店")
    page.get_by_role("button", name="停止する…", exact=True).click()
    page.locator("#confirm-dialog").get_by_role("button", name="キャンセル").click()
    expect(keys).to_contain_text("何も変えていません")
    assert _status(town, "GET", "/v1/merchant/payments", rotated).status_code == 200
    _confirm(page, "停止する…", "停止する")
    expect(keys).to_contain_text("停止しました")
    for secret in (shop["api_key"], rotated):
        refused = _status(town, "GET", "/v1/merchant/payments", secret)
        assert refused.status_code == 401 and refused.json()["code"] == "credential_revoked"
    page.screenshot(path=folder / f"admin-shops-keys-{size}.png", full_page=True)
    console.close()


@pytest.mark.parametrize("size", SIZES)
def test_admin_creates_campaigns_that_the_shop_list_shows(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    shop = town.api("POST", "/v1/merchants", town.secrets["admin"], {"name": f"井の頭の果物店 {size}"})
    program_id = _program(town, f"還元の予算 {size}")
    console = open_console(browser, town, "/admin/campaigns", size, permissions=CLIPBOARD)
    page = console.page
    checked(page, "campaigns")
    cashback = f"果物 5% 還元 {size}"
    form = page.locator("#cashback-form")
    form.get_by_label("キャンペーン名").fill(cashback)
    form.get_by_label("予算のプログラム").select_option(program_id)
    form.get_by_label("還元率（%）").fill("5")
    form.get_by_label("1人あたり月の上限（pt）").fill("1000")
    form.get_by_label(f"井の頭の果物店 {size}").check()
    form.get_by_role("button", name="作成する").click()
    expect(page.locator("#cashback-form-result")).to_contain_text("作成しました")
    row = page.locator("#campaigns tbody tr", has_text=cashback)
    expect(row).to_contain_text("5%")
    expect(row).to_contain_text(f"井の頭の果物店 {size}")
    shops = {s["id"]: s for s in httpx.get(town.url + "/v1/shops", timeout=30).json()["items"]}
    assert cashback in [c["name"] for c in shops[shop["id"]]["campaigns"]]

    premium = f"春のプレミアム {size}"
    form = page.locator("#premium-form")
    form.get_by_label("キャンペーン名").fill(premium)
    form.get_by_label("予算のプログラム").select_option(program_id)
    form.get_by_label("1人あたりの上限（pt）").fill("3000")
    form.get_by_label("開始日時").fill("2026-04-01T09:00")
    form.get_by_label("終了日時").fill("2026-04-30T17:00")
    form.get_by_role("button", name="作成する").click()
    expect(page.locator("#premium-form-result")).to_contain_text("作成しました")
    expect(page.locator("#campaigns tbody tr", has_text=premium)).to_contain_text("すべてのお店")
    checked(page, "campaigns created")
    page.screenshot(path=folder / f"admin-campaigns-{size}.png", full_page=True)
    console.close()


@pytest.mark.parametrize("size", SIZES)
def test_admin_registers_a_bus_reader_with_its_key_and_revokes_it(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    operator = town.api("POST", "/v1/transit/operators", town.secrets["admin"], {"name": f"北野バス {size}"})
    key = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    public = base64.b64encode(key).decode()
    console = open_console(browser, town, "/admin/transit", size, permissions=CLIPBOARD)
    page = console.page
    form = page.locator("#reader-form")
    form.get_by_label("交通事業者").select_option(operator["id"])
    form.get_by_label("読み取り機の名前（例：3号車）").fill(f"7号車 {size}")
    form.get_by_label("公開鍵（Base64）").fill(public)
    form.get_by_role("button", name="登録する").click()
    expect(page.locator("#reader-form-result")).to_contain_text("登録しました")
    row = page.locator("#readers tbody tr", has_text=f"7号車 {size}")
    expect(row).to_contain_text(public)
    expect(row).to_contain_text("有効")
    readers = town.api("GET", "/v1/transit/readers", operator["api_key"])["items"]
    assert [(r["name"], r["public_key"]) for r in readers] == [(f"7号車 {size}", public)]
    checked(page, "reader registered")

    page.locator("#reader-revoke-pick").select_option(readers[0]["id"])
    page.locator("#reader-revoke-form").get_by_label("理由（記録されます）").fill("車両から盗難")
    _confirm(page, "停止する…", "停止する", "#reader-revoke-form")
    expect(page.locator("#reader-revoke-form-result")).to_contain_text("停止しました")
    expect(row).to_contain_text("停止中")
    assert town.api("GET", "/v1/transit/readers", operator["api_key"])["items"][0]["revoked_at"]

    page.locator("#keys-principal").select_option(operator["id"])  # the operator's own key, rotated
    page.locator("#keys-form").get_by_label("理由（記録されます）").fill("営業所の端末を交換")
    _confirm(page, "再発行する…", "再発行する")
    rotated = page.locator("#keys-form-result .secret-once code").inner_text()
    assert rotated.startswith("mtp_op_")
    assert _status(town, "GET", "/v1/transit/readers", rotated).status_code == 200
    checked(page, "reader revoked")
    page.screenshot(path=folder / f"admin-transit-readers-{size}.png", full_page=True)
    console.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_new_console_pages_are_labelled_legible_and_fit_in_english_too(
    town: Town, browser: Any, folder: Path, size: str
) -> None:
    english = ("/admin/organizers?lang=en", "/admin/campaigns?lang=en", "/admin/transit?lang=en")
    for path in (*english, "/admin/organizers?lang=ja"):
        console = open_console(browser, town, path, size)
        checked(console.page, path)
        console.close()


def test_a_counter_clerk_is_offered_none_of_these_pages(town: Town, browser: Any) -> None:
    """Hiding is only for clarity (the API answers a clerk 403 there: tests/api/test_console_people.py)."""
    clerk = town.api("POST", "/v1/clerks", town.secrets["admin"], {"name": "市民課 窓口"})["token"]
    console = open_console(browser, town, "/admin", "phone", secret=clerk)
    page = console.page
    for path in ("/admin/organizers", "/admin/campaigns", "/admin/transit"):
        page.goto(town.page_url(path, secret=clerk))
        expect(page.get_by_role("heading", name="この画面は使えません")).to_be_visible()
        expect(page.locator("#organizer-form, #cashback-form, #reader-form")).to_have_count(0)
        expect(page.get_by_role("link", name="主催者")).to_be_hidden()
    console.close()
