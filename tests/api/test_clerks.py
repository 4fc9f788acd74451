"""City counter staff (`clerk`): an admin makes them; they enrol residents and top up at the counter, and are
refused (403, writing nothing) everything that moves the city's money or keys: funding, reversals,
settlements, shops, operators, programs, other principals, audits."""

from __future__ import annotations

from tests.api.conftest import Api
from tests.api.payments_support import problem, wallet

FORBIDDEN_TO_A_CLERK = [
    ("POST", "/v1/programs", {"name": "p", "points_valid_days": 30}),
    ("POST", "/v1/programs/x/funding", {"points": 100}),
    ("POST", "/v1/entries/x/reversal", {"reason": "r"}),
    ("POST", "/v1/settlements", {}),
    ("POST", "/v1/merchants", {"name": "店"}),
    ("POST", "/v1/transit/operators", {"name": "バス"}),
    ("POST", "/v1/organizers", {"name": "団体"}),
    ("POST", "/v1/clerks", {"name": "窓口"}),
    ("POST", "/v1/principals/x/revocation", {"reason": "r"}),
    ("POST", "/v1/residents/x/closure", {"channel": "bank_transfer"}),
    ("GET", "/v1/audit/trial-balance", None),
    ("GET", "/v1/audit/export", None),
    ("GET", "/v1/audit/staff-actions", None),
    ("POST", "/v1/payments", {"qr_payload": "x"}),
]


def clerk(api: Api, admin: str) -> dict[str, str]:
    created = api.post("/v1/clerks", admin, {"name": "市民課 窓口 一郎"}, key=None)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_an_admin_makes_a_clerk_who_enrols_tops_up_and_issues_a_card_at_the_counter(
    api: Api, admin: str
) -> None:
    made = clerk(api, admin)
    assert made["id"].startswith("clk_") and made["token"].startswith("mtp_clk_")
    secret = made["token"]
    enrolled = api.post("/v1/residents", secret, {"name": "三鷹 ハル"}, key=None)
    assert enrolled.status_code == 201, enrolled.text
    resident_id = enrolled.json()["id"]
    body = {"resident_id": resident_id, "amount": 3_000, "channel": "counter", "external_ref": "窓口-0001"}
    topped = api.post("/v1/topups", secret, body)
    assert topped.status_code == 201, topped.text
    assert wallet(api, enrolled.json()["token"])["money"] == 3_000
    card = api.post(f"/v1/residents/{resident_id}/cards", secret, {"pin": "2580"})
    assert card.status_code == 201, card.text  # the counter issues a みたポ card too


def test_a_clerk_is_refused_what_is_the_admins_and_writes_nothing(api: Api, admin: str) -> None:
    secret = clerk(api, admin)["token"]
    before = api.journal_size()
    for method, path, body in FORBIDDEN_TO_A_CLERK:
        headers = {"Authorization": f"Bearer {secret}", "Idempotency-Key": "clerk"}
        answer = api.client.request(method, path, json=body, headers=headers)
        problem(answer, 403, "forbidden")
    assert api.journal_size() == before


def test_a_clerk_may_rotate_its_own_secret_and_be_revoked(api: Api, admin: str) -> None:
    made = clerk(api, admin)
    rotated = api.post("/v1/credentials/rotation", made["token"], None, key=None)
    assert rotated.status_code == 201, rotated.text
    revoked = api.post(f"/v1/principals/{made['id']}/revocation", admin, {"reason": "退職"}, key=None)
    assert revoked.json() == {"revoked": 2}
    for secret in (made["token"], rotated.json()["token"]):
        problem(api.post("/v1/residents", secret, {"name": "三鷹 ナツ"}, key=None), 401, "credential_revoked")
