"""The city's finance and IT officer in the staff console, as they would work: an admin runs a settlement,
saves its Zengin file and, once the bank has paid, marks it transferred (confirmed in a dialog); rotates the
signing key (confirmed twice) and the journal still verifies, offline too; and the staff action log shows
both, in words. At a phone's and a desktop's size, with the accessibility check and screenshots."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from mitapo_ledger.cli import main as mitapo_ledger
from tests.e2e.conftest import Town, sync_api
from tests.e2e.console_support import SIZES, checked, goto, open_console

expect = sync_api.expect


def _shop_paid(town: Town, size: str) -> dict[str, Any]:
    """A shop with a bank account that a resident paid 450 yen: a settlement will pay it by bank."""
    admin = town.secrets["admin"]
    bank = {
        "bank_code": "0001",
        "branch_code": "001",
        "account_number": "7654321",
        "account_holder_kana": "ﾐﾀｶｼｮｳﾃﾝ",
    }
    shop = town.api("POST", "/v1/merchants", admin, {"name": f"振込商店 {size}", "bank": bank})
    resident = town.resident()
    topup = {
        "resident_id": resident["id"],
        "amount": 500,
        "channel": "counter",
        "external_ref": uuid.uuid4().hex,
    }
    town.api("POST", "/v1/topups", admin, topup, key=uuid.uuid4().hex)
    body = {"qr_payload": shop["qr_payload"], "amount": 450}
    town.api("POST", "/v1/payments", resident["token"], body, key=uuid.uuid4().hex)
    return dict(shop)


def _settle_download_and_mark(page: Any, folder: Path, size: str) -> str:
    """On the settlements page: run a settlement, save its Zengin file, mark it transferred."""
    checked(page, "settlements")
    page.get_by_role("button", name="精算する").click()
    expect(page.locator("#settle-form-result")).to_contain_text("精算しました")
    settlement_id = page.locator("#settle-form-result code").inner_text()
    expect(page.locator("#settlements tbody tr").first).to_contain_text("振込待ち")
    with page.expect_download() as started:
        page.get_by_role("button", name="全銀データを保存").click()
    assert Path(started.value.path()).read_bytes()[:1] == b"1"  # the Zengin header record
    page.get_by_label("銀行の受付番号（任意）").fill(f"MZ-{size}")
    page.get_by_role("button", name="振込済みにする…").click()
    expect(page.locator("#transfer-dialog")).to_be_visible()
    checked(page, "transfer dialog")
    page.get_by_role("button", name="記録する").click()
    expect(page.locator("#transfer-form-result")).to_contain_text("振込済みとして記録しました")
    expect(page.locator("#transfer-state")).to_contain_text(f"受付番号：MZ-{size}")
    expect(page.locator("#transfer-form")).to_be_hidden()
    expect(page.locator("#settlements tbody tr").first).to_contain_text("振込済み（")
    checked(page, "settlement transferred")
    page.screenshot(path=folder / f"admin-settlement-transferred-{size}.png", full_page=True)
    return str(settlement_id)


def _rotate_twice_confirmed(town: Town, page: Any, folder: Path, size: str) -> str:
    goto(town, page, "/admin/journal")
    expect(page.locator("#rotate-current")).to_contain_text("公開中の鍵")
    checked(page, "journal")
    page.get_by_role("button", name="署名鍵を更新…").click()
    expect(page.locator("#rotate-confirm-title")).to_have_text("署名鍵を更新しますか？")
    page.get_by_role("button", name="次へ").click()
    expect(page.locator("#rotate-confirm-title")).to_have_text("もう一度確認します")
    checked(page, "second confirmation")
    page.get_by_role("button", name="更新する").click()
    expect(page.locator("#rotate-result")).to_contain_text("署名鍵を更新しました")
    expect(page.locator("#rotate-verified")).to_have_text("仕訳の検証：問題ありません。")
    checked(page, "rotated")
    page.screenshot(path=folder / f"admin-key-rotated-{size}.png", full_page=True)
    return str(page.locator("#rotate-result code").first.inner_text())


def _verifies_offline(town: Town, kid: str, tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {town.secrets['admin']}"}
    export = httpx.get(f"{town.url}/v1/audit/export", headers=headers, timeout=120).text
    assert json.loads(export.splitlines()[-1])["kid"] == kid  # the new key signs the export's checkpoint
    keys = httpx.get(f"{town.url}/v1/audit/public-keys", timeout=30).text
    (tmp_path / "export.ndjson").write_text(export)
    (tmp_path / "keys.json").write_text(keys)
    assert (
        mitapo_ledger(
            ["verify", str(tmp_path / "export.ndjson"), "--public-keys-json", str(tmp_path / "keys.json")]
        )
        == 0
    )


@pytest.mark.parametrize("size", SIZES)
def test_admin_settles_marks_transferred_rotates_the_key_and_reads_the_log(
    town: Town, browser: Any, folder: Path, size: str, tmp_path: Path
) -> None:
    _shop_paid(town, size)
    console = open_console(browser, town, "/admin/settlements", size, accept_downloads=True)
    page = console.page

    settlement_id = _settle_download_and_mark(page, folder, size)
    kid = _rotate_twice_confirmed(town, page, folder, size)
    _verifies_offline(town, kid, tmp_path)

    goto(town, page, "/admin/staff-log")
    rows = page.locator("#log tbody tr")
    expect(rows.first).to_contain_text(f"署名鍵を {kid} に更新しました")
    expect(
        page.locator("#log tbody tr", has_text=f"精算 {settlement_id} を振込済みとして記録しました")
    ).to_contain_text(f"MZ-{size}")
    checked(page, "staff log")
    page.screenshot(path=folder / f"admin-staff-log-{size}.png", full_page=True)
    page.get_by_label("操作の種類").select_option(label="精算の振込記録")
    page.get_by_role("button", name="表示する").click()
    expect(page.locator("#log-form-result")).to_contain_text("件を表示しています")
    assert all("振込済みとして記録しました" in text for text in rows.all_inner_texts())
    goto(town, page, "/admin/staff-log?lang=en")
    expect(page.locator("#log tbody tr").first).to_contain_text(f"rotated the signing key to {kid}")
    checked(page, "staff log in English")
    console.close()
