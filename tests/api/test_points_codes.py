"""Check-in codes: signed, rotating every 30 s, small enough for a QR read across a room; replayed, tampered,
forwarded, foreign or mangled codes are refused and write nothing."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from mitapo.engine import codes
from mitapo.engine.errors import DomainError
from mitapo.engine.keys import load_keyring, rotate
from mitapo.points import checkins
from tests.api.conftest import Api
from tests.api.test_points_town import Town, now, problem

STEP = 30


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


@pytest.fixture
def door(town: Town) -> tuple[str, str]:
    """An open event and its organizer's secret."""
    _, organizer = town.organizer()
    return town.event(organizer, town.program()), organizer


def test_the_code_is_a_signed_payload_with_its_expiry(town: Town, door: tuple[str, str]) -> None:
    event, organizer = door
    response = town.api.get(f"/v1/events/{event}/checkin-code", organizer)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["payload"].startswith(codes.PREFIX)
    remaining = (datetime.fromisoformat(body["expires_at"]) - now()).total_seconds()
    assert STEP <= remaining <= 2 * STEP + 1
    assert codes.read_checkin(town.api.runtime.keys, body["payload"], now(), STEP) == event


@pytest.mark.parametrize(("image", "media_type"), [("png", "image/png"), ("svg", "image/svg+xml")])
def test_the_qr_image_reads_back_to_a_valid_payload(
    town: Town, door: tuple[str, str], image: str, media_type: str
) -> None:
    event, organizer = door
    response = town.api.get(f"/v1/events/{event}/checkin-code?format={image}", organizer)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(media_type)
    if image == "svg":
        assert b"<svg" in response.content
        return
    qr_only = zxingcpp.BarcodeFormat.QRCode  # zxing-cpp may also read a spurious 1D code off a run of modules
    read = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)), formats=qr_only)
    assert len(read) == 1
    assert codes.read_checkin(town.api.runtime.keys, read[0].text, now(), STEP) == event


def test_the_code_fits_a_small_qr_symbol(town: Town, door: tuple[str, str]) -> None:
    """Version 7 (45 modules a side) at error correction M: readable from a screen across a room."""
    event, organizer = door
    payload = town.code(organizer, event)
    assert codes._qr(payload).version <= 7


def test_an_unknown_format_is_refused(town: Town, door: tuple[str, str]) -> None:
    event, organizer = door
    problem(town.api.get(f"/v1/events/{event}/checkin-code?format=gif", organizer), 400, "validation_error")


def test_only_organizers_and_the_city_get_codes(town: Town, door: tuple[str, str]) -> None:
    event, _ = door
    _, resident = town.resident()
    problem(town.api.get(f"/v1/events/{event}/checkin-code", resident), 403, "forbidden")
    problem(town.api.get(f"/v1/events/{event}/checkin-code", None), 401, "unauthorized")
    assert town.api.get(f"/v1/events/{event}/checkin-code", town.admin).status_code == 200
    _, stranger = town.organizer("another NPO")
    problem(town.api.get(f"/v1/events/{event}/checkin-code", stranger), 404, "not_found")
    problem(town.api.get("/v1/events/evt_nothing/checkin-code", town.admin), 404, "not_found")


def _flip(payload: str, index: int) -> str:
    body = payload[len(codes.PREFIX) :]
    swapped = "A" if body[index] != "A" else "B"
    return codes.PREFIX + body[:index] + swapped + body[index + 1 :]


def test_tampered_mangled_and_foreign_codes_are_invalid(
    town: Town, door: tuple[str, str], tmp_path: Path
) -> None:
    event, organizer = door
    _, resident = town.resident()
    payload = town.code(organizer, event)
    keys = town.api.runtime.keys
    step = codes.step_of(now(), STEP)
    stranger_keys = load_keyring(tmp_path / "stranger")
    other_event = town.event(organizer, town.program())
    body = base64.b32decode(payload[len(codes.PREFIX) :] + "=" * (-len(payload[len(codes.PREFIX) :]) % 8))
    signature = body[-64:]
    swapped_event = codes.PREFIX + base64.b32encode(
        body[: codes._HEAD.size] + other_event.encode() + signature
    ).decode().rstrip("=")
    forged = [
        _flip(payload, 3),  # the key id
        _flip(payload, 16),  # the step
        _flip(payload, 30),  # the event
        _flip(payload, len(payload) - len(codes.PREFIX) - 5),  # the signature
        swapped_event,  # another event under this event's signature
        payload[:-20],  # truncated
        payload + "AAAA",  # extended
        payload.lower(),
        payload.replace(codes.PREFIX, "MTP1P."),
        codes.PREFIX,
        codes.PREFIX + "!!!!",
        codes.PREFIX + "0189",  # not base32
        "https://example.com/" + payload,
        "x" * 1000,
        codes.encode(keys, b"P", event, step),  # our key, another purpose
        codes.encode(stranger_keys, codes.CHECKIN, event, step),  # a key we never had
    ]
    before = town.written()
    for code in forged:
        problem(town.claim(resident, code), 422, "code_invalid")
    assert town.written() == before
    assert town.claim(resident, payload).status_code == 201


def test_a_forwarded_screenshot_stops_working_within_a_minute(town: Town, door: tuple[str, str]) -> None:
    event, _ = door
    _, friend = town.resident("at home")
    keys = town.api.runtime.keys
    screenshot = codes.issue_checkin(keys, event, now() - timedelta(seconds=61), STEP).payload
    before = town.written()
    problem(town.claim(friend, screenshot), 422, "code_expired")
    future = codes.issue_checkin(keys, event, now() + timedelta(seconds=2 * STEP + 1), STEP).payload
    problem(town.claim(friend, future), 422, "code_invalid")
    assert town.written() == before


def test_the_previous_step_is_accepted_and_the_one_before_is_not(town: Town, door: tuple[str, str]) -> None:
    """Judged at one fixed moment, so that the step cannot turn between issuing and checking."""
    event, _ = door
    first_id, _ = town.resident("一")
    second_id, _ = town.resident("二")
    db, keys = town.api.runtime.db, town.api.runtime.keys
    moment = now()
    previous = codes.issue_checkin(keys, event, moment - timedelta(seconds=STEP), STEP).payload
    older = codes.issue_checkin(keys, event, moment - timedelta(seconds=2 * STEP), STEP).payload
    granted = town.api.run(lambda: checkins.claim(db, keys, first_id, previous, moment, STEP))
    assert granted.result["event_id"] == event
    with pytest.raises(DomainError) as refused:
        town.api.run(lambda: checkins.claim(db, keys, second_id, older, moment, STEP))
    assert refused.value.code == "code_expired"


def test_a_code_on_screen_survives_a_key_rotation(town: Town, door: tuple[str, str], tmp_path: Path) -> None:
    event, organizer = door
    runtime = town.api.runtime
    on_screen = town.code(organizer, event)
    old_kid = runtime.keys.current_kid
    rotate(runtime.settings.key_path)  # as `mitapo keys rotate` would: the running service follows it
    assert runtime.keys.current_kid != old_kid
    fresh = town.code(organizer, event)
    assert fresh != on_screen
    first, second = town.resident("一")[1], town.resident("二")[1]
    assert town.claim(first, on_screen).status_code == 201
    assert town.claim(second, fresh).status_code == 201


def test_one_code_serves_the_whole_room_but_each_resident_once(town: Town, door: tuple[str, str]) -> None:
    event, organizer = door
    payload = town.code(organizer, event)
    residents = [town.resident(f"住民 {n}")[1] for n in range(3)]
    for resident in residents:
        assert town.claim(resident, payload).status_code == 201
    before = town.written()
    for resident in residents:
        problem(town.claim(resident, payload), 409, "already_claimed")
    assert town.written() == before
