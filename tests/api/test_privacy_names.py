"""Residents' names stay out of public and out of the outside auditor's view (issue 18, finding 4; APPI):
a donor is named in public only by choice, and the auditor's fairness view knows residents by pseudonyms."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mitapo.engine import clock
from tests.api.conftest import Api
from tests.api.test_money_support import Town


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def resident_with_points(town: Town, program_id: str, name: str) -> tuple[str, str]:
    resident_id, secret = town.resident(name)
    town.grant(program_id, resident_id, 100, clock.tokyo_date(clock.now()) + timedelta(days=30))
    return resident_id, secret


def test_a_donor_is_anonymous_in_public_unless_it_chose_to_be_named(town: Town) -> None:
    program_id = town.program(funding=1_000)
    silent_id, silent = resident_with_points(town, program_id, "黙って 花子")
    v1_id, v1 = resident_with_points(town, program_id, "旧版 次郎")
    proud_id, proud = resident_with_points(town, program_id, "公開 太郎")
    recipient_id = town.recipient()
    assert town.donate(silent, recipient_id, 10).status_code == 201
    assert town.donate(v1, recipient_id, 20, anonymous=False).status_code == 201
    assert town.donate(proud, recipient_id, 30, public_name=True).status_code == 201
    page = town.api.get(f"/v1/recipients/{recipient_id}", None)
    assert page.status_code == 200
    assert [(d["donor"], d["points"]) for d in page.json()["recent_donations"]] == [
        ("公開 太郎", 30),
        (None, 20),
        (None, 10),
    ]
    assert "花子" not in page.text and "次郎" not in page.text
    assert not {silent_id, v1_id, proud_id} & set(page.text.split('"'))


def test_the_auditor_sees_pseudonyms_and_no_names_the_city_sees_names(town: Town) -> None:
    program_id = town.program(funding=1_000)
    people = {resident_with_points(town, program_id, name)[0]: name for name in ("井口 太郎", "大沢 さくら")}
    auditor = town.api.token("auditor")
    seen = town.api.get("/v1/audit/fairness", auditor)
    assert seen.status_code == 200, seen.text
    items = [item for p in seen.json()["programs"] if p["id"] == program_id for item in p["items"]]
    assert len(items) == 2
    assert all(item["name"] is None and item["resident_id"].startswith("psn_") for item in items)
    assert not any(name in seen.text for name in people.values())
    assert not any(resident_id in seen.text for resident_id in people)
    again = town.api.get("/v1/audit/fairness", auditor).json()
    assert again == seen.json()  # the same pseudonym every time: an outlier can be followed over months
    city = town.api.get("/v1/audit/fairness", town.admin).json()
    named = {item["resident_id"]: item["name"] for p in city["programs"] for item in p["items"]}
    assert named == people
