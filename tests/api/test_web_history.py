"""A resident's history says what happened: the kind in words, whom it was with, points and money apart,
details (slip number, payment, entry); a month at a time, and a year as CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from mitapo.engine import clock
from mitapo.points import expiry
from mitapo.web.history import KINDS_LABELS
from tests.api.conftest import Api
from tests.api.payments_support import give_money, give_points, problem, resident, shop, today
from tests.api.test_payments_cashback import campaign, next_month_start
from tests.api.test_payments_cashback import program as cashback_program
from tests.api.test_payments_cashback import run as cashback_run
from tests.api.test_points_town import Town
from tests.api.test_transit_support import Transit


def test_each_line_names_its_kind_and_counterpart(api: Api, admin: str) -> None:
    town = Town(api, admin)
    program = town.program()
    _, organizer = town.organizer()
    event = town.event(organizer, program, points=150, title="野川 清掃")
    hanako_id, hanako = town.resident("三鷹 花子")
    taro_id, taro = town.resident("井口 太郎")
    town.checked_in(organizer, event, hanako)
    give_money(api, hanako_id, 1000)
    shop = api.post("/v1/merchants", admin, {"name": "三鷹農園"}, key=None).json()
    request = {"amount": 300, "reference": "SLIP-7"}
    asked = api.post("/v1/payment-requests", shop["api_key"], request, key=None).json()
    paid = api.post("/v1/payments", hanako, {"qr_payload": asked["qr_payload"], "funding": "money_only"})
    assert paid.status_code == 201, paid.text
    recipient = api.post("/v1/recipients", admin, {"name": "井の頭 町会"}, key=None).json()["id"]
    assert api.post("/v1/donations", hanako, {"recipient_id": recipient, "points": 20}).status_code == 201
    assert api.post("/v1/gifts", hanako, {"to_resident_id": taro_id, "points": 30}).status_code == 201

    mine = api.get("/v1/me/history", hanako)
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["month"] == clock.month_key(clock.now())
    lines = {line["kind"]: line for line in body["items"]}
    assert set(lines) == {"grant", "topup", "payment", "donation", "gift"}
    assert lines["grant"]["counterpart"] == {"role": "event", "id": event, "name": "野川 清掃"}
    assert (lines["grant"]["points"], lines["grant"]["money"]) == (150, 0)
    payment = lines["payment"]
    assert payment["label"] == "お支払い" and (payment["points"], payment["money"]) == (0, -300)
    assert payment["counterpart"] == {"role": "shop", "id": shop["id"], "name": "三鷹農園"}
    assert payment["details"]["reference"] == "SLIP-7"
    assert payment["details"]["payment_id"] == paid.json()["id"]
    assert payment["entry_id"] == paid.json()["entry_id"]
    assert lines["donation"]["counterpart"] == {"role": "recipient", "id": recipient, "name": "井の頭 町会"}
    assert lines["gift"]["counterpart"] == {"role": "receiver", "id": taro_id, "name": "井口 太郎"}
    assert lines["gift"]["points"] == -30

    theirs = api.get("/v1/me/history", taro).json()["items"]
    assert [(x["kind"], x["counterpart"], x["points"]) for x in theirs] == [
        ("gift", {"role": "giver", "id": hanako_id, "name": "三鷹 花子"}, 30)
    ]

    earlier = api.get("/v1/me/history", hanako, params={"month": "2020-01"}).json()
    assert earlier == {"month": "2020-01", "items": []}

    year = clock.tokyo_date(clock.now()).year
    sheet = api.get("/v1/me/history.csv", hanako, params={"year": year})
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert f'filename="mitapo-{year}.csv"' in sheet.headers["content-disposition"]
    assert sheet.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["日時", "種類", "相手", "ポイント", "マネー（円）"]
    assert len(rows) == 6
    paid_row = next(row for row in rows if row[1] == "お支払い")
    assert paid_row[2:6] == ["三鷹農園", "0", "-300", "SLIP-7"]


def test_the_history_is_the_residents_own_and_its_filters_are_checked(api: Api, admin: str) -> None:
    town = Town(api, admin)
    _, hanako = town.resident()
    problem(api.get("/v1/me/history", hanako, params={"month": "2026-13"}), 400, "validation_error")
    problem(api.get("/v1/me/history", hanako, params={"month": "2026-1"}), 400, "validation_error")
    problem(api.get("/v1/me/history.csv", hanako), 400, "validation_error")
    problem(api.get("/v1/me/history", admin), 403, "forbidden")
    problem(api.get("/v1/me/history", None), 401, "unauthorized")


def test_the_latest_lines_are_the_history_of_any_month(api: Api, admin: str) -> None:
    """The home screen's recent list: the newest lines, said as the history says them, however many months
    they span; the resident's own only."""
    town = Town(api, admin)
    hanako_id, hanako = town.resident("三鷹 花子")
    _, taro = town.resident("井口 太郎")
    give_money(api, hanako_id, 1000)
    shop = api.post("/v1/merchants", admin, {"name": "三鷹農園"}, key=None).json()
    body = {"qr_payload": shop["qr_payload"], "amount": 120, "funding": "money_only"}
    assert api.post("/v1/payments", hanako, body).status_code == 201

    latest = api.get("/v1/me/history/latest", hanako, params={"limit": 1})
    assert latest.status_code == 200, latest.text
    month = api.get("/v1/me/history", hanako).json()["items"]
    assert latest.json() == {"items": month[:1]}
    assert latest.json()["items"][0]["counterpart"]["name"] == "三鷹農園"
    assert api.get("/v1/me/history/latest", hanako).json()["items"] == month  # five by default, two here
    assert api.get("/v1/me/history/latest", taro).json() == {"items": []}
    problem(api.get("/v1/me/history/latest", hanako, params={"limit": 0}), 400, "validation_error")
    problem(api.get("/v1/me/history/latest", hanako, params={"limit": 51}), 400, "validation_error")
    problem(api.get("/v1/me/history/latest", admin), 403, "forbidden")


def test_refunds_cashback_fares_and_expiry_say_whom(api: Api, admin: str) -> None:
    """The kinds a resident cannot make from the app: a shop's refund names the shop, cashback its
    campaign, a fare the bus route; expired points say so, with no one to name."""
    rid, secret = resident(api, admin, "三鷹 花子")
    give_money(api, rid, 5_000)
    farm = shop(api, admin, "大沢の畑", mcc="5431")
    funded = cashback_program(api, admin, 10_000)
    offer = campaign(api, admin, funded, mccs=["5431"], name="直売所 10% 還元")
    body = {"qr_payload": farm["qr_payload"], "amount": 1_000, "funding": "money_only"}
    paid = api.post("/v1/payments", secret, body).json()
    refund = api.post(f"/v1/payments/{paid['id']}/refunds", farm["api_key"], {"amount": 200}).json()
    assert cashback_run(api, next_month_start())  # 10 % of the 800 kept
    transit = Transit(api, admin)
    operator_id, operator = transit.operator()
    route = transit.route(operator_id, "kitano")
    assert transit.tap(operator, "kitano", rid).status_code == 201
    give_points(api, rid, 50, today() - timedelta(days=1))
    api.run(expiry.run, api.runtime.db, today())

    lines = {line["kind"]: line for line in api.get("/v1/me/history", secret).json()["items"]}
    assert lines["refund"]["counterpart"] == {"role": "shop", "id": farm["id"], "name": "大沢の畑"}
    assert (lines["refund"]["money"], lines["refund"]["details"]["refund_id"]) == (200, refund["id"])
    assert lines["cashback"]["counterpart"] == {"role": "campaign", "id": offer, "name": "直売所 10% 還元"}
    assert lines["cashback"]["points"] == 80
    assert lines["fare"]["counterpart"] == {"role": "route", "id": route, "name": "line kitano"}
    assert lines["fare"]["points"] + lines["fare"]["money"] == -210
    assert (lines["expiry"]["points"], lines["expiry"]["counterpart"]) == (-50, None)
    assert {kind: line["label"] for kind, line in lines.items()} == {
        kind: KINDS_LABELS[kind]
        for kind in ("topup", "payment", "refund", "cashback", "fare", "grant", "expiry")
    }


def test_the_shops_slip_number_reaches_the_residents_receipt_and_history(api: Api, admin: str) -> None:
    """A till's charge with its slip number (`reference`), and a payment request made with one: the resident's
    history, the home's newest lines and the answer about a payment attempt carry it; a sale without one
    says null. The slip number is the shop's label for the payer's own payment, never another resident's."""
    till = shop(api, admin, "三鷹 文具店")
    hanako_id, hanako = resident(api, admin, "三鷹 花子")
    _, taro = resident(api, admin, "井口 太郎")
    give_money(api, hanako_id, 2000)
    slips = {}
    for amount, reference in ((300, "receipt-0042"), (200, None)):
        code = api.get("/v1/me/pay-code", hanako, params={"funding": "money_only"}).json()["payload"]
        sale = {"pay_code": code, "amount": amount} | ({"reference": reference} if reference else {})
        charged = api.post("/v1/charges", till["api_key"], sale)
        assert charged.status_code == 201, charged.text
        slips[charged.json()["id"]] = reference
    asked = api.post("/v1/payment-requests", till["api_key"], {"amount": 150, "reference": "R-7"}, key=None)
    paid = api.post("/v1/payments", hanako, {"qr_payload": asked.json()["qr_payload"]}, key="slip-attempt")
    assert paid.status_code == 201 and paid.json()["reference"] == "R-7", paid.text
    slips[paid.json()["id"]] = "R-7"

    for answer in (api.get("/v1/me/history", hanako), api.get("/v1/me/history/latest", hanako)):
        assert answer.status_code == 200, answer.text
        paid_lines = [x["details"] for x in answer.json()["items"] if x["kind"] == "payment"]
        said = {details["payment_id"]: details["reference"] for details in paid_lines}
        assert said == slips
    receipt = api.get("/v1/me/payment-attempt", hanako, params={"idempotency_key": "slip-attempt"}).json()
    assert receipt["payment"]["reference"] == "R-7"
    assert api.get("/v1/me/history", taro).json()["items"] == []
    assert api.get("/v1/me/payment-attempt", taro, params={"idempotency_key": "slip-attempt"}).json() == {
        "status": "unknown",
        "payment": None,
    }
