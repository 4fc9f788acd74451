"""A resident's history says what happened: the kind in words, whom it was with, points and money apart,
details (slip number, payment, entry); a month at a time, and a year as CSV."""

from __future__ import annotations

import csv
import io

from mitapo.engine import clock
from tests.api.conftest import Api
from tests.api.payments_support import give_money, problem
from tests.api.test_points_town import Town


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
