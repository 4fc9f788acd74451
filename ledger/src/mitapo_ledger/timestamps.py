"""Instants as the ledger writes them: aware, in UTC, to the microsecond.

One spelling per instant keeps canonical bytes unique, so the same entry always hashes the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime


def is_aware_and_representable(moment: object) -> bool:
    """True for an aware ``datetime`` that can be converted to UTC without leaving the calendar.

    A naive time has no place on a timeline shared across machines, and 0001-01-01 at +09:00 has no UTC
    spelling at all; either would make an entry impossible to encode.
    """
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        return False
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def format_timestamp(moment: datetime) -> str:
    """The one canonical spelling, e.g. ``2026-11-22T03:04:05.123456+00:00``."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
