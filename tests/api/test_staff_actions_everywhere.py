"""Every staff action done through the API writes its line in the staff action log, in the same transaction
as the action: an idempotent replay writes no second line, a refused request (bad input, or a clerk on an
admin-only route) writes none, and no line carries a resident's name (the auditors read the log)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mitapo_ledger import public_key_b64
from tests.api.conftest import Api
from tests.api.payments_support import problem

NAME = "三鷹 記録子"
RULE = {
    "default_adult_fare": 230,
    "reduced_percent": 50,
    "round_to": 10,
    "transfer_discount": 100,
    "transfer_window_minutes": 60,
    "day_caps": {"adult": 500, "child": 250, "concession": 250},
}
BANK = {"bank_code": "0001", "branch_code": "247", "account_number": "1234567", "account_holder_kana": "ﾐﾀｶ"}


def _lines(api: Api, admin: str) -> list[dict[str, Any]]:
    answer = api.get("/v1/audit/staff-actions", admin, params={"limit": 1000})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


class Log:
    """The log as a test follows it: what each step added."""

    def __init__(self, api: Api, admin: str) -> None:
        self.api, self.admin = api, admin
        self.seen = len(_lines(api, admin))

    def added(self) -> list[dict[str, Any]]:
        lines = _lines(self.api, self.admin)
        new, self.seen = lines[self.seen :], len(lines)
        return new

    def one(self, actor: str, action: str, subject: str | None = None) -> dict[str, Any]:
        [line] = self.added()
        assert (line["actor"], line["action"]) == (actor, action), line
        if subject is not None:
            assert line["subject"] == subject, line
        assert NAME not in line["reason"]
        return line

    def none(self) -> None:
        assert self.added() == []


def _done(api: Api, secret: str, path: str, body: Any, key: str = "auto") -> dict[str, Any]:
    answer = api.post(path, secret, body, key=key)
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def _replayed(api: Api, secret: str, path: str, body: Any, key: str) -> None:
    again = api.post(path, secret, body, key=key)
    assert again.status_code in (200, 201) and again.headers.get("Idempotent-Replayed") == "true", again.text


def _staff(api: Api, admin: str) -> tuple[str, str, str]:
    admin_id = str(api.get("/v1/staff/me", admin).json()["id"])
    clerk = _done(api, admin, "/v1/clerks", {"name": "市民課 窓口"}, key="clerk")
    return admin_id, clerk["id"], clerk["token"]


def test_the_counters_actions_are_logged(api: Api, admin: str) -> None:
    admin_id, clerk_id, clerk = _staff(api, admin)
    log = Log(api, admin)
    body = {"name": NAME, "fare_category": "child"}
    rid = _done(api, clerk, "/v1/residents", body, key="r1")["id"]
    assert log.one(clerk_id, "resident.created", rid)["reason"] == "child"
    _replayed(api, clerk, "/v1/residents", body, key="r1")
    problem(api.post("/v1/residents", clerk, {"name": ""}), 400, "validation_error")
    log.none()

    _done(api, clerk, f"/v1/residents/{rid}/enrollments", None, key=None)
    log.one(clerk_id, "enrollment.issued", rid)
    letter = api.post(f"/v1/residents/{rid}/enrollments/letter", clerk, None, key=None)
    assert letter.status_code == 201
    assert log.one(clerk_id, "enrollment.issued", rid)["reason"].startswith("letter enr_")
    problem(api.post("/v1/residents/res_nobody/enrollments", clerk, None, key=None), 404, "not_found")
    log.none()

    card = _done(api, clerk, f"/v1/residents/{rid}/cards", {"pin": "4826"}, key="c1")
    issued = log.one(clerk_id, "card.issued")
    assert issued["subject"].startswith("card_") and issued["reason"] == rid
    _replayed(api, clerk, f"/v1/residents/{rid}/cards", {"pin": "4826"}, key="c1")
    problem(api.post(f"/v1/residents/{rid}/cards", clerk, {"pin": "12"}), 400, "validation_error")
    log.none()
    _done(api, clerk, f"/v1/cards/{card['card_number']}/unlock", None, key=None)
    log.one(clerk_id, "card.unlocked", issued["subject"])
    problem(api.post("/v1/cards/0000-0000/unlock", clerk, None, key=None), 404, "not_found")
    log.none()

    topup = {"resident_id": rid, "amount": 3000, "channel": "counter", "external_ref": "R-0001"}
    _done(api, clerk, "/v1/topups", topup, key="t1")
    assert "R-0001" in log.one(clerk_id, "money.topped_up", rid)["reason"]
    _replayed(api, clerk, "/v1/topups", topup, key="t1")
    problem(api.post("/v1/topups", clerk, {**topup, "amount": -1}), 400, "validation_error")
    problem(api.post("/v1/topups", clerk, {**topup, "resident_id": "res_nobody"}), 404, "not_found")
    log.none()

    closure = {"channel": "bank_transfer"}
    problem(api.post(f"/v1/residents/{rid}/closure", clerk, closure), 403, "forbidden")
    log.none()
    _done(api, admin, f"/v1/residents/{rid}/closure", closure, key="x1")
    log.one(admin_id, "resident.closed", rid)
    _replayed(api, admin, f"/v1/residents/{rid}/closure", closure, key="x1")
    problem(api.post(f"/v1/residents/{rid}/closure", admin, closure), 409, "account_closed")
    log.none()


def test_programs_events_and_reversals_are_logged(api: Api, admin: str) -> None:
    admin_id, _, clerk = _staff(api, admin)
    log = Log(api, admin)
    program = {"name": "健康ポイント", "points_valid_days": 180}
    problem(api.post("/v1/programs", clerk, program), 403, "forbidden")
    problem(api.post("/v1/programs", admin, {**program, "points_valid_days": 0}), 400, "validation_error")
    log.none()
    pid = _done(api, admin, "/v1/programs", program, key="p1")["id"]
    log.one(admin_id, "program.created", pid)
    _replayed(api, admin, "/v1/programs", program, key="p1")
    log.none()

    funding = {"points": 5000}
    problem(api.post(f"/v1/programs/{pid}/funding", clerk, funding), 403, "forbidden")
    problem(api.post(f"/v1/programs/{pid}/funding", admin, {"points": 0}), 400, "validation_error")
    log.none()
    entry = _done(api, admin, f"/v1/programs/{pid}/funding", funding, key="f1")["entry_id"]
    log.one(admin_id, "program.funded", pid)
    _replayed(api, admin, f"/v1/programs/{pid}/funding", funding, key="f1")
    log.none()

    start = datetime.now(UTC) + timedelta(days=2)
    event = {"program_id": pid, "title": "清掃", "points": 50}
    event |= {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()}
    eid = _done(api, admin, "/v1/events", event, key="e1")["id"]
    assert log.one(admin_id, "event.created", eid)["reason"] == pid
    _replayed(api, admin, "/v1/events", event, key="e1")
    problem(api.post("/v1/events", admin, {**event, "ends_at": event["starts_at"]}), 400, "validation_error")
    log.none()
    headers = {"Authorization": f"Bearer {admin}"}
    edited = api.client.patch(f"/v1/events/{eid}", json={"title": "清掃（午前）"}, headers=headers)
    assert edited.status_code == 200, edited.text
    log.one(admin_id, "event.updated", eid)
    refused = api.client.patch(f"/v1/events/{eid}", json={"points": -5}, headers=headers)
    problem(refused, 400, "validation_error")
    log.none()
    _done(api, admin, f"/v1/events/{eid}/cancellation", {"reason": "台風"}, key="k1")
    assert log.one(admin_id, "event.cancelled", eid)["reason"] == "台風"
    _replayed(api, admin, f"/v1/events/{eid}/cancellation", {"reason": "台風"}, key="k1")
    log.none()

    reason = {"reason": "二重の入金"}
    problem(api.post(f"/v1/entries/{entry}/reversal", clerk, reason), 403, "forbidden")
    problem(api.post(f"/v1/entries/{entry}/reversal", admin, {"reason": ""}), 400, "validation_error")
    log.none()
    _done(api, admin, f"/v1/entries/{entry}/reversal", reason, key="v1")
    assert log.one(admin_id, "entry.reversed", entry)["reason"] == "二重の入金"
    _replayed(api, admin, f"/v1/entries/{entry}/reversal", reason, key="v1")
    problem(api.post(f"/v1/entries/{entry}/reversal", admin, reason), 409, "already_reversed")
    log.none()


def test_a_grant_and_its_withdrawal_are_logged(api: Api, admin: str) -> None:
    admin_id, _, clerk = _staff(api, admin)
    pid = _done(api, admin, "/v1/programs", {"name": "子育て", "points_valid_days": 90})["id"]
    organizer = _done(api, admin, "/v1/organizers", {"name": "公園課"})["id"]
    log = Log(api, admin)
    _done(api, admin, f"/v1/programs/{pid}/organizers", {"organizer_id": organizer}, key=None)
    assert log.one(admin_id, "program.organizer_granted", organizer)["reason"] == pid
    path = f"/v1/programs/{pid}/organizers/{organizer}"

    def withdraw(secret: str, path: str) -> Any:
        return api.client.request("DELETE", path, headers={"Authorization": f"Bearer {secret}"})

    problem(withdraw(clerk, path), 403, "forbidden")
    problem(withdraw(admin, f"/v1/programs/{pid}/organizers/prn_nobody"), 404, "not_found")
    log.none()
    assert withdraw(admin, path).status_code == 204
    assert log.one(admin_id, "program.organizer_withdrawn", organizer)["reason"] == pid


def test_an_organizers_own_events_are_not_staff_actions(api: Api, admin: str) -> None:
    pid = _done(api, admin, "/v1/programs", {"name": "子育て", "points_valid_days": 90})["id"]
    organizer = _done(api, admin, "/v1/organizers", {"name": "公園課"})
    _done(api, admin, f"/v1/programs/{pid}/organizers", {"organizer_id": organizer["id"]}, key=None)
    log = Log(api, admin)
    start = datetime.now(UTC) + timedelta(days=2)
    event = {"program_id": pid, "title": "読み聞かせ", "points": 30}
    event |= {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=1)).isoformat()}
    eid = _done(api, organizer["token"], "/v1/events", event)["id"]
    _done(api, organizer["token"], f"/v1/events/{eid}/cancellation", {"reason": "雨"})
    log.none()


def test_money_payouts_and_transit_setup_are_logged(api: Api, admin: str) -> None:
    admin_id, _, clerk = _staff(api, admin)
    log = Log(api, admin)
    problem(api.post("/v1/settlements", clerk, {}), 403, "forbidden")
    problem(api.post("/v1/settlements", admin, {"until": "yesterday"}), 400, "validation_error")
    log.none()
    settled = _done(api, admin, "/v1/settlements", {}, key="s1")
    log.one(admin_id, "settlement.run", settled["id"])
    _replayed(api, admin, "/v1/settlements", {}, key="s1")
    log.none()

    problem(api.post("/v1/recipients", clerk, {"name": "こども食堂"}), 403, "forbidden")
    log.none()
    npo = _done(api, admin, "/v1/recipients", {"name": "こども食堂"}, key="n1")["id"]
    log.one(admin_id, "recipient.created", npo)
    _replayed(api, admin, "/v1/recipients", {"name": "こども食堂"}, key="n1")
    path = f"/v1/payees/recipient/{npo}/bank-account"
    problem(api.post(path, admin, {**BANK, "branch_code": "999"}), 400, "validation_error")
    problem(api.post(path, clerk, BANK), 403, "forbidden")
    log.none()
    _done(api, admin, path, BANK, key="b1")
    line = log.one(admin_id, "bank_account.set", npo)
    assert BANK["account_number"] not in line["reason"]
    _replayed(api, admin, path, BANK, key="b1")
    log.none()

    pid = _done(api, admin, "/v1/programs", {"name": "寄付の上乗せ", "points_valid_days": 90})["id"]
    log.added()
    offer = {"program_id": pid, "recipient_ids": [npo], "per_donation_cap": 100}
    problem(api.post("/v1/matchings", admin, {**offer, "recipient_ids": []}), 400, "validation_error")
    log.none()
    mid = _done(api, admin, "/v1/matchings", offer, key="m1")["id"]
    log.one(admin_id, "matching.created", mid)
    _replayed(api, admin, "/v1/matchings", offer, key="m1")
    log.none()

    operator = _done(api, admin, "/v1/transit/operators", {"name": "みたかバス"})["id"]
    log.added()
    route = {"operator_id": operator, "code": "bus-1", "name": "駅前線", "kind": "bus"}
    problem(api.post("/v1/transit/routes", clerk, route), 403, "forbidden")
    problem(api.post("/v1/transit/routes", admin, {**route, "kind": "tram"}), 400, "validation_error")
    log.none()
    route_id = _done(api, admin, "/v1/transit/routes", route, key="rt1")["id"]
    assert log.one(admin_id, "route.created", route_id)["reason"] == "bus-1"
    _replayed(api, admin, "/v1/transit/routes", route, key="rt1")
    problem(api.post("/v1/transit/routes", admin, route), 409, "route_code_taken")
    log.none()
    problem(api.post("/v1/transit/fare-rules", admin, {**RULE, "round_to": 0}), 400, "validation_error")
    log.none()
    rule_id = _done(api, admin, "/v1/transit/fare-rules", RULE, key="fr1")["id"]
    log.one(admin_id, "fare_rule.created", rule_id)
    _replayed(api, admin, "/v1/transit/fare-rules", RULE, key="fr1")
    log.none()


def test_witnesses_are_logged_once(api: Api, admin: str) -> None:
    admin_id, _, clerk = _staff(api, admin)
    log = Log(api, admin)
    witness = {
        "name": "三鷹市監査委員",
        "public_key": public_key_b64(Ed25519PrivateKey.generate().public_key()),
    }
    problem(api.post("/v1/audit/witnesses", clerk, witness, key=None), 403, "forbidden")
    problem(
        api.post("/v1/audit/witnesses", admin, {**witness, "public_key": "x" * 44}, key=None),
        400,
        "validation_error",
    )
    log.none()
    kid = _done(api, admin, "/v1/audit/witnesses", witness, key=None)["kid"]
    log.one(admin_id, "witness.registered", kid)
    _done(api, admin, "/v1/audit/witnesses", witness, key=None)  # the same key again: nothing new
    log.none()


def test_a_card_checked_in_by_staff_is_logged_and_by_its_organizer_not(api: Api, admin: str) -> None:
    admin_id = str(api.get("/v1/staff/me", admin).json()["id"])
    pid = _done(api, admin, "/v1/programs", {"name": "防災", "points_valid_days": 90})["id"]
    _done(api, admin, f"/v1/programs/{pid}/funding", {"points": 1000})
    organizer = _done(api, admin, "/v1/organizers", {"name": "防災課"})
    _done(api, admin, f"/v1/programs/{pid}/organizers", {"organizer_id": organizer["id"]}, key=None)
    start = datetime.now(UTC) - timedelta(hours=1)
    event = {"program_id": pid, "title": "防災訓練", "points": 20}
    event |= {"starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat()}
    eid = _done(api, organizer["token"], "/v1/events", event)["id"]
    residents = [_done(api, admin, "/v1/residents", {"name": NAME})["id"] for _ in range(2)]
    numbers = [
        _done(api, admin, f"/v1/residents/{r}/cards", {"pin": "4826"})["card_number"] for r in residents
    ]
    log = Log(api, admin)
    path = f"/v1/events/{eid}/checkins"
    problem(api.post(path, admin, {"card": ""}), 400, "validation_error")
    log.none()
    _done(api, admin, path, {"card": numbers[0]}, key="ci1")
    assert log.one(admin_id, "event.card_checked_in", residents[0])["reason"] == eid
    _replayed(api, admin, path, {"card": numbers[0]}, key="ci1")
    problem(api.post(path, admin, {"card": numbers[0]}), 409, "already_claimed")
    _done(api, organizer["token"], path, {"card": numbers[1]})
    log.none()
