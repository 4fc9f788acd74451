"""The Tokyo days at the edges of what a date holds still make ranges (a query for 0001-01-01 or 9999-12-31
answered 500)."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from mitapo.engine import clock


def test_a_day_ends_where_the_next_begins() -> None:
    day = date(2026, 12, 4)
    assert clock.day_after(day) == clock.midnight(day + timedelta(days=1))
    assert clock.midnight(day).astimezone(UTC).isoformat() == "2026-12-03T15:00:00+00:00"


def test_the_first_and_last_days_are_moments_in_utc() -> None:
    assert clock.midnight(date.min) == clock.midnight(date(1, 1, 2))
    assert clock.midnight(date.min).astimezone(UTC).year == 1
    last = clock.day_after(date.max)
    assert last.astimezone(UTC) > clock.midnight(date.max).astimezone(UTC)
