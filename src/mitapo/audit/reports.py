"""What auditors see: the trial balance, the journal page by page, the export, and verification.

Verification here uses the very `ChainVerifier` that the offline `mitapo-ledger verify` uses, fed from the
database instead of a file, and adds what only the server can check: every maintained balance equals the
replay of its postings, nothing is negative that may not be, and the pending holds add up.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from mitapo.audit import witnesses
from mitapo.engine import journal, sealer
from mitapo.engine.catalog import Code
from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo_ledger import (
    ChainVerifier,
    Cosignature,
    Problem,
    SignedCheckpoint,
    checkpoint_line,
    cosignature_line,
    entry_line,
    start_from_balances,
    start_line,
)

CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    entries_checked: int
    head_seq: int
    head_hash: str
    problems: tuple[dict[str, Any], ...] = field(default_factory=tuple)


async def trial_balance(db: Database) -> dict[str, Any]:
    async with db.read() as conn:
        rows = await journal.all_balances(conn)
    assets: dict[str, dict[str, int]] = {
        "PT": {"debits": 0, "credits": 0},
        "JPY": {"debits": 0, "credits": 0},
    }
    accounts = []
    for account, asset, posted, _pending, _sign, _neg in rows:
        side = "debits" if posted > 0 else "credits"
        assets[asset][side] += abs(posted)
        if posted:
            accounts.append({"account": account, "asset": asset, "balance": posted})
    return {"assets": assets, "accounts": accounts}


async def public_keys(db: Database) -> dict[str, Ed25519PublicKey]:
    async with db.raw() as conn:
        raw = await sealer.published_keys(conn)
    return {kid: Ed25519PublicKey.from_public_bytes(key) for kid, key in raw.items()}


async def verify(db: Database) -> Verification:
    verifier = ChainVerifier(await public_keys(db), unique_ids=False)  # entries.id is the primary key
    async with db.raw() as conn:
        checkpoints = {c.checkpoint.seq: c for c in await sealer.signed_checkpoints(conn)}
        head = await sealer.head(conn)
        after = 0
        while after < head.seq:
            chunk = await sealer.sealed_chunk(conn, after, min(after + CHUNK, head.seq))
            for sealed in chunk:
                verifier.add_entry(sealed)
                if sealed.seq in checkpoints:
                    verifier.add_checkpoint(checkpoints[sealed.seq])
            after += CHUNK
    problems = [p for p in verifier.report().problems if p.code not in {"unanchored", "no_checkpoint"}]
    problems += await _balance_problems(db)
    report = verifier.report()
    return Verification(
        ok=not problems,
        entries_checked=report.entries_checked,
        head_seq=report.head_seq,
        head_hash=report.head_hash.hex(),
        problems=tuple(_problem_dict(p) for p in problems),
    )


async def _balance_problems(db: Database) -> list[Problem]:
    async with db.read() as conn:
        maintained = await journal.all_balances(conn)
        replayed = await journal.replayed_balances(conn)
    problems: list[Problem] = []
    totals: dict[str, int] = {}
    for account, asset, posted, pending, sign, may_go_negative in maintained:
        totals[asset] = totals.get(asset, 0) + posted
        if replayed.get((account, asset), 0) != posted:
            detail = f"{account} {asset}: maintained {posted}, replayed {replayed.get((account, asset), 0)}"
            problems.append(Problem("balance_mismatch", detail))
        if not may_go_negative and sign * posted - pending < 0:
            problems.append(Problem("negative_balance", f"{account} {asset} is below zero"))
    problems += [
        Problem("assets_do_not_sum_to_zero", f"{asset} balances sum to {total}")
        for asset, total in totals.items()
        if total != 0
    ]
    return problems


def _problem_dict(problem: Problem) -> dict[str, Any]:
    return {
        "code": problem.code,
        "detail": problem.detail,
        "seq": problem.seq,
        "entry_id": problem.entry_id,
    }


async def entries_page(
    db: Database, after_seq: int, limit: int
) -> tuple[list[journal.EntryView], int | None]:
    async with db.read() as conn:
        items = await journal.sealed_entries(conn, after_seq, limit)
    next_after = items[-1].seq if len(items) == limit and items else None
    return items, next_after


async def since_checkpoint(db: Database, seq: int, head_hash: str) -> int:
    """The seq of the stored checkpoint an export is asked to extend; refused when the service signed none
    there, or one stating another hash (the auditor saw another history: the service cannot extend it)."""
    async with db.raw() as conn:
        kept = await sealer.checkpoint_at(conn, seq)
    if kept is None:
        raise DomainError(Code.NOT_FOUND, f"no checkpoint was signed at seq {seq}")
    if kept.checkpoint.hash.hex() != head_hash:
        raise DomainError(
            Code.CHECKPOINT_MISMATCH,
            f"the checkpoint at seq {seq} states hash {kept.checkpoint.hash.hex()}, not {head_hash}",
        )
    return seq


async def export_lines(
    db: Database, until_seq: int | None = None, since_seq: int | None = None
) -> AsyncIterator[str]:
    """Every sealed entry up to the checkpoint at `until_seq` (the route signs one for its export; by default
    the latest stored), then that checkpoint, one JSON object per line. With `since_seq` (a stored
    checkpoint's), it starts after that seq: a start line with the balances there, that checkpoint, then the
    entries after it, so that the export proves it extends what the auditor kept. Each witness's newest
    cosigned checkpoint stands after its entry, and every checkpoint is followed by its cosignatures."""
    async with db.raw() as conn:
        latest = await (
            sealer.latest_checkpoint(conn) if until_seq is None else sealer.checkpoint_at(conn, until_seq)
        )
        if latest is None:
            return
        until, after = latest.checkpoint.seq, since_seq or 0
        inline = await witnesses.newest_cosigned(conn, after, until)
        cosigned = await witnesses.cosignatures_of(conn, [after, *inline, until])
        if since_seq is not None:
            kept = await sealer.checkpoint_at(conn, since_seq)
            if kept is None:
                return
            balances = await sealer.balances_at(conn, since_seq)
            yield start_line(start_from_balances(since_seq, kept.checkpoint.hash, balances)) + "\n"
            for line in _checkpoint_lines(kept, cosigned):
                yield line
        while after < until:
            for sealed in await sealer.sealed_chunk(conn, after, min(after + CHUNK, until)):
                yield entry_line(sealed) + "\n"
                if sealed.seq in inline and (signed := await sealer.checkpoint_at(conn, sealed.seq)):
                    for line in _checkpoint_lines(signed, cosigned):
                        yield line
            after += CHUNK
        if since_seq != until:
            for line in _checkpoint_lines(latest, cosigned):
                yield line


def _checkpoint_lines(signed: SignedCheckpoint, cosigned: dict[int, list[Cosignature]]) -> list[str]:
    """A checkpoint's line, then its witnesses' cosignatures."""
    found = cosigned.get(signed.checkpoint.seq, [])
    return [checkpoint_line(signed) + "\n", *(cosignature_line(c) + "\n" for c in found)]


async def checkpoints_page(
    db: Database, after_seq: int, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    """Stored checkpoints after `after_seq`, each as its export line's JSON object with its cosignatures."""
    async with db.raw() as conn:
        found = await sealer.signed_checkpoints(conn, after_seq, limit)
        cosigned = await witnesses.cosignatures_of(conn, [s.checkpoint.seq for s in found])
    items = [
        {
            **json.loads(checkpoint_line(signed)),
            "cosignatures": [
                json.loads(cosignature_line(c)) for c in cosigned.get(signed.checkpoint.seq, [])
            ],
        }
        for signed in found
    ]
    return items, (items[-1]["seq"] if len(items) == limit else None)
