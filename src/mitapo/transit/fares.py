"""The fare engine: what one tap costs, decided from the taps already recorded for the same resident.

Pure (no clock, no database), so that every rule is a property Hypothesis can check. Readers upload taps up to
a day late and in any order, so nothing here depends on upload order except through `recorded`: the service
decides each tap against the resident's recorded taps and records it in one transaction, under a per-resident
check that nobody recorded another tap in between (services/transit.py). The exact rules, and why they are
shaped so, are in docs/transit.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Literal, get_args

from mitapo.engine.clock import TOKYO, midnight

Category = Literal["adult", "child", "concession"]
CATEGORIES: tuple[str, ...] = get_args(Category)
DAY_STARTS = timedelta(hours=4)
"""A service day runs from 04:00 to 04:00 Asia/Tokyo: a bus after midnight belongs to the day before."""


def round_up(amount: int, step: int) -> int:
    """`amount` rounded up to a multiple of `step` (integers only: a fare is never a float)."""
    return -(-amount // step) * step


@dataclass(frozen=True, slots=True)
class FareRule:
    """One version of the fare table. Defaults: docs/api.md's; an admin posts a new version to change it."""

    id: str = "fr_default"
    default_adult_fare: int = 210
    reduced_percent: int = 50
    round_to: int = 10
    transfer_discount: int = 100
    transfer_window: timedelta = timedelta(minutes=60)
    day_caps: Mapping[str, int] = field(
        default_factory=lambda: MappingProxyType({"adult": 500, "child": 250, "concession": 250})
    )

    def fare(self, category: str, adult_fare: int | None = None) -> int:
        """The fare of a route for a category: child and concession pay the reduced share, rounded up."""
        adult = self.default_adult_fare if adult_fare is None else adult_fare
        if category == "adult":
            return adult
        return round_up(adult * self.reduced_percent, 100 * self.round_to) // 100

    def cap(self, category: str) -> int:
        return self.day_caps[category]


DEFAULT_RULE = FareRule()


def service_day(moment: datetime) -> date:
    """The service day a moment belongs to (Tokyo has no daylight saving, so this is plain arithmetic)."""
    return (moment.astimezone(TOKYO) - DAY_STARTS).date()


@dataclass(frozen=True, slots=True)
class Charge:
    """What a tap costs: the category's fare, the transfer discount, and the charge after the day's cap."""

    fare: int
    discount: int
    charged: int
    service_day: date


@dataclass(frozen=True, slots=True)
class Tap:
    id: str
    tapped_at: datetime
    category: str
    adult_fare: int | None = None


@dataclass(frozen=True, slots=True)
class RecordedTap:
    id: str
    tapped_at: datetime
    charge: Charge


def is_transfer(moment: datetime, recorded: Iterable[RecordedTap], window: timedelta) -> bool:
    """A tap is a transfer when a charged tap of the resident lies within the window of it, before or after.

    In upload order this is exactly "within 60 minutes of the last charged tap"; a late upload that precedes
    an already charged tap takes the discount itself, so the pair costs what it would have in order.
    """
    return any(r.charge.charged > 0 and abs(moment - r.tapped_at) <= window for r in recorded)


def charged_on(day: date, recorded: Iterable[RecordedTap]) -> int:
    return sum(r.charge.charged for r in recorded if r.charge.service_day == day)


def decide(tap: Tap, recorded: Sequence[RecordedTap], rule: FareRule) -> Charge:
    """The charge of `tap` given the resident's recorded taps; a tap already recorded keeps its charge."""
    for known in recorded:
        if known.id == tap.id:
            return known.charge
    fare = rule.fare(tap.category, tap.adult_fare)
    discount = (
        min(rule.transfer_discount, fare) if is_transfer(tap.tapped_at, recorded, rule.transfer_window) else 0
    )
    day = service_day(tap.tapped_at)
    room = max(0, rule.cap(tap.category) - charged_on(day, recorded))
    return Charge(fare=fare, discount=discount, charged=min(fare - discount, room), service_day=day)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The first moment of a service day and the first moment of the next."""
    start = midnight(day) + DAY_STARTS
    return start, start + timedelta(days=1)


def relevant_span(moment: datetime, rule: FareRule) -> tuple[datetime, datetime]:
    """Where the taps that matter to a tap at `moment` lie: its service day (cap), its window (transfers)."""
    start, end = day_bounds(service_day(moment))
    return min(start, moment - rule.transfer_window), max(end, moment + rule.transfer_window)
