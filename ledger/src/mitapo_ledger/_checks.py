"""Small predicates shared by the value types' constructors."""

from __future__ import annotations

from typing import TypeGuard

from mitapo_ledger.assets import MAX_AMOUNT


def is_strict_int(value: object) -> TypeGuard[int]:
    """An ``int`` that is not a ``bool``: ``True`` is not one point."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_amount(value: object) -> TypeGuard[int]:
    """A non-zero strict int whose magnitude fits a signed 64-bit column."""
    return is_strict_int(value) and value != 0 and abs(value) <= MAX_AMOUNT


def is_text(value: object, *, allow_empty: bool = False) -> TypeGuard[str]:
    """A string that UTF-8 can encode (no lone surrogates), non-empty unless allowed."""
    if not isinstance(value, str) or (not value and not allow_empty):
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_seq(value: object, *, minimum: int = 1) -> TypeGuard[int]:
    """A position in the chain: a strict int from ``minimum`` up to the 64-bit limit."""
    return is_strict_int(value) and minimum <= value <= MAX_AMOUNT


def is_digest(value: object) -> TypeGuard[bytes]:
    """A SHA-256 output: exactly 32 bytes."""
    return isinstance(value, bytes) and len(value) == 32
