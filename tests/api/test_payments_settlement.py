"""Settlement: every receivable moves to the city's payable less the fee, a period is settled once, and the
payout files say the same as the lines."""

from __future__ import annotations

import concurrent.futures
import csv
import io

from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import Command, Leg
from tests.api.conftest import Api
from tests.api.payments_support import (
    balances,
    give_money,
    give_points,
    in_days,
    problem,
    resident,
    rows,
    shop,
)

BANK = {
    "bank_code": "0005",
    "branch_code": "222",
    "account_number": "1234567",
    "account_holder_kana": "みたかのうえん",
    "bank_name_kana": "ミタカギンコウ",
    "branch_name_kana": "ホンテン",
}


def town(api: Api, admin: str) -> tuple[dict, dict, str]:
    """A farm (3 % fee, a bank account) paid 400 points and 600 yen; a cafe (no fee) paid 500 yen."""
    farm = shop(api, admin, fee_bps=300, bank=BANK)
    cafe = shop(api, admin, "カフェ", mcc="5814")
    rid, secret = resident(api, admin)
    give_points(api, rid, 400, in_days(30))
    give_money(api, rid, 1100)
    assert (
        api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 1000}).status_code
        == 201
    )
    assert (
        api.post("/v1/payments", secret, {"qr_payload": cafe["qr_payload"], "amount": 500}).status_code == 201
    )
    return farm, cafe, rid


def test_settlement_moves_receivables_to_the_city_and_balances(api: Api, admin: str) -> None:
    farm, cafe, _ = town(api, admin)
    settled = api.post("/v1/settlements", admin, {})
    assert settled.status_code == 201, settled.text
    lines = {line["merchant_id"]: line for line in settled.json()["lines"]}
    assert {k: lines[farm["id"]][k] for k in ("points", "money", "fee", "payout")} == {
        "points": 400,
        "money": 600,
        "fee": 30,
        "payout": 970,
    }
    assert {k: lines[cafe["id"]][k] for k in ("points", "money", "fee", "payout")} == {
        "points": 0,
        "money": 500,
        "fee": 0,
        "payout": 500,
    }
    owed = balances(api, admin)
    assert not [key for key in owed if key[0].startswith("merchant:")]
    assert owed[("city:payable", "PT")] == -400
    assert owed[("city:payable", "JPY")] == -(570 + 500)
    assert owed[("fees", "JPY")] == -30
    for asset in ("PT", "JPY"):
        assert sum(v for (_, a), v in owed.items() if a == asset) == 0
    api.seal()
    assert api.get("/v1/audit/verify", admin).json()["ok"] is True


def test_recipients_are_settled_too(api: Api, admin: str) -> None:
    rid, _ = resident(api, admin)
    give_points(api, rid, 50, in_days(30))
    lot, npo = chart.resident_lot(rid, in_days(30)), chart.recipient_account("npo_1")
    gift = Command(
        kind="donation", accounts=(npo,), postings=(Leg(lot.code, chart.PT, 50), Leg(npo.code, chart.PT, -50))
    )
    api.run(ledger.post, api.runtime.db, gift)
    line = api.post("/v1/settlements", admin, {}).json()["lines"][0]
    assert (line["party_kind"], line["merchant_id"], line["points"], line["fee"]) == (
        "recipient",
        "npo_1",
        50,
        0,
    )


def test_a_period_is_settled_once(api: Api, admin: str) -> None:
    town(api, admin)
    first = api.post("/v1/settlements", admin, {}, key="s1")
    assert first.status_code == 201
    again = api.post("/v1/settlements", admin, {}, key="s1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    until = api.get(f"/v1/settlements/{first.json()['id']}", admin).json()["until"]
    before = api.journal_size()
    problem(api.post("/v1/settlements", admin, {"until": until}), 409, "already_settled")
    problem(
        api.post("/v1/settlements", admin, {"until": "2020-01-01T00:00:00+09:00"}), 409, "already_settled"
    )
    problem(
        api.post("/v1/settlements", admin, {"until": "2999-01-01T00:00:00+09:00"}), 400, "validation_error"
    )
    problem(api.post("/v1/settlements", admin, {"until": "2020-01-01T00:00:00"}), 400, "validation_error")
    assert api.journal_size() == before and rows(api, "settlements") == 1
    empty = api.post("/v1/settlements", admin, {})
    assert empty.status_code == 201 and empty.json()["lines"] == []


def test_racing_settlements_settle_one_period_once(api: Api, admin: str) -> None:
    town(api, admin)
    until = clock.now().isoformat()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: api.post("/v1/settlements", admin, {"until": until}), range(4)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    owed = balances(api, admin)
    assert owed[("city:payable", "JPY")] == -1070 and owed[("fees", "JPY")] == -30


def test_a_period_ends_at_until(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, secret = resident(api, admin)
    give_money(api, rid, 300)
    api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 100})
    until = clock.now().isoformat()
    api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": 200})
    assert api.post("/v1/settlements", admin, {"until": until}).json()["lines"][0]["money"] == 100
    assert api.post("/v1/settlements", admin, {}).json()["lines"][0]["money"] == 200


def test_payout_files_in_csv_and_zengin(api: Api, admin: str) -> None:
    farm, cafe, _ = town(api, admin)
    settled = api.post("/v1/settlements", admin, {}).json()
    as_csv = api.get(f"/v1/settlements/{settled['id']}/payout.csv", admin)
    assert as_csv.status_code == 200
    table = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert {r["party_id"]: int(r["payout"]) for r in table} == {farm["id"]: 970, cafe["id"]: 500}
    zengin = api.get(f"/v1/settlements/{settled['id']}/payout.zengin", admin).content
    records = zengin.split(b"\r\n")[:-1]
    assert [len(r) for r in records] == [120] * 4
    assert [r[:1] for r in records] == [b"1", b"2", b"8", b"9"]
    data = records[1]
    assert data[1:5] == b"0005" and data[20:23] == b"222" and data[43:50] == b"1234567"
    assert data[50:80].decode("cp932").rstrip() == "ﾐﾀｶﾉｳｴﾝ"
    assert int(data[80:90]) == 970
    assert int(records[2][1:7]) == 1 and int(records[2][7:19]) == 970
    problem(api.get("/v1/settlements/st_none/payout.csv", admin), 404, "not_found")
    problem(api.get(f"/v1/settlements/{settled['id']}/payout.csv", farm["api_key"]), 403, "forbidden")


def test_bank_names_the_banks_cannot_carry_are_refused(api: Api, admin: str) -> None:
    before = api.journal_size()
    bad = {**BANK, "account_holder_kana": "三鷹農園"}
    problem(api.post("/v1/merchants", admin, {"name": "x", "bank": bad}, key=None), 400, "validation_error")
    problem(
        api.post("/v1/merchants", admin, {"name": "x", "fee_bps": 10_001}, key=None), 400, "validation_error"
    )
    problem(api.post("/v1/merchants", admin, {"name": "x", "mcc": "12"}, key=None), 400, "validation_error")
    assert api.journal_size() == before and rows(api, "merchants") == 0
