"""The canonical encoding: the exact bytes that are hashed and signed.

Sorted keys, no whitespace, UTF-8 without escapes (see docs/ledger-format.md). Decoding is strict: bytes
decode only if they are the canonical encoding of what they decode to, so one value has one spelling.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from mitapo_ledger._checks import is_seq
from mitapo_ledger._decoding import (
    get_int,
    get_list,
    get_seq,
    get_str,
    get_timestamp,
    load_json,
    require_object,
)
from mitapo_ledger.assets import Asset
from mitapo_ledger.entries import Entry, Posting
from mitapo_ledger.errors import InvalidSeal, MalformedData, NonCanonical
from mitapo_ledger.timestamps import format_timestamp

ENTRY_FIELDS = frozenset({"id", "kind", "created_at", "memo", "postings"})
_POSTING_FIELDS = frozenset({"account", "asset", "amount"})


def canonical_json(obj: object) -> bytes:
    """The one JSON spelling used for everything hashed or signed."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def entry_fields(entry: Entry) -> dict[str, object]:
    """The entry's own fields as JSON values; the export adds seq and hashes to the same dict."""
    return {
        "id": entry.id,
        "kind": entry.kind,
        "created_at": format_timestamp(entry.created_at),
        "memo": entry.memo,
        "postings": [
            {"account": p.account, "asset": p.asset.value, "amount": p.amount} for p in entry.postings
        ],
    }


def entry_from_fields(obj: Mapping[str, object]) -> Entry:
    """Build an ``Entry`` from decoded JSON; raises ``MalformedData`` or the entry's own validation error."""
    postings = tuple(_posting_from_json(item) for item in get_list(obj, "postings"))
    return Entry(
        id=get_str(obj, "id"),
        kind=get_str(obj, "kind"),
        created_at=get_timestamp(obj, "created_at"),
        memo=get_str(obj, "memo"),
        postings=postings,
    )


def _posting_from_json(item: object) -> Posting:
    obj = require_object(item, "posting", _POSTING_FIELDS)
    asset_code = get_str(obj, "asset")
    try:
        asset = Asset(asset_code)
    except ValueError:
        raise MalformedData(f"unknown asset {asset_code!r}") from None
    return Posting(account=get_str(obj, "account"), asset=asset, amount=get_int(obj, "amount"))


def canonical_bytes(entry: Entry, seq: int) -> bytes:
    """The bytes of ``entry`` at position ``seq``; hashing these links the chain."""
    if not is_seq(seq):
        raise InvalidSeal(f"entry {entry.id!r}: seq must be a positive int, got {seq!r}")
    return canonical_json({**entry_fields(entry), "seq": seq})


def decode_canonical(data: bytes) -> tuple[Entry, int]:
    """Inverse of ``canonical_bytes``; refuses any byte string that is not exactly canonical."""
    obj = require_object(load_json(data), "entry", ENTRY_FIELDS | {"seq"})
    entry, seq = entry_from_fields(obj), get_seq(obj)
    if canonical_bytes(entry, seq) != data:
        raise NonCanonical(f"entry {entry.id!r}: bytes are not in canonical form")
    return entry, seq
