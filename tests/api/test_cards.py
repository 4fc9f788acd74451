"""みたポ cards: issued at the counter with a PIN, charged at a till with it, tapped on the bus and scanned at
an event's door without it. The right PIN pays once; five wrong ones lock the card, and only that card; a
replaced card is dead at once; the daily limit holds under racing charges; every refusal writes nothing."""

from __future__ import annotations

import concurrent.futures
import uuid
from pathlib import Path
from typing import Any

import httpx
from stdnum import luhn

from mitapo.cards import pins
from tests.api.conftest import Api
from tests.api.payments_support import balances, give_money, problem, resident, rows, shop, wallet
from tests.api.test_points_town import Town
from tests.api.test_transit_support import Transit
from tests.deploy.processes import VENV_BIN, free_port, service_env, serving

PIN = "4321"


def issue(api: Api, admin: str, resident_id: str, pin: str = PIN) -> dict[str, Any]:
    issued = api.post(f"/v1/residents/{resident_id}/cards", admin, {"pin": pin}, key=None)
    assert issued.status_code == 201, issued.text
    return dict(issued.json())


def charge(api: Api, merchant_key: str, card: str, pin: str, amount: int, **kw: Any) -> Any:
    return api.post("/v1/charges", merchant_key, {"card": card, "pin": pin, "amount": amount}, **kw)


def holder(api: Api, admin: str, money: int = 10_000) -> tuple[str, str, dict[str, Any]]:
    """A resident with money and a card: (id, token, the card as issued)."""
    rid, token = resident(api, admin)
    if money:
        give_money(api, rid, money)
    return rid, token, issue(api, admin, rid)


def test_a_card_has_a_check_digit_a_qr_and_a_printable_face_without_the_pin(api: Api, admin: str) -> None:
    rid, _ = resident(api, admin, "三鷹 ハナ")
    card = issue(api, admin, rid, "902468")
    number = card["card_number"]
    assert len(number) == 16 and number.isdigit() and luhn.is_valid(number)
    assert card["qr_payload"] == f"MITAPO-CARD:{number}"
    face = api.get(card["face_url"], admin)
    assert face.status_code == 200 and face.headers["content-type"].startswith("text/html")
    page = face.text
    assert "みたポカード" in page and "三鷹 ハナ" in page and "85.6mm 54mm" in page and "<svg" in page
    assert " ".join(number[i : i + 4] for i in range(0, 16, 4)) in page
    assert "902468" not in page
    state = api.get(f"/v1/cards/{number}", admin).json()
    assert state["status"] == "active" and state["resident_id"] == rid and state["failed_pins"] == 0
    stored = api.run(_pin_hash, api, number)
    assert stored.startswith("$argon2id$") and "902468" not in stored
    assert not pins._verify(stored, "902468")  # the PIN alone does not match: the key is needed
    key_file = api.runtime.settings.key_path / pins.KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600  # the hash is useless without this key


async def _pin_hash(api: Api, number: str) -> str:
    async with api.runtime.db.raw() as conn:
        return str(await conn.fetchval("SELECT pin_hash FROM cards WHERE number = $1", number))


def test_only_staff_issue_and_a_pin_is_4_to_6_digits(api: Api, admin: str) -> None:
    rid, token = resident(api, admin)
    farm = shop(api, admin)
    path = f"/v1/residents/{rid}/cards"
    problem(api.post(path, farm["api_key"], {"pin": PIN}, key=None), 403, "forbidden")
    problem(api.post(path, token, {"pin": PIN}, key=None), 403, "forbidden")
    for pin in ("123", "1234567", "12a4", "１２３４", ""):
        problem(api.post(path, admin, {"pin": pin}, key=None), 400, "validation_error")
    problem(api.post("/v1/residents/res_nobody/cards", admin, {"pin": PIN}, key=None), 404, "not_found")
    assert rows(api, "cards") == 0


def test_the_right_pin_pays_once_and_a_retry_replays(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    _, token, card = holder(api, admin, money=1_000)
    first = charge(api, farm["api_key"], card["qr_payload"], PIN, 300, key="till-1")
    assert first.status_code == 201, first.text
    assert first.json()["money_used"] == 300 and first.json()["merchant_id"] == farm["id"]
    again = charge(api, farm["api_key"], card["qr_payload"], PIN, 300, key="till-1")
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    typed = " ".join(card["card_number"][i : i + 4] for i in range(0, 16, 4))
    assert charge(api, farm["api_key"], typed, PIN, 200).status_code == 201
    assert wallet(api, token)["money"] == 500
    assert balances(api, admin)[(f"merchant:{farm['id']}:receivable", "JPY")] == -500
    problem(
        charge(api, farm["api_key"], card["qr_payload"], PIN, 301, key="till-1"), 422, "idempotency_mismatch"
    )


def test_five_wrong_pins_lock_the_card_until_staff_unlock_it(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    _, token, card = holder(api, admin, money=1_000)
    before = api.journal_size()
    for left in (4, 3, 2, 1):
        wrong = charge(api, farm["api_key"], card["card_number"], "0000", 100)
        problem(wrong, 422, "pin_invalid")
        assert f"{left} tr" in wrong.json()["detail"]
    problem(charge(api, farm["api_key"], card["card_number"], "0000", 100), 409, "card_locked")
    problem(charge(api, farm["api_key"], card["card_number"], PIN, 100), 409, "card_locked")
    assert api.journal_size() == before and wallet(api, token)["money"] == 1_000
    state = api.get(f"/v1/cards/{card['card_number']}", admin).json()
    assert state["status"] == "locked" and state["failed_pins"] == 5 and state["locked_at"]
    problem(api.post(f"/v1/cards/{card['card_number']}/unlock", farm["api_key"], {}), 403, "forbidden")
    unlocked = api.post(f"/v1/cards/{card['card_number']}/unlock", admin, {}, key=None)
    assert unlocked.status_code == 200 and unlocked.json()["status"] == "active"
    assert charge(api, farm["api_key"], card["card_number"], PIN, 100).status_code == 201


def test_unlocking_answers_the_card_as_it_now_is_and_a_number_no_card_has_is_not_found(
    api: Api, admin: str
) -> None:
    farm = shop(api, admin)
    rid, _, card = holder(api, admin, money=1_000)
    problem(charge(api, farm["api_key"], card["card_number"], "0000", 100), 422, "pin_invalid")
    unlocked = api.post(f"/v1/cards/{card['card_number']}/unlock", admin, {}, key=None).json()
    assert unlocked["card_number"] == card["card_number"] and unlocked["resident_id"] == rid
    assert (unlocked["status"], unlocked["failed_pins"], unlocked["locked_at"]) == ("active", 0, None)
    unknown = "1" * 15 + str(luhn.calc_check_digit("1" * 15))
    for number in (unknown, "12345"):
        problem(api.post(f"/v1/cards/{number}/unlock", admin, {}, key=None), 404, "not_found")


def test_the_right_pin_forgives_the_wrong_ones_before_it(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    _, _, card = holder(api, admin)
    for _ in range(4):
        problem(charge(api, farm["api_key"], card["card_number"], "1111", 100), 422, "pin_invalid")
    assert charge(api, farm["api_key"], card["card_number"], PIN, 100).status_code == 201
    for _ in range(4):
        problem(charge(api, farm["api_key"], card["card_number"], "1111", 100), 422, "pin_invalid")
    assert api.get(f"/v1/cards/{card['card_number']}", admin).json()["status"] == "active"


def test_the_lock_is_per_card_never_per_address(api: Api, admin: str) -> None:
    """Every request here comes from the one test client's address, as residents behind a city proxy."""
    farm = shop(api, admin)
    _, _, locked = holder(api, admin)
    _, other_token, other = holder(api, admin)
    for _ in range(5):
        charge(api, farm["api_key"], locked["card_number"], "9999", 100)
    problem(charge(api, farm["api_key"], locked["card_number"], PIN, 100), 409, "card_locked")
    for _ in range(3):
        problem(charge(api, farm["api_key"], other["card_number"], "9999", 100), 422, "pin_invalid")
    assert charge(api, farm["api_key"], other["card_number"], PIN, 100).status_code == 201
    second_shop = shop(api, admin, "三鷹書店")
    problem(charge(api, second_shop["api_key"], locked["card_number"], PIN, 100), 409, "card_locked")
    assert wallet(api, other_token)["money"] == 9_900


def test_wrong_pins_across_many_cards_stop_their_address_but_never_a_right_pin(api: Api, admin: str) -> None:
    """A till guessing PINs card after card (five each, before each card locks) is stopped by the wrong PINs
    counted per address too; a customer who knows their PIN still pays from that address."""
    farm = shop(api, admin)
    refused = None
    for _ in range(30):  # 30 cards × 4 wrong PINs (the fifth locks the card): over the address's 100
        _, token, card = holder(api, admin)
        for _ in range(5):
            answer = charge(api, farm["api_key"], card["card_number"], "9999", 100)
            if answer.status_code == 429:
                refused = answer
                break
            assert answer.json()["code"] in ("pin_invalid", "card_locked"), answer.text
        if refused is not None:
            break
    assert refused is not None, "a hundred and twenty wrong PINs from one address were never throttled"
    problem(refused, 429, "locked_out")
    _, token, card = holder(api, admin)
    assert charge(api, farm["api_key"], card["card_number"], PIN, 100).status_code == 201
    assert wallet(api, token)["money"] == 9_900


def test_a_burst_of_guesses_gets_five_tries_not_more(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    _, token, card = holder(api, admin)
    guesses = [f"{n:04d}" for n in range(20) if f"{n:04d}" != PIN]
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda g: charge(api, farm["api_key"], card["card_number"], g, 100), guesses))
    codes = [a.json()["code"] for a in answers]
    assert set(codes) <= {"pin_invalid", "card_locked"} and codes.count("pin_invalid") <= 4
    state = api.get(f"/v1/cards/{card['card_number']}", admin).json()
    assert state["status"] == "locked" and state["failed_pins"] == 5
    problem(charge(api, farm["api_key"], card["card_number"], PIN, 100), 409, "card_locked")
    assert wallet(api, token)["money"] == 10_000


def test_a_replaced_card_is_dead_at_once_and_the_balance_stays(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, token, old = holder(api, admin, money=2_000)
    assert charge(api, farm["api_key"], old["card_number"], PIN, 500).status_code == 201
    new = issue(api, admin, rid, "2468")
    assert new["card_number"] != old["card_number"]
    before = api.journal_size()
    problem(charge(api, farm["api_key"], old["card_number"], PIN, 100), 422, "card_revoked")
    assert api.journal_size() == before
    assert api.get(f"/v1/cards/{old['card_number']}", admin).json()["status"] == "replaced"
    problem(api.get(old["face_url"], admin), 422, "card_revoked")
    assert wallet(api, token)["money"] == 1_500
    assert charge(api, farm["api_key"], new["card_number"], "2468", 100).status_code == 201
    assert wallet(api, token)["money"] == 1_400


def test_a_charge_racing_the_replacement_never_pays_from_the_old_card_after_it(api: Api, admin: str) -> None:
    """The writer decides the card's life: a charge prepared before the replacement but submitted after it
    is refused, whatever the reads before it said."""
    from mitapo.cards import cards
    from mitapo.engine import clock
    from mitapo.engine.commands import Command

    rid, _, old = holder(api, admin)
    card = api.run(cards.holder, api.runtime.db, old["card_number"])
    issue(api, admin, rid, "2468")
    limits = card.limits(100, clock.tokyo_date(clock.now()), 5_000)
    outcome = api.run(api.runtime.db.submit, Command(kind=None, limits=limits))
    assert getattr(outcome, "code", None) == "card_revoked"


def test_the_daily_limit_holds_under_racing_charges(
    api: Api, admin: str, database_url: str, tmp_path: Path
) -> None:
    """Fifteen charges of ¥1,000 sent at once over fifteen connections to a real server: five pay (¥5,000,
    the default limit), ten are refused with velocity_exceeded, and nothing else is written."""
    farm = shop(api, admin)
    _, token, card = holder(api, admin, money=20_000)
    port = free_port()
    mitapo = str(VENV_BIN / "mitapo")
    env = service_env(database_url, tmp_path)  # the test app's data directory: its keys, its PIN key
    with serving([mitapo, "serve", "--port", str(port)], env, port, tmp_path / "serve.log") as url:

        def one(n: int) -> httpx.Response:
            headers = {"Authorization": f"Bearer {farm['api_key']}", "Idempotency-Key": f"race-{n}"}
            body = {"card": card["card_number"], "pin": PIN, "amount": 1_000}
            with httpx.Client(base_url=url, timeout=60) as client:  # a connection of its own
                return client.post("/v1/charges", json=body, headers=headers)

        with concurrent.futures.ThreadPoolExecutor(15) as pool:
            answers = list(pool.map(one, range(15)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 5 + [422] * 10, [a.text for a in answers]
    assert {a.json()["code"] for a in answers if a.status_code == 422} == {"velocity_exceeded"}
    assert wallet(api, token)["money"] == 15_000
    assert rows(api, "payments") == 5
    problem(charge(api, farm["api_key"], card["card_number"], PIN, 1), 422, "velocity_exceeded")


def test_every_refusal_writes_nothing(api: Api, admin: str) -> None:
    farm = shop(api, admin)
    rid, token, card = holder(api, admin, money=300)
    number = card["card_number"]
    mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)
    before, payments = api.journal_size(), rows(api, "payments")
    key = farm["api_key"]
    problem(charge(api, key, mistyped, PIN, 100), 422, "code_invalid")
    problem(charge(api, key, "9392000000000000", PIN, 100), 422, "code_invalid")
    problem(charge(api, key, "MITAPO-CARD:12", PIN, 100), 422, "code_invalid")
    problem(api.post("/v1/charges", key, {"card": number, "amount": 100}), 400, "validation_error")
    problem(api.post("/v1/charges", key, {"pin": PIN, "amount": 100}), 400, "validation_error")
    problem(
        api.post("/v1/charges", key, {"card": number, "pin": "12", "amount": 100}), 400, "validation_error"
    )
    problem(charge(api, key, number, PIN, 301), 422, "insufficient_funds")
    problem(charge(api, key, number, PIN, 100, key=None), 400, "idempotency_key_required")
    problem(charge(api, key, number, "0000", 100), 422, "pin_invalid")
    problem(charge(api, token, number, PIN, 100), 403, "forbidden")
    issue(api, admin, rid, "2468")
    before, payments = api.journal_size(), rows(api, "payments")  # the issue counts its card
    problem(charge(api, key, number, PIN, 100), 422, "card_revoked")
    assert api.journal_size() == before and rows(api, "payments") == payments
    assert wallet(api, token)["money"] == 300


def test_a_card_rides_the_bus_without_a_pin_within_the_fare_rules(api: Api, admin: str) -> None:
    transit = Transit(api, admin)
    operator_id, reader = transit.operator()
    transit.route(operator_id, "kitano")
    rid, token, card = holder(api, admin, money=1_000)
    first = api.post("/v1/transit/taps", reader, {"card": card["qr_payload"], "route": "kitano"})
    assert first.status_code == 201, first.text
    assert (first.json()["fare"], first.json()["charged"]) == (210, 210)
    transfer = api.post("/v1/transit/taps", reader, {"card": card["card_number"], "route": "kitano"})
    assert transfer.json()["discount"] == 100 and transfer.json()["charged"] == 110
    assert wallet(api, token)["money"] == 680
    at = {"card": card["card_number"], "route": "kitano", "tapped_at": first.json()["tapped_at"]}
    uploaded = api.post("/v1/transit/taps", reader, at)
    assert uploaded.status_code == 201, uploaded.text
    again = api.post("/v1/transit/taps", reader, at)  # the same tap uploaded again, another key
    assert again.status_code == 201 and again.json() == uploaded.json()
    scanned = api.post("/v1/transit/taps", reader, {**at, "card": card["qr_payload"]})  # and as scanned
    assert scanned.status_code == 201 and scanned.json() == uploaded.json()
    assert wallet(api, token)["money"] == 680 - uploaded.json()["charged"]
    farm = shop(api, admin)
    for _ in range(5):
        charge(api, farm["api_key"], card["card_number"], "0000", 100)
    locked = api.post("/v1/transit/taps", reader, {"card": card["card_number"], "route": "kitano"})
    assert locked.status_code == 201, locked.text  # the lock guards the PIN; the bus asks none
    before = api.journal_size()
    both = {"card": card["card_number"], "pay_code": transit.code(rid), "route": "kitano"}
    problem(api.post("/v1/transit/taps", reader, both), 400, "validation_error")
    problem(api.post("/v1/transit/taps", reader, {"route": "kitano"}), 400, "validation_error")
    issue(api, admin, rid, "2468")
    before = api.journal_size()
    problem(
        api.post("/v1/transit/taps", reader, {"card": card["card_number"], "route": "kitano"}),
        422,
        "card_revoked",
    )
    assert api.journal_size() == before


def test_the_organizer_scans_a_card_to_check_its_holder_in_once(api: Api, admin: str) -> None:
    town = Town(api, admin)
    program = town.program(funding=1_000)
    _, organizer = town.organizer()
    _, stranger = town.organizer("別の団体")
    event = town.event(organizer, program, points=120, capacity=1)
    rid, token, card = holder(api, admin, money=0)
    path = f"/v1/events/{event}/checkins"
    problem(api.post(path, stranger, {"card": card["card_number"]}), 404, "not_found")
    nowhere = "/v1/events/no-such-event/checkins"
    problem(api.post(nowhere, organizer, {"card": card["card_number"]}), 404, "not_found")
    problem(api.post(path, token, {"card": card["card_number"]}), 403, "forbidden")
    checked = api.post(path, organizer, {"card": card["qr_payload"]}, key="door-1")
    assert checked.status_code == 201, checked.text
    assert checked.json()["event_id"] == event and checked.json()["points"] == 120
    replay = api.post(path, organizer, {"card": card["qr_payload"]}, key="door-1")
    assert replay.json() == checked.json() and replay.headers["Idempotent-Replayed"] == "true"
    _, _, other = holder(api, admin, money=0)
    before = api.journal_size()
    problem(api.post(path, organizer, {"card": card["card_number"]}), 409, "already_claimed")
    problem(api.post(path, admin, {"card": other["card_number"]}), 409, "event_full")
    assert api.journal_size() == before
    assert wallet(api, token)["points"] == 120
    new = issue(api, admin, rid, "2468")
    later = town.event(organizer, program, points=50)
    problem(
        api.post(f"/v1/events/{later}/checkins", organizer, {"card": card["card_number"]}),
        422,
        "card_revoked",
    )
    done = api.post(f"/v1/events/{later}/checkins", organizer, {"card": new["card_number"]})
    assert done.status_code == 201 and wallet(api, token)["points"] == 170


def test_a_card_is_issued_once_per_key_and_racing_issues_leave_one_card_alive(api: Api, admin: str) -> None:
    rid, _ = resident(api, admin)
    key = str(uuid.uuid4())
    first = api.post(f"/v1/residents/{rid}/cards", admin, {"pin": PIN}, key=key)
    again = api.post(f"/v1/residents/{rid}/cards", admin, {"pin": PIN}, key=key)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    path = f"/v1/residents/{rid}/cards"
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: api.post(path, admin, {"pin": PIN}, key=None), range(6)))
    assert {a.status_code for a in answers} <= {201, 429}  # 429: raced too often, nothing written
    issued = [a.json() for a in answers if a.status_code == 201]
    states = [api.get(f"/v1/cards/{c['card_number']}", admin).json()["status"] for c in issued]
    assert states.count("active") == 1 and rows(api, "cards") == 1 + len(issued)


def test_a_retry_answers_the_first_charge_after_the_card_was_locked_or_replaced(api: Api, admin: str) -> None:
    """A till that lost the answer retries with its key: the first charge stands, asked no PIN again."""
    farm = shop(api, admin)
    rid, token, card = holder(api, admin, money=1_000)
    first = charge(api, farm["api_key"], card["card_number"], PIN, 400, key="receipt-7")
    assert first.status_code == 201, first.text
    for _ in range(5):
        charge(api, farm["api_key"], card["card_number"], "0000", 100)
    again = charge(api, farm["api_key"], card["card_number"], PIN, 400, key="receipt-7")
    assert again.status_code == 201 and again.json() == first.json()
    issue(api, admin, rid, "2468")
    late = charge(api, farm["api_key"], card["card_number"], PIN, 400, key="receipt-7")
    assert late.status_code == 201 and late.json() == first.json()
    assert wallet(api, token)["money"] == 600
