"""Someone with the database's superuser password edits the journal behind the triggers; the audit finds it.

A superuser can switch the append-only triggers off (`ALTER TABLE ... DISABLE TRIGGER ALL`; replica mode
would not do, they are ENABLE ALWAYS). What they cannot do is recompute the hash chain under the signed
checkpoint. So after a careful forgery (an entry's amounts doubled on both legs, so it still balances, and the
balances moved to match; or only its memo rewritten), `services.audit.verify`, `mitapo audit verify` and the
offline verifier over a fresh export all name the forged entry, while the export an auditor took before the
edit still verifies and differs from the new one in exactly that entry's line.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from mitapo.audit import reports
from mitapo.engine import ledger
from mitapo.engine.commands import AccountSpec, Command, Leg
from mitapo.engine.database import Database
from mitapo.runtime import Runtime
from mitapo_ledger import public_key_b64, verify_export
from tests.integration.ledger_checks import running, seal_sign_and_verify

pytestmark = pytest.mark.db

ISSUANCE = AccountSpec("issuance", "equity", ("PT",), may_go_negative=True)
WALLETS = (AccountSpec("a", "liability", ("PT",)), AccountSpec("b", "liability", ("PT",)))
FORGED = uuid.UUID("00000000-0000-4000-8000-00000000f0f0")


async def write_some_history(db: Database) -> None:
    """A funding, then three transfers; the middle one is the one to be forged."""
    await ledger.open_accounts(db, ISSUANCE, *WALLETS)
    await ledger.post(
        db, Command(kind="funding", postings=(Leg("issuance", "PT", 1000), Leg("a", "PT", -1000)))
    )
    for memo, amount, entry_id in (
        ("lunch", 100, uuid.uuid4()),
        ("三鷹の森 clean-up", 200, FORGED),
        ("", 50, uuid.uuid4()),
    ):
        legs = (Leg("a", "PT", amount), Leg("b", "PT", -amount))
        await ledger.post(db, Command(kind="gift", postings=legs, memo=memo, entry_id=entry_id))


async def double_the_amounts(conn: asyncpg.Connection) -> None:
    """Both legs doubled, so the entry still balances; the balances follow, so that they replay."""
    await conn.execute("ALTER TABLE postings DISABLE TRIGGER ALL")
    await conn.execute(
        "UPDATE balances AS b SET posted = b.posted + p.amount FROM postings AS p "
        "WHERE p.entry_id = $1 AND b.account = p.account AND b.asset = p.asset",
        FORGED,
    )
    await conn.execute("UPDATE postings SET amount = amount * 2 WHERE entry_id = $1", FORGED)
    await conn.execute("ALTER TABLE postings ENABLE TRIGGER ALL")


async def rewrite_the_memo(conn: asyncpg.Connection) -> None:
    await conn.execute("ALTER TABLE entries DISABLE TRIGGER ALL")
    await conn.execute("UPDATE entries SET memo = 'nothing happened here' WHERE id = $1", FORGED)
    await conn.execute("ALTER TABLE entries ENABLE TRIGGER ALL")


FORGERIES: dict[str, Callable[[asyncpg.Connection], Awaitable[None]]] = {
    "amount": double_the_amounts,
    "memo": rewrite_the_memo,
}


async def mitapo_audit_verify(url: str, data_dir: Path) -> tuple[int, str]:
    """`mitapo audit verify` in its own process, configured as an operator would: by the environment."""
    env = {**os.environ, "MITAPO_DATABASE_URL": url, "MITAPO_DATA_DIR": str(data_dir)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mitapo.cli.main", "audit", "verify", env=env, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, stdout.decode()


async def mitapo_ledger_verify(lines: list[str], runtime: Runtime, path: Path) -> int:
    """`mitapo-ledger verify FILE --public-key KEY`, the auditor's own tool, trusting only the public key."""
    path.write_text("".join(lines), encoding="utf-8")
    key = public_key_b64(runtime.keys.current.public_key())
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mitapo_ledger",
        "verify",
        str(path),
        "--public-key",
        key,
        stdout=asyncio.subprocess.DEVNULL,
    )
    return await process.wait()


def hash_mismatches(
    problems: list[tuple[str, int | None, str | None]],
) -> list[tuple[int | None, str | None]]:
    return [(seq, entry_id) for code, seq, entry_id in problems if code == "hash_mismatch"]


@pytest.mark.parametrize("forgery", FORGERIES)
def test_an_edit_behind_the_triggers_is_found(database_url: str, tmp_path: Path, forgery: str) -> None:
    async def main() -> None:
        async with running(database_url, tmp_path) as runtime:
            await write_some_history(runtime.db)
            before = await seal_sign_and_verify(runtime)
            assert (await mitapo_audit_verify(database_url, tmp_path))[0] == 0
            conn = await asyncpg.connect(database_url)
            try:
                seq = await conn.fetchval("SELECT seq FROM seals WHERE entry_id = $1", FORGED)
                await FORGERIES[forgery](conn)
            finally:
                await conn.close()
            forged = (seq, str(FORGED))

            verification = await reports.verify(runtime.db)
            found = [(p["code"], p["seq"], p["entry_id"]) for p in verification.problems]
            assert not verification.ok and hash_mismatches(found) == [forged]

            exit_code, output = await mitapo_audit_verify(database_url, tmp_path)
            assert exit_code == 1 and f"PROBLEM hash_mismatch seq={seq} entry={FORGED}" in output

            after = [line async for line in reports.export_lines(runtime.db)]
            report = verify_export(after, runtime.keys.public_keys)
            assert hash_mismatches([(p.code, p.seq, p.entry_id) for p in report.problems]) == [forged]
            assert [p.line for p in report.problems if p.code == "hash_mismatch"] == [seq]
            assert await mitapo_ledger_verify(after, runtime, tmp_path / "after.ndjson") == 1

            assert verify_export(before, runtime.keys.public_keys).ok
            assert await mitapo_ledger_verify(before, runtime, tmp_path / "before.ndjson") == 0
            assert [n for n, (old, new) in enumerate(zip(before, after, strict=True), 1) if old != new] == [
                seq
            ]

    asyncio.run(main())
