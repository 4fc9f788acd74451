"""Instants as the ledger writes them: aware, in UTC, to the microsecond.

One spelling per instant keeps canonical bytes unique, so the same entry always hashes the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime

_EXAMPLE = "2026-11-22T03:04:05.123456+00:00"


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


def parse_timestamp(text: str) -> datetime | None:
    """Read back exactly what ``format_timestamp`` writes; any other spelling gives ``None``."""
    if len(text) != len(_EXAMPLE):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.utcoffset() is None or format_timestamp(moment) != text:
        return None
    return moment.astimezone(UTC)
