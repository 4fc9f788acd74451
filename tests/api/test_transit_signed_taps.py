"""A stale pay code cannot be charged on a bus by backdating the tap (issue 18, finding 3): a late tap counts
at its `tapped_at` only when a registered reader of the operator signed it; an unsigned one is judged when it
arrives."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from mitapo.engine import clock
from mitapo.transit import readers
from tests.api.conftest import Api
from tests.api.payments_support import problem, wallet
from tests.api.test_transit_support import Transit


@pytest.fixture
def town(api: Api, admin: str) -> Transit:
    return Transit(api, admin)


def public_key(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def test_a_backdated_unsigned_tap_of_an_expired_code_is_refused(api: Api, town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, secret = town.rider(money=1000)
    seen = clock.now() - timedelta(minutes=3)  # a code someone saw (a screenshot) three minutes ago
    body = {"pay_code": town.code(rider, seen), "route": "bus-1", "tapped_at": seen.isoformat()}
    before = api.journal_size()
    problem(api.post("/v1/transit/taps", key, body), 422, "code_expired")
    assert api.journal_size() == before and wallet(api, secret)["money"] == 1000


def test_a_signed_late_tap_from_a_registered_reader_is_charged_once(api: Api, town: Transit) -> None:
    operator_id, key = town.operator()
    town.route(operator_id, "bus-1")
    rider, secret = town.rider(money=1000)
    read_at = clock.now() - timedelta(hours=3)  # read on a bus out of coverage, uploaded at the depot
    body = town.signed(
        key, {"pay_code": town.code(rider, read_at), "route": "bus-1", "tapped_at": read_at.isoformat()}
    )
    first = api.post("/v1/transit/taps", key, body)
    assert first.status_code == 201, first.text
    assert first.json()["charged"] == 210
    again = api.post("/v1/transit/taps", key, body)  # the reader uploads it again with a new key
    assert again.status_code in (201, 409)
    assert wallet(api, secret)["money"] == 790


def test_a_signature_holds_only_for_its_own_tap_reader_and_operator(api: Api, town: Transit) -> None:
    operator_id, key = town.operator()
    other_id, other_key = town.operator("深大寺バス")
    town.route(operator_id, "bus-1")
    town.route(operator_id, "bus-2")
    town.route(other_id, "bus-1")
    rider, secret = town.rider(money=1000)
    read_at = clock.now() - timedelta(hours=1)
    code = town.code(rider, read_at)
    good = town.signed(key, {"pay_code": code, "route": "bus-1", "tapped_at": read_at.isoformat()})
    before = api.journal_size()
    forged = [
        {**good, "route": "bus-2"},  # another route than the reader signed
        {**good, "tapped_at": (read_at + timedelta(seconds=30)).isoformat()},  # another moment
        {**good, "signature": base64.b64encode(Ed25519PrivateKey.generate().sign(b"x")).decode()},
        {**good, "reader_id": "rdr_nothing"},
    ]
    for body in forged:
        problem(api.post("/v1/transit/taps", key, body), 422, "code_invalid")
    problem(api.post("/v1/transit/taps", other_key, good), 422, "code_invalid")  # another operator's reader
    problem(api.post("/v1/transit/taps", key, {**good, "signature": "not base64!"}), 400, "validation_error")
    unsigned_half = {k: v for k, v in good.items() if k != "signature"}
    problem(api.post("/v1/transit/taps", key, unsigned_half), 400, "validation_error")
    assert api.journal_size() == before and wallet(api, secret)["money"] == 1000
    assert api.post("/v1/transit/taps", key, good).status_code == 201


def test_readers_are_registered_by_the_city_or_their_operator(api: Api, town: Transit) -> None:
    operator_id, key = town.operator()
    other_id, other_key = town.operator("深大寺バス")
    reader = Ed25519PrivateKey.generate()
    body = {"public_key": public_key(reader), "name": "bus 12"}
    made = api.post("/v1/transit/readers", key, body, key=None)
    assert made.status_code == 201, made.text
    assert made.json()["operator_id"] == operator_id and made.json()["id"].startswith("rdr_")
    problem(api.post("/v1/transit/readers", key, body, key=None), 400, "validation_error")  # key taken
    second = {"public_key": public_key(Ed25519PrivateKey.generate())}
    problem(
        api.post("/v1/transit/readers", key, {**second, "operator_id": other_id}, key=None), 404, "not_found"
    )
    problem(api.post("/v1/transit/readers", town.admin, second, key=None), 400, "validation_error")
    by_city = api.post("/v1/transit/readers", town.admin, {**second, "operator_id": other_id}, key=None)
    assert by_city.status_code == 201 and by_city.json()["operator_id"] == other_id
    for bad in ("", "AAAA", base64.b64encode(b"x" * 33).decode()):
        refused = api.post("/v1/transit/readers", key, {"public_key": bad}, key=None)
        problem(refused, 400, "validation_error")
    resident = api.post("/v1/residents", town.admin, {"name": "三鷹 花子"}, key=None).json()["token"]
    problem(api.post("/v1/transit/readers", resident, second, key=None), 403, "forbidden")
    assert other_key


def test_the_record_a_reader_signs() -> None:
    moment = clock.now().replace(microsecond=123456)
    record = readers.record("rdr_1", "bus-1", moment, "MTP1C.abc")
    millis = int(moment.timestamp() * 1000)
    assert record == f"mitapo-tap-v1\nrdr_1\nbus-1\n{millis}\nMTP1C.abc".encode()
