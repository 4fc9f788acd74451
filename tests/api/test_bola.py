"""Who may touch what (BOLA, broken object-level authorization): the routes and their roles as the app
declares them, read from `app.routes`, match docs/api.md; every secret of a role a route does not name gets
403 and writes nothing; and every route that names an object owned by one principal answers 404 to another
principal of the same role, for reads and for writes, writing nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar

from mitapo.http.auth import ANY_ROLE
from tests.api.conftest import Api
from tests.api.passkey_support import SoftAuthenticator, enroll
from tests.api.payments_support import give_money, problem, resident, shop
from tests.api.test_points_town import Town
from tests.api.test_transit_support import Transit

ANY = "any"
CONTRACT = {  # docs/api.md's endpoint table: "any" is a route anyone may call, with or without a secret
    "POST /v1/residents": {"admin", "clerk"},
    "GET /v1/residents": {"admin", "clerk"},
    "GET /v1/me": {"resident"},
    "GET /v1/me/entries": {"resident"},
    "POST /v1/programs": {"admin"},
    "POST /v1/programs/{}/funding": {"admin"},
    "GET /v1/programs/{}": {"admin", "auditor"},
    "POST /v1/organizers": {"admin"},
    "POST /v1/transit/readers": {"admin", "operator"},
    "POST /v1/programs/{}/organizers": {"admin"},
    "DELETE /v1/programs/{}/organizers/{}": {"admin"},
    "POST /v1/events": {"admin", "organizer"},
    "GET /v1/events/{}/checkin-code": {"admin", "organizer"},
    "POST /v1/checkins": {"resident"},
    "POST /v1/topups": {"admin", "clerk"},
    "POST /v1/recipients": {"admin"},
    "GET /v1/recipients/{}": {ANY},
    "POST /v1/donations": {"resident"},
    "POST /v1/gifts": {"resident"},
    "POST /v1/merchants": {"admin"},
    "POST /v1/payment-requests": {"merchant"},
    "GET /v1/payment-requests/{}": {"merchant"},
    "GET /v1/me/pay-code": {"resident"},
    "POST /v1/payments": {"resident"},
    "POST /v1/charges": {"merchant"},
    "POST /v1/payments/{}/refunds": {"merchant"},
    "GET /v1/merchant/payments": {"merchant"},
    "POST /v1/settlements": {"admin"},
    "GET /v1/settlements": {"admin", "auditor"},
    "POST /v1/settlements/{}/transfer": {"admin"},
    "POST /v1/audit/keys/rotation": {"admin"},
    "POST /v1/transit/operators": {"admin"},
    "POST /v1/transit/routes": {"admin"},
    "POST /v1/transit/taps": {"operator"},
    "GET /v1/audit/trial-balance": {"admin", "auditor"},
    "GET /v1/audit/verify": {"admin", "auditor"},
    "GET /v1/audit/entries": {"admin", "auditor"},
    "GET /v1/audit/export": {"admin", "auditor"},
    "GET /v1/audit/public-keys": {ANY},
    "POST /v1/entries/{}/reversal": {"admin"},
    # issue 22: checkpoints and witnesses (a cosignature is authenticated by the witness's registered key)
    "GET /v1/audit/checkpoints": {"admin", "auditor"},
    "POST /v1/audit/witnesses": {"admin"},
    "GET /v1/audit/witnesses": {ANY},
    "POST /v1/audit/cosignatures": {ANY},
    # v2 (issue 17): revocable credentials, counter clerks, the staff action log
    "POST /v1/principals/{}/revocation": {"admin"},
    "POST /v1/credentials/rotation": {"admin", "auditor", "organizer", "merchant", "operator", "clerk"},
    "POST /v1/clerks": {"admin"},
    "GET /v1/audit/staff-actions": {"admin", "auditor"},
}
CITY = {"admin", "auditor", "clerk"}  # city staff: their routes name no one's own object
PUBLIC_EXTRA = {  # beyond the contract, open to anyone: the recipients to donate to, and (issue 20) the
    "GET /v1/recipients",  # notice board of what to join and where to pay, and the key to subscribe to
    "GET /v1/events/upcoming",  # expiry reminders with
    "GET /v1/shops",
    "GET /v1/events/{}/calendar.ics",
    "GET /v1/push/public-key",
}
# the passkey ceremonies, before anyone is signed in: an enrollment code or a passkey's signature is the proof
PUBLIC_EXTRA |= {
    "POST /v1/enrollments/passkey-options",
    "POST /v1/enrollments/passkey",
    "POST /v1/sessions/passkey-options",
    "POST /v1/sessions/passkey",
}


def declared(app: Litestar) -> dict[str, set[str]]:
    """`METHOD /path/{}/…` → the roles its handler declares ({"any"} when it asks for no secret)."""
    found = {}
    for route in app.routes:
        path = re.sub(r"\{[^}]+\}", "{}", route.path)
        if not path.startswith("/v1/"):
            continue
        for handler in getattr(route, "route_handlers", ()):
            for method in handler.http_methods - {"HEAD", "OPTIONS"}:
                found[f"{method} {path}"] = set(handler.opt.get("roles", (ANY,)))
    return found


def test_the_routes_roles_are_the_contracts(api: Api) -> None:
    routes = declared(api.client.app)
    assert {route: routes.get(route) for route in CONTRACT} == CONTRACT
    public = {route for route, allowed in routes.items() if allowed == {ANY}}
    assert public == {r for r, allowed in CONTRACT.items() if allowed == {ANY}} | PUBLIC_EXTRA
    assert all(allowed <= set(ANY_ROLE) for allowed in routes.values() if allowed != {ANY})


def test_every_other_roles_secret_is_refused_and_writes_nothing(api: Api) -> None:
    secrets = {role: api.token(role) for role in ANY_ROLE}
    before = api.journal_size()
    for route, allowed in sorted(declared(api.client.app).items()):
        method, path = route.split(" ", 1)
        url = path.replace("{}", "x")
        for role in sorted(set(ANY_ROLE) - allowed - {ANY} if allowed != {ANY} else ()):
            answer = api.client.request(
                method,
                url,
                json={},
                headers={"Authorization": f"Bearer {secrets[role]}", "Idempotency-Key": "k"},
            )
            assert answer.status_code == 403, f"{route} as {role}: {answer.status_code} {answer.text}"
        if allowed != {ANY}:
            problem(api.client.request(method, url, json={}), 401, "unauthorized")
    assert api.journal_size() == before


@dataclass
class Owned:
    """Two principals of one role, `mine` owning the objects below and `theirs` owning none of them."""

    mine: str
    theirs: str


@dataclass
class Objects:
    organizers: Owned
    merchants: Owned
    residents: Owned
    operators: Owned
    event: str
    merchant_id: str
    payment_request: str
    payment: str
    booking: str
    device: str
    reader: str


@pytest.fixture
def objects(api: Api, admin: str) -> Objects:
    town = Town(api, admin)
    program = town.program()
    (_, organizer), (_, other_organizer) = town.organizer("緑と公園課"), town.organizer("市民協働課")
    event = town.event(organizer, program)
    merchant, other_merchant = shop(api, admin, "三鷹農園"), shop(api, admin, "駅前書店")
    resident_id, secret = resident(api, admin, "三鷹 花子")
    _, other_secret = resident(api, admin, "三鷹 太郎")
    give_money(api, resident_id, 10_000)
    request = api.post("/v1/payment-requests", merchant["api_key"], {"amount": 500}).json()
    paid = api.post("/v1/payments", secret, {"qr_payload": merchant["qr_payload"], "amount": 800})
    assert paid.status_code == 201, paid.text
    transit = Transit(api, admin)
    (operator_id, operator), (_, other_operator) = (
        transit.operator("AIデマンド"),
        transit.operator("みたかバス"),
    )
    area = transit.route(operator_id, "area-east", kind="on_demand", adult_fare=300)
    booking = api.post("/v1/transit/bookings", secret, {"route_id": area})
    assert booking.status_code == 201, booking.text
    reader, _ = transit.reader(operator)
    code = api.post(f"/v1/residents/{resident_id}/enrollments", admin, None, key=None).json()["code"]
    enrolled = enroll(api, code, SoftAuthenticator())
    assert enrolled.status_code == 201, enrolled.text
    return Objects(
        organizers=Owned(organizer, other_organizer),
        merchants=Owned(merchant["api_key"], other_merchant["api_key"]),
        residents=Owned(secret, other_secret),
        operators=Owned(operator, other_operator),
        event=event,
        merchant_id=merchant["id"],
        payment_request=request["id"],
        payment=paid.json()["id"],
        booking=booking.json()["id"],
        device=enrolled.json()["device_id"],
        reader=reader,
    )


OWNED = [  # every route naming an object one principal owns: method, path, the owners' role, body
    ("GET", "/v1/events/{event}", "organizers", None),
    ("GET", "/v1/events/{event}/checkin-code", "organizers", None),
    ("GET", "/v1/events/{event}/attendance", "organizers", None),
    ("GET", "/v1/merchants/{merchant_id}/qr", "merchants", None),
    ("GET", "/v1/payment-requests/{payment_request}", "merchants", None),
    ("GET", "/v1/payment-requests/{payment_request}/qr", "merchants", None),
    ("POST", "/v1/payments/{payment}/refunds", "merchants", {"amount": 100}),
    ("GET", "/v1/transit/bookings/{booking}", "residents", None),
    ("GET", "/v1/transit/bookings/{booking}", "operators", None),
    ("POST", "/v1/transit/bookings/{booking}/cancellation", "residents", {}),
    ("POST", "/v1/transit/bookings/{booking}/cancellation", "operators", {}),
    ("POST", "/v1/transit/bookings/{booking}/completion", "operators", {}),
    ("PATCH", "/v1/events/{event}", "organizers", {"title": "乗っ取り"}),
    ("POST", "/v1/events/{event}/cancellation", "organizers", {"reason": "乗っ取り"}),
    ("POST", "/v1/events/{event}/checkins", "organizers", {"card": "9392 0000 0000 0000"}),
    ("DELETE", "/v1/me/devices/{device}", "residents", None),
    ("POST", "/v1/transit/readers/{reader}/revocation", "operators", {"reason": "乗っ取り"}),
]


def owned_routes(o: Objects) -> Iterator[tuple[str, str, Owned, dict[str, Any] | None]]:
    ids = {
        name: getattr(o, name)
        for name in ("event", "merchant_id", "payment_request", "payment", "booking", "device", "reader")
    }
    for method, path, owners, body in OWNED:
        yield method, path.format(**ids), getattr(o, owners), body


def test_every_route_naming_an_object_is_owned_or_the_citys(api: Api) -> None:
    routes = declared(api.client.app)
    naming = {route for route in routes if "{}" in route}
    city_wide = {route for route in naming if routes[route] <= CITY | {ANY}}
    owned = {f"{method} {re.sub(r'{[^}]+}', '{}', path)}" for method, path, *_ in OWNED}
    assert naming - city_wide == owned


def test_another_principal_of_the_same_role_gets_404_and_writes_nothing(api: Api, objects: Objects) -> None:
    before = api.journal_size()
    for method, path, owners, body in owned_routes(objects):
        headers = {"Authorization": f"Bearer {owners.theirs}", "Idempotency-Key": "bola"}
        answer = api.client.request(method, path, json=body, headers=headers)
        assert answer.status_code == 404, f"{method} {path}: {answer.status_code} {answer.text}"
        assert answer.json()["code"] == "not_found"
    assert api.journal_size() == before
    for method, path, owners, _ in owned_routes(objects):
        if method == "GET":  # and the owner does see it: the 404 above is about the owner, not the id
            answer = api.client.get(path, headers={"Authorization": f"Bearer {owners.mine}"})
            assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text}"


def test_lists_and_statements_hold_only_the_callers_own(api: Api, objects: Objects) -> None:
    theirs = {"Authorization": f"Bearer {objects.merchants.theirs}"}
    assert api.client.get("/v1/merchant/payments", headers=theirs).json()["items"] == []
    mine = {"Authorization": f"Bearer {objects.merchants.mine}"}
    assert [p["id"] for p in api.client.get("/v1/merchant/payments", headers=mine).json()["items"]] == [
        objects.payment
    ]
    other_resident = {"Authorization": f"Bearer {objects.residents.theirs}"}
    assert api.client.get("/v1/me/entries", headers=other_resident).json()["items"] == []
    assert api.client.get("/v1/me", headers=other_resident).json()["balances"] == {"points": 0, "money": 0}
    other_organizer = {"Authorization": f"Bearer {objects.organizers.theirs}"}
    assert api.client.get("/v1/events", headers=other_organizer).json()["items"] == []
    other_operator = {"Authorization": f"Bearer {objects.operators.theirs}"}
    assert api.client.get("/v1/transit/readers", headers=other_operator).json()["items"] == []
    operator = {"Authorization": f"Bearer {objects.operators.mine}"}
    assert [r["id"] for r in api.client.get("/v1/transit/readers", headers=operator).json()["items"]] == [
        objects.reader
    ]
