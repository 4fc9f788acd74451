"""``mitapo-ledger verify``: check an export offline, trusting nothing but the public keys given.

Exit status: 0 when every check holds, 1 when there are problems, 2 on usage errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from typing import BinaryIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mitapo_ledger.checkpoints import key_id, public_key_from_b64
from mitapo_ledger.errors import LedgerError
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits; return its status so callers can test main() directly
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        keys = _collect_keys(args.public_key, args.public_keys_json)
        report = _verify_file(args.file, keys)
    except UsageError as error:
        print(f"mitapo-ledger: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(_render(report))
    return EXIT_OK if report.ok else EXIT_PROBLEMS


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


def _verify_file(path: str, keys: dict[str, Ed25519PublicKey]) -> VerifyReport:
    """Read bytes, not text: a corrupted byte must become a reported problem, not a decoding crash."""
    with ExitStack() as stack:
        try:
            source: BinaryIO = sys.stdin.buffer if path == "-" else stack.enter_context(open(path, "rb"))
            return verify_export(source, keys)
        except OSError as error:
            raise UsageError(f"cannot read {path}: {error.strerror or error}") from None


def _render(report: VerifyReport) -> str:
    head = f"head seq {report.head_seq} hash {report.head_hash.hex()}"
    if report.ok:
        lines = [f"ok: {report.entries_checked} entries, {head}"]
    else:
        count = len(report.problems)
        lines = [
            f"FAILED: {count} problem{'s' if count != 1 else ''} in {report.entries_checked} entries, {head}"
        ]
        lines += [f"  {problem}" for problem in report.problems]
    return "\n".join(lines)
