"""``mitapo-ledger verify``: check an export offline, trusting nothing but the public keys given.

Exit status: 0 when every check holds, 1 when there are problems, 2 on usage errors; ``witness`` exits 3
when it refuses a fork.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mitapo_ledger.checkpoints import SignedCheckpoint, key_id, public_key_b64, public_key_from_b64
from mitapo_ledger.errors import LedgerError
from mitapo_ledger.export import parse_line
from mitapo_ledger.timestamps import format_timestamp
from mitapo_ledger.verify import VerifyReport, verify_export
from mitapo_ledger.witness import (
    HttpSource,
    Refused,
    create_private_key,
    fork_banner,
    load_private_key,
    witness_once,
)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_FORK = 0, 1, 2, 3


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
    witness = commands.add_parser(
        "witness", help="cosign the service's newest checkpoint if it extends the last one cosigned"
    )
    witness.add_argument("--url", required=True, help="the service, e.g. https://mitapo.example.jp")
    witness.add_argument("--token", help="an auditor's secret for reading exports (default: $MITAPO_TOKEN)")
    witness.add_argument("--key", required=True, metavar="FILE", help="the witness's Ed25519 key (PEM)")
    witness.add_argument(
        "--state", required=True, metavar="FILE", help="the last cosigned checkpoint line, kept between runs"
    )
    witness.add_argument("--public-key", action="append", default=[], metavar="KEY", help="as for verify")
    witness.add_argument("--public-keys-json", metavar="FILE", help="as for verify")
    keygen = commands.add_parser("witness-key", help="create a witness key and print its kid and public key")
    keygen.add_argument("file", help="where to write the new key (PEM, owner-only); never overwritten")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits; return its status so callers can test main() directly
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    if args.command == "witness":
        return _witness(args)
    if args.command == "witness-key":
        return _witness_key(args.file)
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


def _witness(args: argparse.Namespace) -> int:
    """Exit 0 after cosigning, 3 on a fork (refused loudly), 1 on an export that does not verify, 2 on
    usage errors."""
    try:
        keys = _collect_keys(args.public_key, args.public_keys_json)
        token = args.token or os.environ.get("MITAPO_TOKEN")
        if not token:
            raise UsageError("give --token or set MITAPO_TOKEN (an auditor's secret)")
        key = load_private_key(Path(args.key))
    except (UsageError, OSError, ValueError) as error:
        print(f"mitapo-ledger: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    state = Path(args.state)
    try:
        cosignature = witness_once(HttpSource(args.url, token), keys, key, state)
    except Refused as refused:
        if refused.fork:
            print("\n".join(fork_banner(str(refused), state)), file=sys.stderr)
            return EXIT_FORK
        print(f"mitapo-ledger witness: refused: {refused}", file=sys.stderr)
        return EXIT_PROBLEMS
    except (OSError, LedgerError) as error:
        print(f"mitapo-ledger witness: error: {error}", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"cosigned seq {cosignature.seq} hash {cosignature.hash.hex()} as witness {cosignature.witness}")
    return EXIT_OK


def _witness_key(path: str) -> int:
    try:
        key = create_private_key(Path(path)).public_key()
    except OSError as error:
        print(f"mitapo-ledger: error: cannot create {path}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"kid {key_id(key)}")
    print(public_key_b64(key))
    return EXIT_OK


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
