"""A replay answers the first answer's bytes: the first answer and the replay (read back from the stored
result) both pass through the route's declared response struct, so even the order of the keys is the same."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.test_money_support import Town


@pytest.fixture
def town(api: Api, admin: str) -> Town:
    return Town(api, admin)


def test_a_top_up_replayed_answers_the_same_bytes(town: Town) -> None:
    resident_id, _ = town.resident()
    first = town.top_up(resident_id, 1_000, ref="R-1", key="k")
    again = town.top_up(resident_id, 1_000, ref="R-1", key="k")
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert list(first.json()) == ["entry_id", "money", "bonus_points"], "the declared order of ToppedUp"


def test_a_reversal_replayed_answers_the_same_bytes(town: Town) -> None:
    resident_id, _ = town.resident()
    entry_id = town.top_up(resident_id, 1_000).json()["entry_id"]
    path = f"/v1/entries/{entry_id}/reversal"
    first = town.api.post(path, town.admin, {"reason": "typo"}, key="r1")
    again = town.api.post(path, town.admin, {"reason": "typo"}, key="r1")
    assert first.status_code == again.status_code == 201, first.text
    assert again.headers["Idempotent-Replayed"] == "true" and again.content == first.content
