"""Strict JSON reading and typed field access, shared by every decoder in the package.

Decoders raise ``MalformedData`` for anything unexpected, never ``KeyError``/``TypeError``/``ValueError``:
the verifier must be able to turn any bad input into a reported problem.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import NoReturn

from mitapo_ledger._checks import is_seq, is_strict_int
from mitapo_ledger.errors import MalformedData, NonCanonical
from mitapo_ledger.timestamps import format_timestamp, is_aware_and_representable

_HEX32 = re.compile(r"[0-9a-f]{64}")


def _refuse_float(text: str) -> NoReturn:
    raise MalformedData(f"number {text!r} is not an integer")


def _refuse_constant(text: str) -> NoReturn:
    raise MalformedData(f"{text} is not JSON")


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise MalformedData("duplicate key in JSON object")
    return result


def load_json(data: bytes | str) -> object:
    """Parse JSON refusing what canonical JSON never contains: floats, NaN, duplicate keys, bad UTF-8."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(
            text,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
            object_pairs_hook=_no_duplicate_keys,
        )
    except MalformedData:
        raise
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise MalformedData(f"not UTF-8 JSON: {error}") from None


def require_object(value: object, what: str, keys: frozenset[str]) -> Mapping[str, object]:
    """A JSON object with exactly ``keys``: an unknown field is as suspicious as a missing one."""
    if not isinstance(value, dict):
        raise MalformedData(f"{what} must be a JSON object")
    if value.keys() != keys:
        missing = sorted(keys - value.keys())
        extra = sorted(value.keys() - keys)
        raise MalformedData(f"{what}: missing fields {missing}, unexpected fields {extra}")
    return value


def get_str(obj: Mapping[str, object], key: str) -> str:
    value = obj[key]
    if not isinstance(value, str):
        raise MalformedData(f"{key} must be a string")
    return value


def get_int(obj: Mapping[str, object], key: str) -> int:
    value = obj[key]
    if not is_strict_int(value):
        raise MalformedData(f"{key} must be an integer")
    return value


def get_seq(obj: Mapping[str, object], key: str = "seq", *, minimum: int = 1) -> int:
    value = obj[key]
    if not is_seq(value, minimum=minimum):
        raise MalformedData(f"{key} must be an integer from {minimum} within 64 bits")
    return value


def get_list(obj: Mapping[str, object], key: str) -> list[object]:
    value = obj[key]
    if not isinstance(value, list):
        raise MalformedData(f"{key} must be a list")
    return value


def get_timestamp(obj: Mapping[str, object], key: str) -> datetime:
    """An instant spelled exactly as ``format_timestamp`` spells it, returned in UTC."""
    text = get_str(obj, key)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MalformedData(f"{key} is not an ISO 8601 timestamp") from None
    if not is_aware_and_representable(moment):
        raise MalformedData(f"{key} must be an aware timestamp")
    if format_timestamp(moment) != text:
        raise NonCanonical(f"{key} must be written in UTC like 2026-11-22T03:04:05.123456+00:00")
    return moment.astimezone(UTC)


def get_hex32(obj: Mapping[str, object], key: str) -> bytes:
    """32 bytes as exactly 64 lower-case hex digits; ``A`` for ``a`` would be a second spelling."""
    text = get_str(obj, key)
    if not _HEX32.fullmatch(text):
        raise MalformedData(f"{key} must be 64 lower-case hex digits")
    return bytes.fromhex(text)
