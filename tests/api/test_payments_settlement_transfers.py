"""The finance officer's part of a settlement: the list of settlements, newest first with their status, and
the record that the bank transfer was made (once, by an admin, on a day not before the settlement), logged
as a staff action. Every refusal writes nothing."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from mitapo.engine.errors import DomainError
from mitapo.payments import transfers
from tests.api.conftest import Api
from tests.api.payments_support import give_money, problem, resident, rows, shop, today

BANK = {
    "bank_code": "0001",
    "branch_code": "247",
    "account_number": "1234567",
    "account_holder_kana": "ﾐﾀｶﾉｳｴﾝ",
}


def _settled(api: Api, admin: str, amount: int = 500, bank: dict[str, str] | None = BANK) -> str:
    """A shop (with bank details unless `bank` is None) paid `amount` yen, then a settlement; its id."""
    rid, secret = resident(api, admin)
    give_money(api, rid, amount)
    farm = shop(api, admin, **({"bank": bank} if bank else {}))
    paid = api.post("/v1/payments", secret, {"qr_payload": farm["qr_payload"], "amount": amount})
    assert paid.status_code == 201, paid.text
    settled = api.post("/v1/settlements", admin, {})
    assert settled.status_code == 201, settled.text
    return str(settled.json()["id"])


def _written(api: Api) -> tuple[int, ...]:
    return (
        api.journal_size(),
        rows(api, "settlement_transfers"),
        rows(api, "staff_actions"),
    )


def _id(api: Api, secret: str) -> str:
    return str(api.get("/v1/staff/me", secret).json()["id"])


def _mark(api: Api, secret: str, settlement_id: str, body: dict[str, Any], **kw: Any) -> Any:
    return api.post(f"/v1/settlements/{settlement_id}/transfer", secret, body, **kw)


def test_an_admin_marks_a_settlement_transferred_once_and_it_shows_and_is_logged(
    api: Api, admin: str
) -> None:
    settled = _settled(api, admin)
    assert api.get(f"/v1/settlements/{settled}", admin).json()["transferred"] is None
    on = today().isoformat()

    marked = _mark(api, admin, settled, {"transferred_on": on, "reference": "MZ-0042"}, key=None)

    assert marked.status_code == 201, marked.text
    admin_id = api.get("/v1/staff/me", admin).json()["id"]
    transferred = marked.json()["transferred"]
    assert {k: transferred[k] for k in ("on", "reference", "by")} == {
        "on": on,
        "reference": "MZ-0042",
        "by": admin_id,
    }
    assert api.get(f"/v1/settlements/{settled}", admin).json()["transferred"] == transferred
    logged = api.get(
        f"/v1/audit/staff-actions?subject={settled}&action=settlement.transferred", admin
    ).json()["items"]
    assert [(a["actor"], a["action"], a["subject"]) for a in logged] == [
        (admin_id, "settlement.transferred", settled)
    ]
    assert "MZ-0042" in logged[0]["reason"] and on in logged[0]["reason"]

    before = _written(api)
    problem(_mark(api, admin, settled, {"transferred_on": on}), 409, "already_transferred")
    problem(_mark(api, admin, settled, {"transferred_on": on}, key=None), 409, "already_transferred")
    assert _written(api) == before


def test_a_retry_with_the_same_key_answers_the_first_mark_again(api: Api, admin: str) -> None:
    settled = _settled(api, admin)
    body = {"transferred_on": today().isoformat()}
    first = _mark(api, admin, settled, body, key="mark-1")
    again = _mark(api, admin, settled, body, key="mark-1")
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert rows(api, "settlement_transfers") == 1


def test_refusals_write_nothing(api: Api, admin: str) -> None:
    settled = _settled(api, admin)
    unbanked = _settled(api, admin, bank=None)  # a shop without bank details: no Zengin file, no transfer
    yesterday = (today() - timedelta(days=1)).isoformat()
    tomorrow = (today() + timedelta(days=1)).isoformat()
    clerk = api.post("/v1/clerks", admin, {"name": "窓口"}, key=None).json()["token"]
    others = (clerk, api.token("auditor"), api.token("organizer"))
    before = _written(api)

    problem(_mark(api, admin, settled, {"transferred_on": yesterday}), 422, "transfer_before_settlement")
    problem(_mark(api, admin, settled, {"transferred_on": tomorrow}), 400, "validation_error")
    problem(_mark(api, admin, unbanked, {"transferred_on": today().isoformat()}), 409, "nothing_to_transfer")
    problem(_mark(api, admin, "st_nothing", {"transferred_on": today().isoformat()}), 404, "not_found")
    for bad in (
        {},
        {"transferred_on": "2026-13-01"},
        {"transferred_on": today().isoformat(), "reference": ""},
        {"transferred_on": today().isoformat(), "reference": "a\nb"},
        {"transferred_on": today().isoformat(), "extra": 1},
    ):
        problem(_mark(api, admin, settled, bad), 400, "validation_error")
    for secret in others:
        problem(_mark(api, secret, settled, {"transferred_on": today().isoformat()}), 403, "forbidden")
    problem(_mark(api, "", settled, {"transferred_on": today().isoformat()}), 401, "unauthorized")

    assert _written(api) == before
    assert api.get(f"/v1/settlements/{settled}", admin).json()["transferred"] is None


def test_the_list_is_newest_first_with_each_status_and_pages(api: Api, admin: str) -> None:
    first = _settled(api, admin)
    second = _settled(api, admin, bank=None)
    third = _settled(api, admin, amount=800)
    assert _mark(api, admin, first, {"transferred_on": today().isoformat()}).status_code == 201

    listed = api.get("/v1/settlements", admin).json()
    assert [item["id"] for item in listed["items"]] == [third, second, first]
    assert listed["next_before"] is None
    by_id = {item["id"]: item for item in listed["items"]}
    assert (
        by_id[first]["status"] == "transferred" and by_id[first]["transferred"]["on"] == today().isoformat()
    )
    assert by_id[second]["status"] == "nothing_to_transfer" and by_id[second]["transfers"] == 0
    assert by_id[third]["status"] == "to_transfer" and by_id[third]["transferred"] is None
    assert by_id[third]["lines"] == 1 and by_id[third]["transfers"] == 1
    assert by_id[third]["payout_total"] == by_id[third]["transfer_total"] == 800

    page = api.get("/v1/settlements?limit=2", admin).json()
    assert [item["id"] for item in page["items"]] == [third, second] and page["next_before"] == second
    rest = api.get(f"/v1/settlements?limit=2&before={second}", admin).json()
    assert [item["id"] for item in rest["items"]] == [first] and rest["next_before"] is None
    problem(api.get("/v1/settlements?before=st_nothing", admin), 404, "not_found")
    problem(api.get("/v1/settlements?limit=0", admin), 400, "validation_error")

    assert api.get("/v1/settlements", api.token("auditor")).status_code == 200
    clerk = api.post("/v1/clerks", admin, {"name": "窓口"}, key=None).json()["token"]
    problem(api.get("/v1/settlements", clerk), 403, "forbidden")


def test_two_officers_marking_at_once_record_one_transfer(api: Api, admin: str) -> None:
    settled = _settled(api, admin)
    officers = [_id(api, admin), _id(api, api.token("admin", "second officer"))]

    async def both() -> list[Any]:
        marks = (
            transfers.mark_transferred(api.runtime.db, settled, today(), f"ref-{n}", actor=officer)
            for n, officer in enumerate(officers)
        )
        return list(await asyncio.gather(*marks, return_exceptions=True))

    outcomes = api.run(both)
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(refused) == 1 and refused[0].code == "already_transferred", outcomes
    assert rows(api, "settlement_transfers") == 1
    logged = api.get(
        f"/v1/audit/staff-actions?subject={settled}&action=settlement.transferred", admin
    ).json()["items"]
    assert len(logged) == 1
