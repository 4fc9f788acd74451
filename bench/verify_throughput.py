"""Entries per second through the offline verifier, `mitapo-ledger verify`, over a million-entry export.

`python -m bench.verify_throughput [--entries N] [--file PATH] [--keep]` writes an export of N entries
(default 1,000,000; a town's shape: 10,000 residents' wallets, programs, shops, both assets, a checkpoint
every 100,000 entries and one at the head, all signed with a throwaway key), then runs the command an auditor
runs, `mitapo-ledger verify FILE --public-key KEY`, in a process of its own, and prints its wall time, CPU
time and entries per second. Writing the file is not timed. The figure is in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from mitapo_ledger import (
    GENESIS_HASH,
    Asset,
    Checkpoint,
    Entry,
    Posting,
    RunningBalances,
    checkpoint_line,
    entry_line,
    key_id,
    public_key_b64,
    seal,
    sign_checkpoint,
)

CHUNK = 10_000
CHECKPOINT_EVERY = 100_000
START = datetime(2026, 4, 1, tzinfo=UTC)


def entry(n: int) -> Entry:
    """Entry n of a plausible town: a funding now and then, grants, payments in points and in money."""
    when = START + timedelta(seconds=n)
    resident = f"resident:{n % 10_000:05d}"
    if n % 1000 == 1:
        legs = [("program:p1:budget", Asset.PT, 1_000_000), ("city:issuance", Asset.PT, -1_000_000)]
        kind = "funding"
    elif n % 3 == 0:
        legs = [(f"{resident}:points:2027-03-31", Asset.PT, 300), ("program:p1:budget", Asset.PT, -300)]
        kind = "grant"
    elif n % 3 == 1:
        legs = [(f"merchant:m{n % 200}:receivable", Asset.PT, 120), ("program:p1:budget", Asset.PT, -120)]
        kind = "payment"
    else:
        legs = [(f"{resident}:money", Asset.JPY, 1000), ("channel:bank:clearing", Asset.JPY, -1000)]
        kind = "topup"
    postings = tuple(Posting(account, asset, amount) for account, asset, amount in legs)
    return Entry(id=f"e{n:09d}", kind=kind, created_at=when, memo="三鷹", postings=postings)


def write_export(path: Path, count: int, key: Ed25519PrivateKey) -> None:
    kid = key_id(key.public_key())
    balances = RunningBalances()
    prev, next_seq = GENESIS_HASH, 1
    with path.open("w", encoding="utf-8") as out:
        while next_seq <= count:
            batch = [entry(n) for n in range(next_seq, min(next_seq + CHUNK, count + 1))]
            for sealed in seal(batch, prev_hash=prev, next_seq=next_seq):
                out.write(entry_line(sealed) + "\n")
                balances.apply(sealed.entry)
                prev = sealed.hash
                if sealed.seq % CHECKPOINT_EVERY == 0 or sealed.seq == count:
                    checkpoint = Checkpoint(
                        sealed.seq, sealed.hash, sealed.entry.created_at, kid, balances.digest()
                    )
                    out.write(checkpoint_line(sign_checkpoint(checkpoint, key)) + "\n")
            next_seq += len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path, help="write the export here (default: a temporary file)")
    parser.add_argument("--keep", action="store_true", help="keep the export file")
    args = parser.parse_args()
    key = Ed25519PrivateKey.generate()
    path = args.file or Path(tempfile.mkstemp(suffix=".ndjson")[1])
    started = time.perf_counter()
    write_export(path, args.entries, key)
    size, took = path.stat().st_size / 1e6, time.perf_counter() - started
    print(f"wrote {args.entries:,} entries ({size:,.0f} MB) in {took:.1f} s")
    command = [
        sys.executable,
        "-m",
        "mitapo_ledger",
        "verify",
        str(path),
        "--public-key",
        public_key_b64(key.public_key()),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(result.stdout.splitlines()[0] if result.stdout else result.stderr)
    print(
        f"mitapo-ledger verify: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {after.ru_maxrss / 1024:,.0f} MB"
    )
    print(f"**{args.entries / wall:,.0f} entries/s** ({args.entries / cpu:,.0f} per CPU second)")
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs")
    if not args.keep and args.file is None:
        path.unlink()
    sys.exit(result.returncode)


if __name__ == "__main__":
    main()
