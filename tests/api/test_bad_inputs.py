"""A table of hostile and broken requests against one small town, each refused with its problem+json code
and each proved to write nothing: forged, expired, replayed and other-purpose codes; negative, zero,
fractional, huge and non-numeric amounts; unknown and mismatched ids; oversized bodies and wrong content
types; unicode oddities in names (and, for the names taken, EMVCo fields within their lengths); clock skew on
offline taps."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from mitapo.engine import clock, codes
from mitapo.payments import paycodes
from tests.api.conftest import Api
from tests.api.payments_support import give_money, give_points, in_days, resident, shop
from tests.api.test_points_town import Town
from tests.api.test_transit_support import Transit

HOUR = timedelta(hours=1)


@dataclass
class Place:
    """The town the table runs against."""

    api: Api
    admin: str
    resident_id: str
    resident: str
    other_id: str
    merchant: dict[str, Any]
    organizer: str
    event: str
    checkin_code: str
    claimed_code: str
    program: str
    recipient: str
    payment: str
    paid_request_code: str
    charged_pay_code: str
    operator: str
    bus_route: str
    open_request_code: str = ""

    def post(self, path: str, secret: str, body: Any) -> Any:
        return self.api.post(path, secret, body)

    def pay_code(self, at: Any = None) -> str:
        runtime = self.api.runtime
        issued = paycodes.issue(
            runtime.keys, self.resident_id, at or clock.now(), runtime.settings.pay_code_seconds
        )
        return str(issued["payload"])

    def charge(self, pay_code: str, amount: Any = 100) -> Any:
        return self.post("/v1/charges", self.merchant["api_key"], {"pay_code": pay_code, "amount": amount})

    def tap(self, pay_code: str, tapped_at: str | None) -> Any:
        body = {"pay_code": pay_code, "route": "bus-1"}
        if tapped_at is not None:
            body["tapped_at"] = tapped_at
        return self.post("/v1/transit/taps", self.operator, body)


@pytest.fixture
def place(api: Api, admin: str) -> Place:
    town = Town(api, admin)
    resident_id, secret = resident(api, admin, "三鷹 花子")
    other_id, _ = resident(api, admin, "三鷹 太郎")
    give_money(api, resident_id, 50_000)
    give_points(api, resident_id, 500, in_days(30))
    _, organizer = town.organizer()
    program = town.program()
    event = town.event(organizer, program)
    claimed_event = town.event(organizer, program, title="花植え")
    claimed_code = town.code(organizer, claimed_event)
    assert town.claim(secret, claimed_code).status_code == 201
    merchant = shop(api, admin)
    paid = api.post("/v1/payments", secret, {"qr_payload": merchant["qr_payload"], "amount": 1_000})
    request = api.post("/v1/payment-requests", merchant["api_key"], {"amount": 300}).json()
    assert api.post("/v1/payments", secret, {"qr_payload": request["qr_payload"]}).status_code == 201
    recipient = api.post("/v1/recipients", admin, {"name": "三鷹こども食堂"}, key=None).json()["id"]
    transit = Transit(api, admin)
    operator_id, operator = transit.operator()
    bus_route = transit.route(operator_id, "bus-1")
    place = Place(
        api, admin, resident_id, secret, other_id, merchant, organizer, event, town.code(organizer, event),
        claimed_code, program, recipient, paid.json()["id"], request["qr_payload"], "", operator, bus_route,
    )  # fmt: skip
    place.open_request_code = api.post("/v1/payment-requests", merchant["api_key"], {"amount": 700}).json()[
        "qr_payload"
    ]
    place.charged_pay_code = place.pay_code()
    assert place.charge(place.charged_pay_code).status_code == 201
    return place


Case = tuple[str, Callable[[Place], Any], int, str]


def tampered(payload: str) -> str:
    """One character in the middle changed: the signature no longer matches."""
    middle = len(payload) // 2
    return payload[:middle] + ("A" if payload[middle] != "A" else "B") + payload[middle + 1 :]


def checkin(payload: str) -> Callable[[Place], Any]:
    return lambda p: p.post("/v1/checkins", p.resident, {"payload": payload})


def expired_checkin(p: Place) -> Any:
    runtime = p.api.runtime
    old = codes.issue_checkin(
        runtime.keys, p.event, clock.now() - HOUR, runtime.settings.checkin_step_seconds
    )
    return checkin(old.payload)(p)


CODES: list[Case] = [
    ("forged check-in code", lambda p: checkin(tampered(p.checkin_code))(p), 422, "code_invalid"),
    ("expired check-in code", expired_checkin, 422, "code_expired"),
    ("replayed check-in code", lambda p: checkin(p.claimed_code)(p), 409, "already_claimed"),
    ("a pay code as a check-in code", lambda p: checkin(p.pay_code())(p), 422, "code_invalid"),
    ("a shop's code as a check-in code", lambda p: checkin(p.merchant["qr_payload"])(p), 422, "code_invalid"),
    ("a check-in code as a pay code", lambda p: p.charge(p.checkin_code), 422, "code_invalid"),
    ("forged pay code", lambda p: p.charge(tampered(p.pay_code())), 422, "code_invalid"),
    ("expired pay code", lambda p: p.charge(p.pay_code(clock.now() - HOUR)), 422, "code_expired"),
    ("replayed pay code", lambda p: p.charge(p.charged_pay_code), 409, "code_used"),
    (
        "replayed payment request",
        lambda p: p.post("/v1/payments", p.resident, {"qr_payload": p.paid_request_code}),
        409,
        "code_used",
    ),
    (
        "a shop's code with a broken checksum",
        lambda p: p.post(
            "/v1/payments", p.resident, {"qr_payload": tampered(p.merchant["qr_payload"]), "amount": 5}
        ),
        422,
        "code_invalid",
    ),
]

NOT_AMOUNTS = [-1, 0, 1.5, 1000.0, 10**30, 2**63, "100", "abc", True, None, [100], {"yen": 100}]
AMOUNT_FIELDS: list[tuple[str, Callable[[Place, Any], Any]]] = [
    (
        "payment",
        lambda p, v: p.post(
            "/v1/payments", p.resident, {"qr_payload": p.merchant["qr_payload"], "amount": v}
        ),
    ),
    ("charge", lambda p, v: p.charge(p.pay_code(), v)),
    (
        "refund",
        lambda p, v: p.post(f"/v1/payments/{p.payment}/refunds", p.merchant["api_key"], {"amount": v}),
    ),
    ("payment request", lambda p, v: p.post("/v1/payment-requests", p.merchant["api_key"], {"amount": v})),
    (
        "top-up",
        lambda p, v: p.post(
            "/v1/topups",
            p.admin,
            {"resident_id": p.resident_id, "amount": v, "channel": "bank", "external_ref": "x"},
        ),
    ),
    ("gift", lambda p, v: p.post("/v1/gifts", p.resident, {"to_resident_id": p.other_id, "points": v})),
    (
        "donation",
        lambda p, v: p.post("/v1/donations", p.resident, {"recipient_id": p.recipient, "points": v}),
    ),
    ("funding", lambda p, v: p.post(f"/v1/programs/{p.program}/funding", p.admin, {"points": v})),
]

IDS: list[Case] = [
    (
        "gift to no such resident",
        lambda p: p.post("/v1/gifts", p.resident, {"to_resident_id": "res_nobody", "points": 5}),
        404,
        "not_found",
    ),
    (
        "gift to oneself",
        lambda p: p.post("/v1/gifts", p.resident, {"to_resident_id": p.resident_id, "points": 5}),
        400,
        "validation_error",
    ),
    (
        "donation to no such recipient",
        lambda p: p.post("/v1/donations", p.resident, {"recipient_id": "rcp_nobody", "points": 5}),
        404,
        "not_found",
    ),
    (
        "top-up for no such resident",
        lambda p: p.post(
            "/v1/topups",
            p.admin,
            {"resident_id": "res_nobody", "amount": 5, "channel": "bank", "external_ref": "y"},
        ),
        404,
        "not_found",
    ),
    (
        "refund of no such payment",
        lambda p: p.post("/v1/payments/pay_nothing/refunds", p.merchant["api_key"], {"amount": 5}),
        404,
        "not_found",
    ),
    (
        "refund over the payment",
        lambda p: p.post(f"/v1/payments/{p.payment}/refunds", p.merchant["api_key"], {"amount": 1_001}),
        422,
        "refund_exceeds_payment",
    ),
    (
        "funding no such program",
        lambda p: p.post("/v1/programs/prg_none/funding", p.admin, {"points": 5}),
        404,
        "not_found",
    ),
    (
        "reversal of no such entry",
        lambda p: p.post(
            "/v1/entries/00000000-0000-0000-0000-000000000000/reversal", p.admin, {"reason": "x"}
        ),
        404,
        "not_found",
    ),
    (
        "reversal of a non-id",
        lambda p: p.post("/v1/entries/not-a-uuid/reversal", p.admin, {"reason": "x"}),
        404,
        "not_found",
    ),
    (
        "booking a bus line",
        lambda p: p.post("/v1/transit/bookings", p.resident, {"route_id": p.bus_route}),
        422,
        "route_not_bookable",
    ),
    (
        "tap on no such route",
        lambda p: p.post("/v1/transit/taps", p.operator, {"pay_code": p.pay_code(), "route": "nope"}),
        404,
        "not_found",
    ),
    (
        "a payment request paid with another amount",
        lambda p: p.post(
            "/v1/payments",
            p.resident,
            {"qr_payload": p.open_request_code, "amount": 1},
        ),
        400,
        "validation_error",
    ),
    (
        "a static code without an amount",
        lambda p: p.post("/v1/payments", p.resident, {"qr_payload": p.merchant["qr_payload"]}),
        400,
        "validation_error",
    ),
    ("an id holding NUL", lambda p: p.api.get("/v1/events/ev%00x", p.admin), 400, "validation_error"),
    (
        "an unknown field",
        lambda p: p.post("/v1/gifts", p.resident, {"to_resident_id": p.other_id, "points": 5, "from": "x"}),
        400,
        "validation_error",
    ),
]


def raw(p: Place, content: bytes, content_type: str | None) -> Any:
    headers = {"Authorization": f"Bearer {p.resident}", "Idempotency-Key": "raw"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return p.api.client.post("/v1/gifts", content=content, headers=headers)


GIFT = json.dumps({"to_resident_id": "{other}", "points": 5})
BODIES: list[Case] = [
    (
        "a body of 70 KB",
        lambda p: raw(p, b'{"points": 5, "pad": "' + b"x" * 70_000 + b'"}', "application/json"),
        413,
        "payload_too_large",
    ),
    (
        "JSON sent as text/plain",
        lambda p: raw(p, GIFT.replace("{other}", p.other_id).encode(), "text/plain"),
        415,
        "unsupported_media_type",
    ),
    (
        "a form",
        lambda p: raw(
            p, f"to_resident_id={p.other_id}&points=5".encode(), "application/x-www-form-urlencoded"
        ),
        415,
        "unsupported_media_type",
    ),
    (
        "JSON with no content type",
        lambda p: raw(p, GIFT.replace("{other}", p.other_id).encode(), None),
        415,
        "unsupported_media_type",
    ),
    ("broken JSON", lambda p: raw(p, b'{"points": 5,', "application/json"), 400, "validation_error"),
    ("JSON that is not an object", lambda p: raw(p, b"[5]", "application/json"), 400, "validation_error"),
    ("no body at all", lambda p: raw(p, b"", "application/json"), 400, "validation_error"),
]

REFUSED_NAMES = {
    "NUL inside": "三鷹\x00農園",
    "a line break": "三鷹\n農園",
    "a line break at the end": "三鷹農園\n",  # Python's `$` matched before it (schemathesis found it)
    "a C1 control character": "三鷹\x9d農園",
    "a right-to-left override": "\u202e園農鷹三",
    "a bidi isolate": "三鷹\u2066農園\u2069",
    "blank": "   ",
    "empty": "",
    "201 characters": "店" * 201,
}
TAKEN_NAMES = {
    "an emoji sequence": "👩\u200d🌾 三鷹ファーム",
    "combining marks": "ｶﾞ\u0301\u0301 Cafe\u0301",
    "half-width kana": "ﾐﾀｶﾉｳｴﾝ",
    "200 characters": "農" * 200,
    "mixed scripts and fullwidth letters": "Ｍｉｔａｋａ 農園 Ф",
}


def skewed_tap(offset: timedelta, issued_offset: timedelta = timedelta(0)) -> Callable[[Place], Any]:
    def send(p: Place) -> Any:
        moment = clock.now() + offset
        return p.tap(p.pay_code(clock.now() + issued_offset), moment.isoformat())

    return send


SKEWS: list[Case] = [
    ("a tap ten minutes in the future", skewed_tap(timedelta(minutes=10)), 422, "tap_in_future"),
    ("a tap 25 hours old", skewed_tap(-timedelta(hours=25), -timedelta(hours=25)), 422, "tap_too_old"),
    ("a tap before its code was issued", skewed_tap(-HOUR), 422, "code_invalid"),
    ("a tap after its code expired", skewed_tap(-HOUR, -2 * HOUR), 422, "code_expired"),
    (
        "a tap with no offset on its time",
        lambda p: p.tap(p.pay_code(), clock.now().replace(tzinfo=None).isoformat()),
        400,
        "validation_error",
    ),
]


def refused_writing_nothing(place: Place, cases: list[Case]) -> None:
    for name, send, status, code in cases:
        before = place.api.journal_size()
        answer = send(place)
        assert (answer.status_code, answer.headers.get("content-type", "")[:24]) == (
            status,
            "application/problem+json",
        ), f"{name}: {answer.status_code} {answer.text}"
        assert answer.json()["code"] == code, f"{name}: {answer.text}"
        assert place.api.journal_size() == before, f"{name} wrote something"


def test_codes_forged_expired_replayed_or_for_another_purpose(place: Place) -> None:
    refused_writing_nothing(place, CODES)


@pytest.mark.parametrize("field", [name for name, _ in AMOUNT_FIELDS])
def test_amounts_that_are_not_positive_integers_in_range(place: Place, field: str) -> None:
    send = dict(AMOUNT_FIELDS)[field]
    cases: list[Case] = [
        (f"{field} {v!r}", lambda p, v=v: send(p, v), 400, "validation_error") for v in NOT_AMOUNTS
    ]
    refused_writing_nothing(place, cases)


def test_unknown_and_mismatched_ids(place: Place) -> None:
    refused_writing_nothing(place, IDS)


def test_oversized_bodies_and_wrong_content_types(place: Place) -> None:
    refused_writing_nothing(place, BODIES)


def test_names_with_unicode_oddities_are_refused(place: Place) -> None:
    cases: list[Case] = []
    for what, name in REFUSED_NAMES.items():
        for path, body in (("/v1/merchants", {"name": name}), ("/v1/residents", {"name": name})):
            cases.append(
                (
                    f"{path}: {what}",
                    lambda p, path=path, body=body: p.post(path, p.admin, body),
                    400,
                    "validation_error",
                )
            )
        cases.append(
            (
                f"city: {what}",
                lambda p, name=name: p.post("/v1/merchants", p.admin, {"name": "店", "city": name}),
                400,
                "validation_error",
            )
        )
    refused_writing_nothing(place, cases)


def test_names_taken_keep_every_emvco_field_within_its_length(place: Place) -> None:
    cemacqr = pytest.importorskip("cemacqr")
    for what, name in TAKEN_NAMES.items():
        made = place.post("/v1/merchants", place.admin, {"name": name, "city": name[:100]})
        assert made.status_code == 201, f"{what}: {made.text}"
        for payload in (
            made.json()["qr_payload"],
            place.post("/v1/payment-requests", made.json()["api_key"], {"amount": 5}).json()["qr_payload"],
        ):
            parsed = cemacqr.parse_payload(payload)
            report = cemacqr.validate(parsed, cemacqr.EMVCO)
            assert report.ok and parsed.crc_ok, f"{what}: {report}"
            assert len(payload) <= 512
            assert 0 < len(parsed.merchant_name) <= 25 and 0 < len(parsed.merchant_city) <= 15
            local = parsed.template("64")
            assert len(local.get("01", "")) <= 25 and len(local.get("02", "")) <= 15, f"{what}: {local}"
        preview = place.post(
            "/v1/payment-previews", place.resident, {"qr_payload": made.json()["qr_payload"]}
        )
        assert preview.json()["name"] == name  # the registered name, whole, is what the app shows


@pytest.mark.parametrize("query", ["from=0001-01-01", "to=9999-12-31", "from=2026-01-01&to=2025-12-31"])
def test_audit_journal_dates_out_of_range_are_refused(place: Place, query: str) -> None:
    """Tokyo's midnight of 0001-01-01 cannot be sent to PostgreSQL: it was a 500 (schemathesis found it)."""
    answer = place.api.get(f"/v1/audit/journal?{query}", place.admin)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "validation_error"


def test_clock_skew_on_offline_taps(place: Place) -> None:
    refused_writing_nothing(place, SKEWS)
