"""Bank business days: when a transfer can be made. Banks in Japan close on Saturdays, Sundays, the national
holidays (`jpholiday`, which follows the Cabinet Office's list, substitute holidays included) and from
31 December to 3 January (the bank holidays of the Banking Act's order)."""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday

_NEW_YEAR = {(12, 31), (1, 1), (1, 2), (1, 3)}


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in _NEW_YEAR and not jpholiday.is_holiday(day)


def transfer_date(settled_on: date, business_days: int) -> date:
    """The city's rule for paying out a settlement: the `business_days`-th bank business day after the day
    it was settled (1: the next business day)."""
    if business_days < 1:
        raise ValueError("a transfer is at least one business day after the settlement")
    day, left = settled_on, business_days
    while left:
        day += timedelta(days=1)
        left -= is_business_day(day)
    return day
