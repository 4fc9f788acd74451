"""``mitapo-ledger verify``: check an export offline, trusting nothing but the public keys given.

Exit status: 0 when every check holds, 1 when there are problems, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mitapo_ledger.checkpoints import SignedCheckpoint, key_id, public_key_b64, public_key_from_b64
from mitapo_ledger.errors import LedgerError
from mitapo_ledger.export import parse_line
from mitapo_ledger.timestamps import format_timestamp
from mitapo_ledger.verify import VerifyReport, verify_export

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or unreadable inputs: the export was never checked."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mitapo-ledger", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="verify an NDJSON export against its signed checkpoints")
    verify.add_argument("file", help="the export file, or - for standard input")
    verify.add_argument(
        "--public-key",
        action="append",
        default=[],
        metavar="KEY",
        help="base64 of a raw 32-byte Ed25519 public key (repeatable)",
    )
    verify.add_argument(
        "--public-keys-json",
        metavar="FILE",
        help='a file like {"keys":[{"kid":…,"public_key":…}]}, as GET /v1/audit/public-keys serves',
    )
    verify.add_argument(
        "--since",
        metavar="CHECKPOINT_FILE",
        help="a checkpoint line kept from an earlier export (or that export): the export must extend it",
    )
    verify.add_argument(
        "--witness",
        action="append",
        default=[],
        metavar="KEY",
        help="base64 of a witness's Ed25519 public key: a checkpoint must be cosigned by it (repeatable)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits; return its status so callers can test main() directly
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        keys = _collect_keys(args.public_key, args.public_keys_json)
        since = None if args.since is None else read_kept_checkpoint(args.since)
        witnesses = _witness_keys(args.witness)
        report = _verify_file(args.file, keys, since, witnesses)
    except UsageError as error:
        print(f"mitapo-ledger: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(render(report, keys, since))
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def read_kept_checkpoint(path: str) -> SignedCheckpoint:
    """The last checkpoint line of a file: a kept checkpoint line, or a whole earlier export."""
    try:
        with open(path, "rb") as handle:
            lines = handle.read().splitlines()
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
    kept: SignedCheckpoint | None = None
    for text in lines:
        try:
            record = parse_line(text)
        except LedgerError as error:
            raise UsageError(f"{path}: {error}") from None
        if isinstance(record, SignedCheckpoint):
            kept = record
    if kept is None:
        raise UsageError(f"{path} holds no checkpoint line")
    return kept


def _witness_keys(b64_keys: Iterable[str]) -> dict[str, Ed25519PublicKey]:
    try:
        return {key_id(key): key for key in map(public_key_from_b64, b64_keys)}
    except LedgerError as error:
        raise UsageError(f"--witness: {error}") from None


def _collect_keys(b64_keys: Iterable[str], keys_json: str | None) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    try:
        for text in b64_keys:
            key = public_key_from_b64(text)
            keys[key_id(key)] = key
        if keys_json is not None:
            keys.update(_keys_from_json(keys_json))
    except LedgerError as error:
        raise UsageError(str(error)) from None
    if not keys:
        raise UsageError("give at least one --public-key or --public-keys-json")
    return keys


def _keys_from_json(path: str) -> dict[str, Ed25519PublicKey]:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        listed = [(item["kid"], item["public_key"]) for item in document["keys"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"cannot read public keys from {path}: {error}") from None
    keys: dict[str, Ed25519PublicKey] = {}
    for kid, text in listed:
        key = public_key_from_b64(text)
        if key_id(key) != kid:
            raise UsageError(f"{path}: key listed as {kid} names itself {key_id(key)}")
        keys[kid] = key
    return keys


def _verify_file(
    path: str,
    keys: dict[str, Ed25519PublicKey],
    since: SignedCheckpoint | None,
    witnesses: dict[str, Ed25519PublicKey],
) -> VerifyReport:
    """Read bytes, not text: a corrupted byte must become a reported problem, not a decoding crash."""
    with ExitStack() as stack:
        try:
            source: BinaryIO = sys.stdin.buffer if path == "-" else stack.enter_context(open(path, "rb"))
            return verify_export(source, keys, since=since, witnesses=witnesses)
        except OSError as error:
            raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


def render(
    report: VerifyReport,
    keys: Mapping[str, Ed25519PublicKey],
    since: SignedCheckpoint | None = None,
    now: datetime | None = None,
) -> str:
    """The verdict, then what it rests on: the key used, the newest checkpoint and its age, the witnesses."""
    head = f"head seq {report.head_seq} hash {report.head_hash.hex()}"
    if report.ok:
        lines = [f"ok: {report.entries_checked} entries, {head}"]
    else:
        count = len(report.problems)
        lines = [
            f"FAILED: {count} problem{'s' if count != 1 else ''} in {report.entries_checked} entries, {head}"
        ]
        lines += [f"  {problem}" for problem in report.problems]
    newest = report.newest_checkpoint
    if newest is not None:
        checkpoint = newest.checkpoint
        key = keys.get(checkpoint.kid)
        named = (
            f"key {checkpoint.kid} ({public_key_b64(key)})" if key else f"key {checkpoint.kid} (not given)"
        )
        age = _age((now or datetime.now(UTC)) - checkpoint.signed_at)
        lines.append(
            f"newest checkpoint: seq {checkpoint.seq}, signed {format_timestamp(checkpoint.signed_at)} "
            f"({age} ago) with {named}"
        )
    if since is not None and report.ok:
        lines.append(f"extends the checkpoint kept from before: seq {since.checkpoint.seq}")
    lines += [f"cosigned by witness {kid} at seq {seq}" for kid, seq in report.cosigned]
    return "\n".join(lines)


def _age(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 0:
        return f"{-seconds} s in the future, not"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes)
    return " ".join(parts[:2]) if parts else f"{seconds} s"
