"""The NDJSON export: one canonical JSON object per line, entries then the checkpoint that covers them.

Lines are canonical JSON (sorted keys, no whitespace), and ``parse_line`` accepts a line only if
re-encoding what it read gives the line back byte for byte. So every change to an export file, down to
the case of a hex digit or a trailing space, is either a parse failure or a changed value the chain
catches. Lines are written without their ``"\\n"``; ``parse_line`` accepts one trailing ``"\\n"``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from mitapo_ledger._checks import is_strict_int
from mitapo_ledger._decoding import (
    get_hex32,
    get_list,
    get_seq,
    get_str,
    get_timestamp,
    load_json,
    require_object,
)
from mitapo_ledger.assets import Asset
from mitapo_ledger.canonical import ENTRY_FIELDS, canonical_json, entry_fields, entry_from_fields
from mitapo_ledger.checkpoints import Checkpoint, SignedCheckpoint
from mitapo_ledger.cosignatures import Cosignature
from mitapo_ledger.entries import SealedEntry
from mitapo_ledger.errors import InvalidCheckpoint, InvalidSeal, MalformedData, NonCanonical
from mitapo_ledger.starts import BalanceRow, Start
from mitapo_ledger.timestamps import format_timestamp

Record = SealedEntry | SignedCheckpoint | Start | Cosignature

_ENTRY_LINE_FIELDS = ENTRY_FIELDS | {"type", "seq", "prev_hash", "hash"}
_CHECKPOINT_LINE_FIELDS = frozenset(
    {"type", "seq", "hash", "signed_at", "kid", "balances_digest", "signature"}
)
_START_LINE_FIELDS = frozenset({"type", "seq", "hash", "balances"})
_COSIGNATURE_LINE_FIELDS = frozenset({"type", "seq", "hash", "witness", "cosigned_at", "signature"})


def entry_line(sealed: SealedEntry) -> str:
    """One export line for a sealed entry, without the newline."""
    fields = {
        **entry_fields(sealed.entry),
        "type": "entry",
        "seq": sealed.seq,
        "prev_hash": sealed.prev_hash.hex(),
        "hash": sealed.hash.hex(),
    }
    return canonical_json(fields).decode("utf-8")


def checkpoint_line(signed: SignedCheckpoint) -> str:
    """One export line for a signed checkpoint, without the newline."""
    checkpoint = signed.checkpoint
    fields = {
        "type": "checkpoint",
        "seq": checkpoint.seq,
        "hash": checkpoint.hash.hex(),
        "signed_at": format_timestamp(checkpoint.signed_at),
        "kid": checkpoint.kid,
        "balances_digest": checkpoint.balances_digest.hex(),
        "signature": base64.b64encode(signed.signature).decode("ascii"),
    }
    return canonical_json(fields).decode("utf-8")


def start_line(start: Start) -> str:
    """The first line of an export that continues an earlier checkpoint, without the newline."""
    rows = [[account, asset.value, amount] for account, asset, amount in start.balances]
    return canonical_json(
        {"type": "start", "seq": start.seq, "hash": start.hash.hex(), "balances": rows}
    ).decode("utf-8")


def cosignature_line(cosignature: Cosignature) -> str:
    """A witness's cosignature, written right after the checkpoint it cosigns, without the newline."""
    fields = {
        "type": "cosignature",
        "seq": cosignature.seq,
        "hash": cosignature.hash.hex(),
        "witness": cosignature.witness,
        "cosigned_at": format_timestamp(cosignature.cosigned_at),
        "signature": base64.b64encode(cosignature.signature).decode("ascii"),
    }
    return canonical_json(fields).decode("utf-8")


def record_line(record: Record) -> str:
    if isinstance(record, SealedEntry):
        return entry_line(record)
    if isinstance(record, SignedCheckpoint):
        return checkpoint_line(record)
    if isinstance(record, Start):
        return start_line(record)
    return cosignature_line(record)


def parse_line(text: str | bytes) -> Record:
    """Read one export line; raises a ``LedgerError`` (never anything else) when it is not exactly valid."""
    body = line_body(text)
    record = _record_from_json(load_json(body))
    if record_line(record) != body:
        raise NonCanonical("line is not in canonical form")
    return record


def entry_canonical_bytes(body: str) -> bytes:
    """``canonical_bytes(entry, seq)`` cut out of an entry line that ``parse_line`` accepted, without encoding
    the entry again (the verifier's hot path).

    The line is canonical, so its keys stand sorted: ``created_at`` (a quote-free instant), ``hash``,
    ``id``, ``kind``, ``memo``, ``postings``, ``prev_hash``, ``seq``, ``type``. Leaving out ``hash``,
    ``prev_hash`` and ``type`` leaves the entry's own fields and ``seq``, sorted and spelled canonically:
    exactly the hashed bytes. ``,"prev_hash":"`` cannot occur later in the line (only ``seq`` and ``type``
    follow it)."""
    end_of_time = body.index('"', len('{"created_at":"'))
    after_hash = end_of_time + len('","hash":"') + 64 + len('",')
    prev = body.rindex(',"prev_hash":"')
    seq_start = prev + len(',"prev_hash":"') + 64 + len('",')
    return (
        body[: end_of_time + 2]
        + body[after_hash:prev]
        + ","
        + body[seq_start : -len(',"type":"entry"}')]
        + "}"
    ).encode("utf-8")


def line_body(text: str | bytes) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedData("line is not UTF-8") from None
    return text.removesuffix("\n")


def _record_from_json(value: object) -> Record:
    if not isinstance(value, dict):
        raise MalformedData("line must be a JSON object")
    kind = value.get("type")
    if kind == "entry":
        return _sealed_entry(require_object(value, "entry line", _ENTRY_LINE_FIELDS))
    if kind == "checkpoint":
        return _signed_checkpoint(require_object(value, "checkpoint line", _CHECKPOINT_LINE_FIELDS))
    if kind == "start":
        return _start(require_object(value, "start line", _START_LINE_FIELDS))
    if kind == "cosignature":
        return _cosignature(require_object(value, "cosignature line", _COSIGNATURE_LINE_FIELDS))
    raise MalformedData(f"unknown line type {kind!r}")


def _start(obj: Mapping[str, object]) -> Start:
    rows = tuple(_balance_row(item) for item in get_list(obj, "balances"))
    try:
        return Start(seq=get_seq(obj, minimum=0), hash=get_hex32(obj, "hash"), balances=rows)
    except InvalidSeal as error:
        raise MalformedData(str(error)) from None


def _balance_row(item: object) -> BalanceRow:
    if not isinstance(item, list) or len(item) != 3:
        raise MalformedData("a start balance is [account, asset, amount]")
    account, asset, amount = item
    if not isinstance(account, str) or asset not in {a.value for a in Asset} or not is_strict_int(amount):
        raise MalformedData(f"start balance {item!r} is not [account, asset, integer]")
    return account, Asset(asset), amount


def _cosignature(obj: Mapping[str, object]) -> Cosignature:
    try:
        return Cosignature(
            seq=get_seq(obj, minimum=0),
            hash=get_hex32(obj, "hash"),
            witness=get_str(obj, "witness"),
            cosigned_at=get_timestamp(obj, "cosigned_at"),
            signature=_base64(get_str(obj, "signature")),
        )
    except InvalidCheckpoint as error:
        raise MalformedData(str(error)) from None


def _sealed_entry(obj: Mapping[str, object]) -> SealedEntry:
    return SealedEntry(
        entry=entry_from_fields(obj),
        seq=get_seq(obj),
        prev_hash=get_hex32(obj, "prev_hash"),
        hash=get_hex32(obj, "hash"),
    )


def _signed_checkpoint(obj: Mapping[str, object]) -> SignedCheckpoint:
    checkpoint = Checkpoint(
        seq=get_seq(obj, minimum=0),
        hash=get_hex32(obj, "hash"),
        signed_at=get_timestamp(obj, "signed_at"),
        kid=get_str(obj, "kid"),
        balances_digest=get_hex32(obj, "balances_digest"),
    )
    return SignedCheckpoint(checkpoint=checkpoint, signature=_base64(get_str(obj, "signature")))


def _base64(text: str) -> bytes:
    """Standard base64 with padding (RFC 4648 §4); the canonical re-encoding refuses any other spelling."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedData("signature is not base64") from None


def identify_line(text: str | bytes) -> tuple[int | None, str | None]:
    """Best-effort ``(seq, entry id)`` of a line that failed to parse, so a problem can name it."""
    seq, entry_id, _ = stated_link(text)
    return seq, entry_id


def stated_link(text: str | bytes) -> tuple[int | None, str | None, bytes | None]:
    """Best-effort ``(seq, entry id, hash)`` an unreadable entry line states: the verifier links the next
    entry to that hash, so one broken line is one problem and not also the next entry's."""
    try:
        value = load_json(line_body(text))
    except MalformedData:
        return None, None, None
    if not isinstance(value, dict) or value.get("type") not in {"entry", None}:
        return None, None, None
    seq, entry_id = value.get("seq"), value.get("id")
    try:
        stated = get_hex32(value, "hash") if "hash" in value else None
    except MalformedData:
        stated = None
    return (
        seq if is_strict_int(seq) else None,
        entry_id if isinstance(entry_id, str) else None,
        stated,
    )
