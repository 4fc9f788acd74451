"""Residents' short numbers: every resident gets one (eight digits, a Damm check digit), shown to them and on
their letter; the counter finds residents by name or number; a resident gives points by typing a friend's
number, sees the name first, and a typo or an unknown number writes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stdnum import damm

from mitapo.accounts import numbers
from tests.api.conftest import Api
from tests.api.passkey_support import SoftAuthenticator, enroll
from tests.api.payments_support import give_points, in_days, problem, resident
from tests.api.test_abuse_limits import limited_api

FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


def created(api: Api, staff: str, name: str) -> dict[str, Any]:
    answer = api.post("/v1/residents", staff, {"name": name}, key=None)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def search(api: Api, secret: str, q: str) -> Any:
    return api.get("/v1/residents", secret, params={"q": q})


def found_ids(api: Api, secret: str, q: str) -> list[str]:
    answer = search(api, secret, q)
    assert answer.status_code == 200, answer.text
    return [item["id"] for item in answer.json()["items"]]


def with_check_digit(body: int) -> str:
    return f"{body}{damm.calc_check_digit(str(body))}"


def wrong_check_digit(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def test_every_resident_has_a_short_number_with_a_check_digit(api: Api, admin: str) -> None:
    people = [created(api, admin, f"住民 {i}") for i in range(5)]
    for person in people:
        assert re.fullmatch(r"[1-9][0-9]{7}", person["number"]) and damm.is_valid(person["number"])
    assert len({person["number"] for person in people}) == 5
    first = people[0]
    me = api.get("/v1/me", first["token"]).json()
    assert me["number"] == first["number"] and me["id"] == first["id"]
    replay = api.post("/v1/residents", admin, {"name": "再送"}, key="same")
    again = api.post("/v1/residents", admin, {"name": "再送"}, key="same")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == replay.json()["number"] and again.json()["token"] is None
    letter = api.post(f"/v1/residents/{first['id']}/enrollments/letter", admin, None, key=None)
    assert letter.status_code == 201 and numbers.printed(first["number"]) in letter.text


def test_the_counter_finds_residents_by_name_and_by_number(api: Api, admin: str) -> None:
    clerk = api.token("clerk", "窓口")
    taro = created(api, clerk, "井口 太郎")
    hanako = created(api, clerk, "井口 花子")
    other = created(api, clerk, "Alice Smith")
    assert found_ids(api, clerk, "井口 太郎") == [taro["id"]]
    assert found_ids(api, clerk, "井口太郎") == [taro["id"]]  # without the space
    assert found_ids(api, clerk, "井口　太郎") == [taro["id"]]  # the ideographic space
    assert set(found_ids(api, clerk, "井口")) == {taro["id"], hanako["id"]}  # part of a name
    assert found_ids(api, clerk, "花子") == [hanako["id"]]
    assert found_ids(api, clerk, "ＡＬＩＣＥ") == [other["id"]]  # full-width, any case
    assert found_ids(api, admin, "smi") == [other["id"]]
    assert found_ids(api, clerk, "三鷹 次郎") == []

    number = taro["number"]
    assert found_ids(api, clerk, number) == [taro["id"]]
    assert found_ids(api, clerk, numbers.printed(number).translate(FULL_WIDTH)) == [taro["id"]]
    assert found_ids(api, clerk, f"{number[:4]} {number[4:]}") == [taro["id"]]
    assert taro["id"] in found_ids(api, clerk, number[:5])  # the start of a number

    [item] = search(api, clerk, number).json()["items"]
    assert item["number"] == number and item["name"] == "井口 太郎" and item["fare_category"] == "adult"
    assert item["closed_at"] is None and item["created_at"] and item["passkeys"] == 0 and item["card"] is None
    assert search(api, clerk, number).json()["more"] is False


def test_the_search_shows_the_card_and_the_phones_and_the_face_the_number(api: Api, admin: str) -> None:
    person = created(api, admin, "北野 一郎")
    card = api.post(f"/v1/residents/{person['id']}/cards", admin, {"pin": "2468"}, key=None).json()
    assert enroll(api, person["enrollment"]["code"], SoftAuthenticator()).status_code == 201
    [item] = search(api, admin, person["number"]).json()["items"]
    assert item["card"] == {"card_number": card["card_number"], "status": "active"}
    assert item["passkeys"] == 1
    face = api.get(card["face_url"], admin)
    assert face.status_code == 200 and f"みたポ番号 {numbers.printed(person['number'])}" in face.text


def test_only_the_counter_searches_and_a_bad_query_is_refused(api: Api, admin: str) -> None:
    person = created(api, admin, "大沢 さくら")
    for role in ("merchant", "organizer", "auditor", "operator"):
        problem(search(api, api.token(role), "大沢"), 403, "forbidden")
    problem(search(api, person["token"], "大沢"), 403, "forbidden")
    problem(api.get("/v1/residents", None, params={"q": "大沢"}), 401, "unauthorized")
    before = api.journal_size()
    for q in ("", "   ", "a", "12", "123", "1" * 9, "x" * 101, "大沢\x00"):
        problem(search(api, admin, q), 422, "query_invalid")
    problem(api.get("/v1/residents", admin), 422, "query_invalid")
    problem(search(api, admin, wrong_check_digit(person["number"])), 422, "number_invalid")
    assert api.journal_size() == before
    assert found_ids(api, admin, "林") == []  # one kanji is a name


def test_a_gift_by_number_shows_the_name_first(api: Api, admin: str) -> None:
    giver_id, giver = resident(api, admin, "三鷹 花子")
    friend = created(api, admin, "井口 太郎")
    give_points(api, giver_id, 100, in_days(30))
    typed = numbers.printed(friend["number"]).translate(FULL_WIDTH)
    seen = api.post("/v1/gift-previews", giver, {"to_resident_number": typed}, key=None)
    assert seen.status_code == 200, seen.text
    assert seen.json() == {"name": "井口 太郎", "is_self": False, "expires_at": None}
    given = api.post("/v1/gifts", giver, {"to_resident_number": typed, "points": 30}, key="n1")
    assert given.status_code == 201, given.text
    again = api.post("/v1/gifts", giver, {"to_resident_number": typed, "points": 30}, key="n1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert api.get("/v1/me", friend["token"]).json()["balances"]["points"] == 30
    assert api.get("/v1/me", giver).json()["balances"]["points"] == 70
    own = api.get("/v1/me", giver).json()["number"]
    assert api.post("/v1/gift-previews", giver, {"to_resident_number": own}, key=None).json()["is_self"]


def test_a_mistyped_or_unknown_number_writes_nothing(api: Api, admin: str) -> None:
    giver_id, giver = resident(api, admin, "三鷹 花子")
    friend = created(api, admin, "井口 太郎")
    closed = created(api, admin, "閉じた 口座")
    shut = api.post(f"/v1/residents/{closed['id']}/closure", admin, {"channel": "counter"})
    assert shut.status_code == 201, shut.text
    give_points(api, giver_id, 100, in_days(30))
    taken = {friend["number"], closed["number"], api.get("/v1/me", giver).json()["number"]}
    unknown = next(n for n in map(with_check_digit, range(1_000_000, 1_000_010)) if n not in taken)
    before = api.journal_size()
    for typed, status, code in (
        (wrong_check_digit(friend["number"]), 422, "number_invalid"),
        (friend["number"][:7], 422, "number_invalid"),
        ("1234-567X", 422, "number_invalid"),
        (unknown, 404, "not_found"),
        (closed["number"], 404, "not_found"),
    ):
        problem(api.post("/v1/gifts", giver, {"to_resident_number": typed, "points": 5}), status, code)
        preview = api.post("/v1/gift-previews", giver, {"to_resident_number": typed}, key=None)
        problem(preview, status, code)
    both = {"to_resident_number": friend["number"], "to_resident_id": friend["id"], "points": 5}
    problem(api.post("/v1/gifts", giver, both), 400, "validation_error")
    problem(api.post("/v1/gift-previews", giver, {}, key=None), 400, "validation_error")
    assert api.journal_size() == before
    assert api.get("/v1/me", giver).json()["balances"]["points"] == 100


@pytest.fixture
def three_an_hour(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from limited_api(database_url, tmp_path, number_lookups_per_hour=3)


def test_trying_numbers_is_limited_per_giver(three_an_hour: Api) -> None:
    api = three_an_hour
    admin = api.token("admin")
    _, giver = resident(api, admin, "三鷹 花子")
    friend = created(api, admin, "井口 太郎")
    for _ in range(3):
        answer = api.post("/v1/gift-previews", giver, {"to_resident_number": friend["number"]}, key=None)
        assert answer.status_code == 200, answer.text
    limited = api.post("/v1/gift-previews", giver, {"to_resident_number": friend["number"]}, key=None)
    problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    # a typo costs nothing of the allowance: it is refused before anything is looked up
    problem(
        api.post("/v1/gift-previews", giver, {"to_resident_number": "1"}, key=None), 422, "number_invalid"
    )
    other = created(api, admin, "別の 住民")
    seen = api.post("/v1/gift-previews", other["token"], {"to_resident_number": friend["number"]}, key=None)
    assert seen.status_code == 200, "each giver has an allowance of their own"


@pytest.fixture
def no_gifts(database_url: str, tmp_path: Path) -> Iterator[Api]:
    yield from limited_api(database_url, tmp_path, gifting_enabled=False)


def test_where_gifting_is_off_nobody_is_looked_up_by_number(no_gifts: Api) -> None:
    api = no_gifts
    admin = api.token("admin")
    _, giver = resident(api, admin, "三鷹 花子")
    friend = created(api, admin, "井口 太郎")
    seen = api.post("/v1/gift-previews", giver, {"to_resident_number": friend["number"]}, key=None)
    problem(seen, 403, "gifting_disabled")
    problem(
        api.post("/v1/gifts", giver, {"to_resident_number": friend["number"], "points": 1}),
        403,
        "gifting_disabled",
    )
