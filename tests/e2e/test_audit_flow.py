"""An auditor verifies the chain and follows one point from the budget that funded it, through the resident
who earned it and the shop that was paid with it, to the settlement that paid the shop."""

from __future__ import annotations

import shlex
import subprocess
import uuid
from pathlib import Path
from typing import Any

from tests.e2e.conftest import BIN, DESKTOP, Town, sync_api, watch_errors

expect = sync_api.expect


def _spend_a_point_at_a_new_shop(town: Town) -> dict[str, Any]:
    """A check-in, a payment with points only at a shop of its own, and a settlement, through the API."""
    admin = town.secrets["admin"]
    shop = town.api("POST", "/v1/merchants", admin, {"name": "連雀コーヒー", "name_ascii": "RENJAKU COFFEE"})
    resident = town.resident()
    code = town.api("GET", f"/v1/events/{town.secrets['event_id']}/checkin-code", admin)["payload"]
    town.api("POST", "/v1/checkins", resident["token"], {"payload": code}, key=uuid.uuid4().hex)
    payment = {"qr_payload": shop["qr_payload"], "amount": 120, "funding": "points_only"}
    town.api("POST", "/v1/payments", resident["token"], payment, key=uuid.uuid4().hex)
    town.api("POST", "/v1/settlements", admin, {}, key=uuid.uuid4().hex)
    return shop


def test_auditor_verifies_the_chain_and_follows_a_point(town: Town, browser: Any) -> None:
    shop = _spend_a_point_at_a_new_shop(town)
    desk = browser.new_context(viewport=DESKTOP).new_page()
    errors = watch_errors(desk)
    desk.goto(town.page_url("/audit", "auditor"))
    desk.get_by_role("button", name="検証する").click()
    expect(desk.get_by_test_id("verify-result")).to_contain_text("✓ 問題なし")

    desk.get_by_role("link", name="仕訳").click()
    desk.get_by_label("お店の番号").fill(shop["id"])
    desk.get_by_label("種類").select_option("payment")
    desk.get_by_role("button", name="絞り込む").click()
    expect(desk.locator("#found")).to_have_text("1 件を表示")
    desk.get_by_role("link", name="このポイントの流れ").click()

    steps = desk.get_by_test_id("trail-steps").locator("li")
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_contain_text("予算の原資")
    expect(steps.nth(1)).to_contain_text("参加ポイント")
    expect(steps.nth(2)).to_contain_text("お支払い — 連雀コーヒー")
    expect(steps.nth(3)).to_contain_text("精算")
    expect(desk.locator("#trail-summary")).to_have_text("市の発行から始まります")
    expect(desk.locator("#rests")).to_have_text("現在の場所：city:payable")
    assert errors == []


def test_auditor_downloads_the_export_and_keys_and_runs_the_command_shown(
    town: Town, browser: Any, tmp_path: Path
) -> None:
    """The desk's two downloads, saved as the page names them, pass the very command the desk shows."""
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    desk = context.new_page()
    errors = watch_errors(desk)
    desk.goto(town.page_url("/audit", "auditor"))
    for button in ("エクスポートをダウンロード", "公開鍵をダウンロード"):
        with desk.expect_download() as started:
            desk.get_by_role("button", name=button).click()
        download = started.value
        download.save_as(tmp_path / download.suggested_filename)
    command = shlex.split(desk.get_by_test_id("verify-command").inner_text())
    context.close()
    assert command[0] == "mitapo-ledger"
    done = subprocess.run(
        [str(BIN / "mitapo-ledger"), *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert errors == []
