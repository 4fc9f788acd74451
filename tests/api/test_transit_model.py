"""A model of riding against the real service: taps uploaded in any order and again, on-demand bookings
booked, completed, cancelled and left as no-shows, for an adult and a child sharing nothing but the buses.

For any sequence Hypothesis draws: what a wallet has, less what its open bookings hold, is what it was given
less what it was charged, and never negative; what the operators are owed is what was charged; no service
day's charges pass the category's cap; a tap uploaded again answers its first result and charges nothing; a
charge is refused only when the wallet could not pay it; a booking ends once. One fresh database and one
asyncio.Runner per machine.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mitapo.accounts import residents
from mitapo.accounts.principals import PrincipalView
from mitapo.engine import chart, clock, ledger
from mitapo.engine.commands import Command, Leg
from mitapo.payments import paycodes
from mitapo.transit import bookings, readers, rides
from tests.api.test_transit_support import one_service_day
from tests.stateful.service_machine import ServiceMachine

CATEGORIES = ("adult", "child")
CAPS = {"adult": 500, "child": 250}
GIVEN = 1200
RIDER = st.integers(0, len(CATEGORIES) - 1)
ROUTES = {"bus-1": 210, "area-east": 300}  # adult fares; area-east is on demand


@dataclass
class Rider:
    id: str
    category: str
    charged: int = 0
    held: dict[str, int] = field(default_factory=dict)  # open booking id -> fare held
    by_day: dict[str, int] = field(default_factory=dict)

    @property
    def available(self) -> int:
        return GIVEN - self.charged - sum(self.held.values())


@dataclass(frozen=True)
class Sent:
    reading: rides.Reading
    answer: dict[str, Any]


class TransitMachine(ServiceMachine):
    def __init__(self, server: str, template: str) -> None:
        super().__init__(server, template)
        self.window = rides.TapWindow(timedelta(minutes=2), timedelta(hours=24), 60)
        self.operator_id = self._call(rides.create_operator, self.db, "みたかシティバス")["id"]
        self.route_ids = {code: self._route(code) for code in ROUTES}
        self.reader_key = Ed25519PrivateKey.generate()
        public = self.reader_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        registered = self._call(
            readers.register, self.db, self.operator_id, "bus reader", base64.b64encode(public).decode()
        )
        self.reader_id = str(registered["id"])
        self.riders = [self._rider(category) for category in CATEGORIES]
        self.start = one_service_day(clock.now())
        self.sent: list[Sent] = []

    def _route(self, code: str) -> str:
        kind = "on_demand" if code.startswith("area") else "bus"
        route = rides.NewRoute(self.operator_id, code, code, kind, ROUTES[code])
        return str(self._call(rides.create_route, self.db, route)[1]["id"])

    def _rider(self, category: str) -> Rider:
        resident_id = self._call(residents.create, self.db, f"{category} rider", category)["id"]
        lot = chart.resident_lot(resident_id, clock.tokyo_date(clock.now()) + timedelta(days=30))
        wallet = chart.resident_money(resident_id)
        issuance, clearing = chart.CITY_ISSUANCE, chart.channel_clearing("test")
        legs = (
            Leg(issuance.code, chart.PT, 200),
            Leg(lot.code, chart.PT, -200),
            Leg(clearing.code, chart.JPY, GIVEN - 200),
            Leg(wallet.code, chart.JPY, -(GIVEN - 200)),
        )
        self._call(
            ledger.post,
            self.db,
            Command(kind="grant", accounts=(issuance, lot, clearing, wallet), postings=legs),
        )
        return Rider(resident_id, category)

    def _fare(self, rider: Rider, code: str) -> int:
        adult = ROUTES[code]
        return adult if rider.category == "adult" else -(-adult // 20) * 10

    # the rules

    @rule(who=RIDER, minute=st.integers(0, 11 * 60), code=st.sampled_from(sorted(ROUTES)))
    def tap(self, who: int, minute: int, code: str) -> None:
        rider = self.riders[who]
        at = self.start + timedelta(minutes=minute)
        pay_code = paycodes.issue(self.runtime.keys, rider.id, at, 60)["payload"]
        signature = self.reader_key.sign(readers.record(self.reader_id, code, at, pay_code))
        signed = readers.Signed(self.reader_id, base64.b64encode(signature).decode())
        reading = rides.Reading(self.operator_id, code, pay_code, at, signed=signed)  # uploaded late, signed
        before = rider.available
        refused, done = self._attempt(
            rides.tap, self.db, self.runtime.keys, reading, self.window, clock.now()
        )
        if refused is not None:
            assert refused == "insufficient_funds" and before < self._fare(rider, code), refused
            return
        answer = done[1]
        assert answer["fare"] == self._fare(rider, code) and 0 <= answer["charged"] <= before
        self._charge(rider, answer)
        self.sent.append(Sent(reading, answer))

    def _charge(self, rider: Rider, answer: dict[str, Any]) -> None:
        rider.charged += answer["charged"]
        day = answer["service_day"]
        rider.by_day[day] = rider.by_day.get(day, 0) + answer["charged"]

    @precondition(lambda self: self.sent)
    @rule(data=st.data())
    def upload_again(self, data: st.DataObject) -> None:
        first = data.draw(st.sampled_from(self.sent))
        written, answer = self._call(
            rides.tap, self.db, self.runtime.keys, first.reading, self.window, clock.now()
        )
        assert written.replayed and answer == first.answer

    @rule(who=RIDER)
    def book(self, who: int) -> None:
        rider = self.riders[who]
        fare = self._fare(rider, "area-east")
        request = bookings.NewBooking(rider.id, self.route_ids["area-east"], None)
        refused, done = self._attempt(bookings.book, self.db, request, clock.now(), timedelta(minutes=30))
        if rider.available < fare:
            assert refused == "insufficient_funds"
            return
        assert refused is None, refused
        rider.held[done[1]["id"]] = fare

    def _open(self) -> list[tuple[Rider, str]]:
        return [(rider, booking_id) for rider in self.riders for booking_id in rider.held]

    @precondition(lambda self: self._open())
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        rider, booking_id = data.draw(st.sampled_from(self._open()))
        written, answer = self._call(
            bookings.complete, self.db, self.operator_id, booking_id, None, self.window, clock.now()
        )
        assert not written.replayed and answer["charged"] <= rider.held.pop(booking_id)
        self._charge(rider, answer)
        refused, _ = self._attempt(bookings.cancel, self.db, self._principal(rider), booking_id)
        assert refused == "booking_closed"

    @precondition(lambda self: self._open())
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        rider, booking_id = data.draw(st.sampled_from(self._open()))
        self._call(bookings.cancel, self.db, self._principal(rider), booking_id)
        del rider.held[booking_id]

    @rule()
    def nobody_shows_up(self) -> None:
        later = clock.now() + timedelta(minutes=31)
        released = self._call(bookings.release_overdue, self.db, later)
        assert released == len(self._open())
        for rider in self.riders:
            rider.held.clear()

    def _principal(self, rider: Rider) -> PrincipalView:
        return PrincipalView(rider.id, "resident", rider.category)

    # what must always hold

    def _read(self, sql: str, *args: object) -> list[Any]:
        async def read() -> list[Any]:
            async with self.db.raw() as conn:
                return list(await conn.fetch(sql, *args))

        return self._call(read)

    @invariant()
    def wallets_hold_what_was_given_less_charges_and_holds(self) -> None:
        for rider in self.riders:
            [row] = self._read(
                "SELECT coalesce(sum(normal_sign * posted), 0) AS held, coalesce(sum(pending), 0) AS pending "
                "FROM balances WHERE owner = $1",
                chart.resident_owner(rider.id),
            )
            assert row["held"] == GIVEN - rider.charged
            assert row["pending"] == sum(rider.held.values())
            assert rider.available >= 0

    @invariant()
    def operators_are_owed_what_was_charged(self) -> None:
        [row] = self._read(
            "SELECT coalesce(sum(normal_sign * posted), 0) AS owed FROM balances WHERE account = $1",
            chart.operator_receivable(self.operator_id).code,
        )
        assert row["owed"] == sum(rider.charged for rider in self.riders)

    @invariant()
    def no_day_passes_the_cap(self) -> None:
        for rider in self.riders:
            assert all(total <= CAPS[rider.category] for total in rider.by_day.values())


@pytest.mark.slow
def test_riding_follows_the_model(pg_server: str, template_database: str) -> None:
    run_state_machine_as_test(
        lambda: TransitMachine(pg_server, template_database),
        settings=settings(
            max_examples=10,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
