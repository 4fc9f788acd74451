"""The Zengin 総合振込 file a bank accepts: the city's own account is configured, not invented; names fit
their fields; bank and branch codes exist; a settlement with nothing to pay writes no file; every payee with
bank details (shops, recipients, operators) is paid by it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jpholiday
import pytest
from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.engine import chart, ledger
from mitapo.engine.commands import Command, Leg
from mitapo.settings import Settings
from tests.api.conftest import TEST_PAYER, Api
from tests.api.payments_support import (
    give_money,
    give_points,
    in_days,
    problem,
    resident,
    rows,
    shop,
    today,
)

BANK = {
    "bank_code": "0001",
    "branch_code": "247",
    "account_number": "1234567",
    "account_holder_kana": "ﾐﾀｶﾉｳｴﾝ",
}


@pytest.fixture
def unpaid_api(database_url: str, tmp_path: Path) -> Iterator[Api]:
    """A service whose operator never said which account the city pays from."""
    settings = Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600, payout_payer="")
    with TestClient(create_app(settings, url=database_url, migrate=False)) as client:
        yield Api(client)


def _paid_shop(api: Api, admin: str, amount: int = 500, **bank: str) -> str:
    """A shop with bank details, paid `amount` yen, settled; answers the settlement's id."""
    rid, secret = resident(api, admin)
    give_money(api, rid, amount)
    farm = shop(api, admin, bank={**BANK, **bank})
    paid = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": amount})
    assert paid.status_code == 201, paid.text
    settled = api.post("/v1/settlements", admin, {})
    assert settled.status_code == 201, settled.text
    return str(settled.json()["id"])


def test_without_a_payer_no_zengin_file_is_made_and_the_error_names_the_setting(unpaid_api: Api) -> None:
    admin = unpaid_api.token("admin")
    settled = _paid_shop(unpaid_api, admin)
    answer = unpaid_api.get(f"/v1/settlements/{settled}/payout.zengin", admin)
    problem(answer, 409, "payer_not_configured")
    assert "MITAPO_PAYOUT_PAYER" in answer.json()["detail"]
    assert unpaid_api.get(f"/v1/settlements/{settled}/payout.csv", admin).status_code == 200
    folder = unpaid_api.runtime.settings.data_dir / "payouts"
    assert not list(folder.glob("*.zengin"))


def test_the_header_carries_the_configured_payer(api: Api, admin: str) -> None:
    settled = _paid_shop(api, admin)
    header = api.get(f"/v1/settlements/{settled}/payout.zengin", admin).content[:120]
    payer = TEST_PAYER.split(",")
    assert header[4:14].decode() == payer[0]
    assert header[58:62] == payer[2].encode() and header[77:80] == payer[4].encode()
    assert header[96:103] == payer[7].encode()


def test_a_holder_name_longer_than_the_30_byte_field_is_refused_at_registration(api: Api, admin: str) -> None:
    before = api.journal_size()
    too_long = "ﾐﾀｶｼﾐﾅﾐﾁﾖｳﾉｳｷﾖｳｾｲｻﾝｸﾐｱｲﾁﾖｸﾊｲｼﾖｳ"  # 31 half-width bytes
    assert len(too_long) == 31
    for holder in (too_long, "だ" * 16):  # 16 characters, 32 bytes: a voiced mark is a byte of its own
        bank = {**BANK, "account_holder_kana": holder}
        answer = api.post("/v1/merchants", admin, {"name": "x", "bank": bank})
        problem(answer, 400, "validation_error")
        assert "30" in answer.json()["detail"]
    assert api.journal_size() == before and rows(api, "merchants") == 0
    fits = shop(api, admin, bank={**BANK, "account_holder_kana": too_long[:30]})
    assert fits["id"]


def test_a_settlement_with_nothing_to_transfer_writes_no_zengin_file_and_says_so(
    api: Api, admin: str
) -> None:
    rid, secret = resident(api, admin)
    give_money(api, rid, 300)
    cash_only = shop(api, admin)  # no bank details: paid outside the bank file
    api.post("/v1/payments", secret, {"qr_payload": cash_only["qr_payload"], "amount": 300})
    for settled in (
        api.post("/v1/settlements", admin, {}).json(),
        api.post("/v1/settlements", admin, {}).json(),
    ):
        files = settled["payout_files"]
        assert files["zengin"] is None and files["transfers"] == 0 and "nothing" in files["note"]
        problem(api.get(f"/v1/settlements/{settled['id']}/payout.zengin", admin), 409, "nothing_to_transfer")
        assert api.get(f"/v1/settlements/{settled['id']}/payout.csv", admin).status_code == 200
    assert not list((api.runtime.settings.data_dir / "payouts").glob("*.zengin"))
    paid = api.get(f"/v1/settlements/{_paid_shop(api, admin)}", admin).json()["payout_files"]
    assert (paid["transfers"], paid["transfer_total"], paid["note"]) == (1, 500, None)


def test_bank_and_branch_codes_must_exist_in_the_zengin_list(api: Api, admin: str) -> None:
    from zengin_code import Bank

    assert "999" not in Bank.all["0001"].branches and "9999" not in Bank.all
    before = api.journal_size()
    for codes in ({"bank_code": "9999", "branch_code": "999"}, {"bank_code": "0001", "branch_code": "999"}):
        answer = api.post("/v1/merchants", admin, {"name": "x", "bank": {**BANK, **codes}})
        problem(answer, 400, "validation_error")
        assert codes["bank_code"] in answer.json()["detail"] or "999" in answer.json()["detail"]
    assert api.journal_size() == before and rows(api, "merchants") == 0


def test_bank_and_branch_names_in_the_file_are_the_lists(api: Api, admin: str) -> None:
    settled = _paid_shop(api, admin, bank_name_kana="ﾃﾞﾀﾗﾒ", branch_name_kana="ﾃﾞﾀﾗﾒ")
    records = api.get(f"/v1/settlements/{settled}/payout.zengin", admin).content.split(b"\r\n")
    header, data = records[0], records[1]
    assert data[5:20].decode("cp932").rstrip() == "ﾐｽﾞﾎ" and data[23:38].decode("cp932").rstrip() == "ﾐﾀｶ"
    assert header[62:77].decode("cp932").rstrip() == "ﾐｽﾞﾎ"  # the payer's bank, named by the list too


def test_the_transfer_date_is_the_next_bank_business_day(api: Api, admin: str) -> None:
    settled = _paid_shop(api, admin)
    header = api.get(f"/v1/settlements/{settled}/payout.zengin", admin).content[:120]
    day = today()
    while True:  # the next day that is no weekend, national holiday or 31 December to 3 January
        day += timedelta(days=1)
        closed = (day.month, day.day) in {(12, 31), (1, 1), (1, 2), (1, 3)}
        if day.weekday() < 5 and not jpholiday.is_holiday(day) and not closed:
            break
    assert header[54:58].decode() == day.strftime("%m%d")


def _owed(api: Api, admin: str, account: Any, points: int) -> None:
    """`points` from a resident's lot to the receivable `account` (a donation, a fare)."""
    rid, _ = resident(api, admin)
    give_points(api, rid, points, in_days(30))
    lot = chart.resident_lot(rid, in_days(30))
    legs = (Leg(lot.code, chart.PT, points), Leg(account.code, chart.PT, -points))
    api.run(ledger.post, api.runtime.db, Command(kind="donation", accounts=(account,), postings=legs))


def test_recipients_and_operators_with_bank_details_are_in_the_zengin_file(api: Api, admin: str) -> None:
    npo = api.post("/v1/recipients", admin, {"name": "こども食堂"}).json()["id"]
    bus = api.post("/v1/transit/operators", admin, {"name": "みたかバス"}).json()["id"]
    _owed(api, admin, chart.recipient_account(npo), 70)
    _owed(api, admin, chart.operator_receivable(bus), 90)
    for kind, party, holder in (("recipient", npo, "ｺﾄﾞﾓｼﾖｸﾄﾞｳ"), ("operator", bus, "ﾐﾀｶﾊﾞｽ")):
        bank = {**BANK, "bank_code": "1360", "branch_code": "010", "account_holder_kana": holder}
        registered = api.post(f"/v1/payees/{kind}/{party}/bank-account", admin, bank)
        assert registered.status_code == 201, registered.text
        assert registered.json()["branch_name_kana"] == "ﾐﾀｶｼﾓﾚﾝｼﾞﾔｸ"
    settled = api.post("/v1/settlements", admin, {}).json()
    assert settled["payout_files"]["transfers"] == 2
    records = api.get(f"/v1/settlements/{settled['id']}/payout.zengin", admin).content.split(b"\r\n")
    paid = {r[50:80].decode("cp932").rstrip(): int(r[80:90]) for r in records if r[:1] == b"2"}
    assert paid == {"ｺﾄﾞﾓｼﾖｸﾄﾞｳ": 70, "ﾐﾀｶﾊﾞｽ": 90}


def test_bank_details_of_a_payee_that_does_not_exist_or_a_bad_bank_are_refused(api: Api, admin: str) -> None:
    npo = api.post("/v1/recipients", admin, {"name": "こども食堂"}).json()["id"]
    before = api.journal_size()
    problem(api.post("/v1/payees/recipient/rcp_nobody/bank-account", admin, BANK), 404, "not_found")
    problem(api.post(f"/v1/payees/merchant/{npo}/bank-account", admin, BANK), 400, "validation_error")
    bad = {**BANK, "branch_code": "999"}
    problem(api.post(f"/v1/payees/recipient/{npo}/bank-account", admin, bad), 400, "validation_error")
    resident_secret = resident(api, admin)[1]
    problem(api.post(f"/v1/payees/recipient/{npo}/bank-account", resident_secret, BANK), 403, "forbidden")
    assert api.journal_size() == before and rows(api, "payee_bank_accounts") == 0
