"""The two things the ledger counts, and how large a count may be."""

from __future__ import annotations

from enum import StrEnum


class Asset(StrEnum):
    """An asset: みたポ points or prepaid yen. A ``StrEnum`` so it writes itself as its code in JSON."""

    PT = "PT"
    JPY = "JPY"


MAX_AMOUNT = 2**63 - 1
"""The largest magnitude of one posting: amounts must fit a signed 64-bit database column."""
