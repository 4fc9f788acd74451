"""Time as the city counts it: days, months and fiscal years (April to March) in Asia/Tokyo."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def now() -> datetime:
    return datetime.now(UTC)


def tokyo_date(moment: datetime) -> date:
    return moment.astimezone(TOKYO).date()


def midnight(day: date) -> datetime:
    """The first moment of a Tokyo calendar day: where every day, month and year range of the city starts."""
    return datetime.combine(day, time(), TOKYO)


def month_key(moment: datetime) -> str:
    """'2026-11' for any moment in November 2026, Tokyo time."""
    return tokyo_date(moment).strftime("%Y-%m")


def fiscal_year(moment: datetime) -> int:
    """Japan's fiscal year: FY2026 runs from 2026-04-01 to 2027-03-31 (Tokyo)."""
    day = tokyo_date(moment)
    return day.year if day.month >= 4 else day.year - 1
