"""Time as the city counts it: days, months and fiscal years (April to March) in Asia/Tokyo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def now() -> datetime:
    return datetime.now(UTC)


def tokyo_date(moment: datetime) -> date:
    return moment.astimezone(TOKYO).date()


# Tokyo's midnight of 0001-01-01 is the evening of year 0 in UTC, which no datetime holds (a query for it
# failed with 500 when the database driver converted it): days before this one start at its midnight.
_FIRST_DAY = date(1, 1, 2)


def midnight(day: date) -> datetime:
    """The first moment of a Tokyo calendar day: where every day, month and year range of the city starts.
    (Days before 0001-01-02 start at that day's midnight: there is nothing earlier to find.)"""
    return datetime.combine(max(day, _FIRST_DAY), time(), TOKYO)


def day_after(day: date) -> datetime:
    """The first moment after the Tokyo day `day`: where a range that includes it ends. The last day a date
    holds (9999-12-31) has no next day, and ends at its own last moment."""
    if day == date.max:
        return datetime.combine(day, time.max, TOKYO)
    return midnight(day + timedelta(days=1))


def month_key(moment: datetime) -> str:
    """'2026-11' for any moment in November 2026, Tokyo time."""
    return tokyo_date(moment).strftime("%Y-%m")


def fiscal_year(moment: datetime) -> int:
    """Japan's fiscal year: FY2026 runs from 2026-04-01 to 2027-03-31 (Tokyo)."""
    day = tokyo_date(moment)
    return day.year if day.month >= 4 else day.year - 1
