"""What must hold after the bank run, each check naming what it found wrong.

The clients' histories against the journal: an `ok` operation's Idempotency-Key recorded with the entry it
was answered, that entry in the journal; a `fail` wrote nothing under its key; an `unknown` at most one entry;
and no entry in the journal that no operation asked for. Then the journal itself, twice: the service's own
verification, and an independent replay of its export by this module and by the offline verifier."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.deploy.processes import VENV_BIN
from tests.faults.clients import History, Read

JOURNAL_KIND = {
    "topup": "topup",
    "payment": "payment",
    "refund": "refund",
    "gift": "gift",
    "checkin": "grant",
}


async def entries(url: str) -> dict[str, str]:
    """Every entry's id and kind."""
    conn = await asyncpg.connect(url)
    try:
        return {str(r["id"]): r["kind"] for r in await conn.fetch("SELECT id, kind FROM entries")}
    finally:
        await conn.close()


async def recorded_keys(url: str) -> dict[tuple[str, str], str | None]:
    """Every Idempotency-Key the writer recorded, with the entry it wrote."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT scope, key, entry_id FROM idempotency_keys")
    finally:
        await conn.close()
    return {(r["scope"], r["key"]): None if r["entry_id"] is None else str(r["entry_id"]) for r in rows}


def against_journal(
    history: History, keys: Mapping[tuple[str, str], str | None], journal: dict[str, str], seeded: set[str]
) -> list[str]:
    problems: list[str] = []
    claimed: Counter[str] = Counter()
    for op in history.ops:
        written = keys.get((op.scope, op.key))
        if written is not None:
            claimed[written] += 1
            if journal.get(written) != JOURNAL_KIND[op.kind]:
                problems.append(
                    f"{op.kind} {op.key}: its key names entry {written}, not a {op.kind} in the journal"
                )
        if op.outcome == "ok" and (written is None or written != op.entry_id):
            problems.append(f"ok {op.kind} {op.key} answered entry {op.entry_id}, the journal has {written}")
        if op.outcome == "fail" and written is not None:
            problems.append(f"failed {op.kind} {op.key} ({op.code}) is in the journal as {written}")
    problems += [f"entry {e} is claimed by {n} operations" for e, n in claimed.items() if n > 1]
    invented = set(journal) - seeded - set(claimed)
    problems += [f"entry {e} ({journal[e]}) was written for no operation" for e in sorted(invented)]
    return problems


def reads_balanced(reads: list[Read]) -> list[str]:
    return [
        f"trial balance read at {r.at:.1f} s did not balance: {r.detail}" for r in reads if not r.consistent
    ]


async def service_verification(
    http: httpx.AsyncClient, auditor: str, total: int
) -> tuple[dict[str, Any], list[str]]:
    answer = await http.get("/v1/audit/verify", headers={"Authorization": f"Bearer {auditor}"}, timeout=300)
    result: dict[str, Any] = answer.json()
    problems = [f"GET /v1/audit/verify: {p['code']} {p['detail']}" for p in result.get("problems", [])]
    if not result.get("ok"):
        problems.append("GET /v1/audit/verify is not ok")
    if result.get("entries_checked") != total:
        problems.append(f"verified {result.get('entries_checked')} entries of {total} in the journal")
    return result, problems


async def export(http: httpx.AsyncClient, auditor: str, directory: Path) -> tuple[Path, Path]:
    headers = {"Authorization": f"Bearer {auditor}"}
    exported = directory / "export.ndjson"
    async with http.stream("GET", "/v1/audit/export", headers=headers, timeout=300) as answer:
        with exported.open("wb") as sink:
            async for chunk in answer.aiter_bytes():
                sink.write(chunk)
    keys = directory / "public-keys.json"
    keys.write_text((await http.get("/v1/audit/public-keys", timeout=60)).text)
    return exported, keys


def replay(exported: Path, trial_balance: dict[str, Any]) -> tuple[int, list[str]]:
    """Sum the export's postings per account: per asset to zero, and equal to the service's trial balance."""
    sums: Counter[tuple[str, str]] = Counter()
    entries_seen = 0
    for line in exported.read_text().splitlines():
        item = json.loads(line)
        if item["type"] == "entry":
            entries_seen += 1
            for posting in item["postings"]:
                sums[(posting["account"], posting["asset"])] += posting["amount"]
    per_asset: Counter[str] = Counter()
    for (_, asset), amount in sums.items():
        per_asset[asset] += amount
    problems = [f"{asset} sums to {total} in the export" for asset, total in per_asset.items() if total]
    served = {(a["account"], a["asset"]): a["balance"] for a in trial_balance["accounts"]}
    replayed = {k: v for k, v in sums.items() if v}
    if served != replayed:
        differ = sorted(k for k in served.keys() | replayed.keys() if served.get(k) != replayed.get(k))
        problems.append(f"{len(differ)} balances differ from the replay of the export, e.g. {differ[:3]}")
    return entries_seen, problems


def offline_verifier(exported: Path, keys: Path) -> tuple[str, list[str]]:
    done = subprocess.run(
        [str(VENV_BIN / "mitapo-ledger"), "verify", str(exported), "--public-keys-json", str(keys)],
        capture_output=True,
        text=True,
        check=False,
    )
    said = (done.stdout + done.stderr).strip().splitlines()
    last = said[-1] if said else ""
    return last, [] if done.returncode == 0 else [f"mitapo-ledger verify exited {done.returncode}: {last}"]


async def negative_balances(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT account, asset, posted, pending FROM balances "
            "WHERE NOT may_go_negative AND normal_sign * posted - pending < 0"
        )
    finally:
        await conn.close()
    return [
        f"{r['account']} {r['asset']} is negative: {r['posted']} posted, {r['pending']} pending" for r in rows
    ]
