"""PostgreSQL itself keeps the journal's rules: raw SQL cannot break them, not even in replica mode.

Every statement here bypasses the service and its writer, as a bug, a migration or a person at a psql prompt
would. Each test first seeds a real journal through the service (entries, postings, seals, a checkpoint and a
spent token) and a row in each other append-only table (check-ins, the money trail, transit's fare rules, taps
and booking ends), then tries one forbidden change and proves the database refused it and kept every row as it
was.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from mitapo.engine import ledger
from mitapo.engine.commands import AccountSpec, Command, Leg, Once
from tests.conftest import copy_database, drop_database
from tests.integration.append_only import append_only_tables
from tests.integration.ledger_checks import running, table_count

pytestmark = pytest.mark.db

ROLES = ("origin", "replica")
UPDATES = {  # every append-only table, with a change a forger might want (checked against the catalog below)
    "entries": "UPDATE entries SET memo = 'rewritten'",
    "postings": "UPDATE postings SET amount = amount * 2",
    "seals": "UPDATE seals SET sealed_at = now()",
    "checkpoints": "UPDATE checkpoints SET signed_at = now()",
    "spent_tokens": "UPDATE spent_tokens SET result = NULL",
    "checkins": "UPDATE checkins SET points = points * 10",
    "topups": "UPDATE topups SET amount = amount * 10",
    "donations": "UPDATE donations SET anonymous = NOT anonymous",
    "closures": "UPDATE closures SET money_paid = money_paid + 1000",
    "fare_rules": "UPDATE fare_rules SET default_adult_fare = 0",
    "transit_taps": "UPDATE transit_taps SET charged = 0, money_used = 0, entry_id = NULL",
    "transit_booking_ends": "UPDATE transit_booking_ends SET outcome = 'cancelled', tap_id = NULL",
    "witnesses": "UPDATE witnesses SET public_key = decode(repeat('33', 32), 'hex')",
    "cosignatures": "UPDATE cosignatures SET signature = decode(repeat('44', 64), 'hex')",
    "staff_actions": "UPDATE staff_actions SET actor = 'someone else'",
    "event_cancellations": "UPDATE event_cancellations SET reason = 'rewritten'",
    "expiry_reminders": "UPDATE expiry_reminders SET points = points * 10",
    "resident_revocations": "UPDATE resident_revocations SET reason = 'rewritten'",
    "payee_bank_accounts": "UPDATE payee_bank_accounts SET account_number = '7654321'",
    "cashback_clawbacks": "UPDATE cashback_clawbacks SET points_owed = 0",
    "settlement_transfers": "UPDATE settlement_transfers SET transferred_on = transferred_on + 30",
}
CHANGES = {
    "update": UPDATES.__getitem__,
    "delete": "DELETE FROM {}".format,
    "truncate": "TRUNCATE {} CASCADE".format,  # CASCADE: the trigger must refuse, not a foreign key
}

ISSUANCE = AccountSpec("issuance", "equity", ("PT", "JPY"), may_go_negative=True)
WALLET_A = AccountSpec("a", "liability", ("PT", "JPY"))
WALLET_B = AccountSpec("b", "liability", ("PT", "JPY"))
OLD_ENTRY = uuid.UUID("00000000-0000-4000-8000-000000000002")
_account_seqs = itertools.count(1_000_000)  # far above the seeded postings' numbers


async def _seed(url: str, data_dir: Path) -> None:
    """Fund `a`, move some of it to `b` spending a token, then seal and sign: every journal table has rows."""
    async with running(url, data_dir) as runtime:
        await ledger.open_accounts(runtime.db, ISSUANCE, WALLET_A, WALLET_B)
        funding = (
            Leg("issuance", "PT", 1000),
            Leg("a", "PT", -1000),
            Leg("issuance", "JPY", 500),
            Leg("a", "JPY", -500),
        )
        await ledger.post(runtime.db, Command(kind="funding", postings=funding))
        transfer = (Leg("a", "PT", 300), Leg("b", "PT", -300))
        await ledger.post(
            runtime.db,
            Command(
                kind="gift",
                postings=transfer,
                once=(Once("seed-token", "already_claimed"),),
                entry_id=OLD_ENTRY,
            ),
        )
        assert await runtime.checkpoint_now() == 2
        await _seed_trails(url)


# One row in each append-only table the journal does not fill, pointing at the seeded entry; fare_rules has
# its default from migration 0006.
TRAILS = """
INSERT INTO principals (id, role, name, secret_hash) VALUES
    ('r1', 'resident', 'Resident', '\\x01'), ('org', 'organizer', 'Organizer', '\\x02'),
    ('bus', 'operator', 'Bus', '\\x03');
INSERT INTO residents (id, name) VALUES ('r1', 'Resident');
INSERT INTO programs (id, name, points_valid_days) VALUES ('p1', 'Program', 180);
INSERT INTO events (id, program_id, organizer_id, title, points, starts_at, ends_at)
    VALUES ('e1', 'p1', 'org', 'Event', 10, now(), now() + interval '1 hour');
INSERT INTO checkins (event_id, resident_id, program_id, points, entry_id) VALUES ('e1', 'r1', 'p1', 10, $1);
INSERT INTO recipients (id, name) VALUES ('npo', 'NPO');
INSERT INTO topups (entry_id, resident_id, channel, external_ref, amount)
    VALUES ($1, 'r1', 'bank', 'ref-1', 500);
INSERT INTO donations (entry_id, resident_id, recipient_id, points, anonymous)
    VALUES ($1, 'r1', 'npo', 5, false);
INSERT INTO closures (resident_id, entry_id, channel, money_paid, points_forfeited)
    VALUES ('r1', $1, 'bank', 0, 0);
INSERT INTO transit_operators (id, name) VALUES ('bus', 'Bus');
INSERT INTO transit_routes (id, operator_id, code, name, kind)
    VALUES ('rt1', 'bus', 'R1', 'Route', 'on_demand');
INSERT INTO transit_bookings (id, resident_id, route_id, category, fare_rule, fare, points_held, money_held,
                              pickup_at, expires_at)
    VALUES ('b1', 'r1', 'rt1', 'adult', 'fr_default', 210, 0, 210, now(), now() + interval '1 hour');
INSERT INTO transit_taps (id, resident_id, operator_id, route_id, booking_id, tapped_at, service_day,
                          category, fare_rule, fare, discount, charged, points_used, money_used, entry_id)
    VALUES ('t1', 'r1', 'bus', 'rt1', 'b1', now(), current_date, 'adult', 'fr_default', 210, 0, 210, 0, 210,
            $1);
INSERT INTO transit_booking_ends (booking_id, outcome, ended_by, tap_id)
    VALUES ('b1', 'completed', 'bus', 't1');
INSERT INTO witnesses (kid, public_key, name)
    VALUES ('0123456789abcdef', decode(repeat('11', 32), 'hex'), 'W');
INSERT INTO cosignatures (seq, witness, cosigned_at, signature)
    VALUES (2, '0123456789abcdef', now(), decode(repeat('22', 64), 'hex'));
INSERT INTO staff_actions (actor, action, subject, reason)
    VALUES ('admin', 'principal.revoked', 'org', 'lost');
INSERT INTO event_cancellations (event_id, cancelled_by, reason) VALUES ('e1', 'org', 'rain');
INSERT INTO expiry_reminders (resident_id, expires_on, days_before, points, sent_at)
    VALUES ('r1', current_date, 3, 10, now());
INSERT INTO resident_revocations (id, resident_id, reason, revoked_by, passkeys, sessions, enrollments,
                                  tokens)
    VALUES ('rvk1', 'r1', 'lost', 'org', 0, 0, 0, 1);
INSERT INTO payee_bank_accounts (id, party_kind, party_id, bank_code, bank_name_kana, branch_code,
                                 branch_name_kana, account_type, account_number, account_holder_kana)
    VALUES (gen_random_uuid(), 'recipient', 'npo', '0001', 'ﾐｽﾞﾎ', '247', 'ﾐﾀｶ', 'ordinary', '1234567', 'NPO');
INSERT INTO cashback_campaigns (id, name, program_id, rate_bps, monthly_cap, merchant_ids, mccs, starts_on)
    VALUES ('cb1', 'Cashback', 'p1', 1000, 300, '{}', '{5431}', current_date);
INSERT INTO cashback_clawbacks (id, refund_id, campaign_id, resident_id, month, points_clawed, points_owed,
                                entry_id)
    VALUES (gen_random_uuid(), 'rf1', 'cb1', 'r1', '2026-12', 10, 5, $1);
INSERT INTO settlements (id, period_end) VALUES ('st1', now());
INSERT INTO settlement_transfers (settlement_id, transferred_on, reference, recorded_by)
    VALUES ('st1', current_date, 'MZ-1', 'org');
"""


async def _seed_trails(url: str) -> None:
    async with connected(url) as conn, conn.transaction():
        for statement in filter(None, (part.strip() for part in TRAILS.split(";"))):
            await conn.execute(statement, *((OLD_ENTRY,) if "$1" in statement else ()))


@pytest.fixture(scope="module")
def seeded_template(
    pg_server: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    url = asyncio.run(copy_database(pg_server, template_database))
    asyncio.run(_seed(url, tmp_path_factory.mktemp("keys")))
    yield make_url(url).database
    asyncio.run(drop_database(pg_server, url))


@pytest.fixture
def seeded_url(pg_server: str, seeded_template: str) -> Iterator[str]:
    """A fresh copy of the seeded journal for each test."""
    url = asyncio.run(copy_database(pg_server, seeded_template))
    yield url
    asyncio.run(drop_database(pg_server, url))


@asynccontextmanager
async def connected(url: str, role: str = "origin") -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection; `replica` turns off every trigger not ENABLE ALWAYS, foreign keys too."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"SET session_replication_role = {role}")
        yield conn
    finally:
        await conn.close()


async def fingerprint(conn: asyncpg.Connection, table: str) -> tuple[int, str]:
    """Row count and a digest of every row's text: equal fingerprints, unchanged table."""
    row = await conn.fetchrow(
        "SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest "
        f"FROM {table} t"
    )
    return row["n"], row["digest"]


async def insert_entry(
    conn: asyncpg.Connection, entry_id: uuid.UUID, legs: list[tuple[str, str, int]]
) -> None:
    await conn.execute("INSERT INTO entries (id, kind, created_at) VALUES ($1, 'transfer', now())", entry_id)
    await insert_postings(conn, entry_id, legs)


async def insert_postings(
    conn: asyncpg.Connection, entry_id: uuid.UUID, legs: list[tuple[str, str, int]], first_idx: int = 0
) -> None:
    await conn.executemany(
        "INSERT INTO postings (entry_id, idx, account, asset, amount, balance_after, account_seq, "
        "created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, now())",
        [
            (entry_id, first_idx + i, account, asset, amount, next(_account_seqs))
            for i, (account, asset, amount) in enumerate(legs)
        ],
    )


def test_every_append_only_table_is_tried(seeded_url: str) -> None:
    """The tables below are those whose triggers call refuse_journal_change(), so a table made append-only
    by a new migration fails here until the refusals are tried on it too."""

    async def main() -> None:
        async with connected(seeded_url) as conn:
            assert await append_only_tables(conn) == set(UPDATES)

    asyncio.run(main())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("table", UPDATES)
def test_journal_refuses_update_delete_truncate(seeded_url: str, table: str, role: str) -> None:
    async def main() -> None:
        async with connected(seeded_url, role) as conn:
            before = await fingerprint(conn, table)
            assert before[0] > 0, "a change to an empty table would prove nothing"
            for change in CHANGES.values():
                with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                    await conn.execute(change(table))
                assert await fingerprint(conn, table) == before

    asyncio.run(main())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("seq", "head"), [(2, "repeat('ab', 32)"), (9, "repeat('ab', 32)"), (0, "repeat('ab', 32)")]
)
def test_a_checkpoint_states_a_seal_or_the_genesis(seeded_url: str, role: str, seq: int, head: str) -> None:
    """Migration 0025 let seq 0 stand (the empty journal's checkpoint) and asks more than the foreign key it
    replaced: the seq and the hash of a seal, or seq 0 with the genesis hash."""

    async def main() -> None:
        async with connected(seeded_url, role) as conn:
            with pytest.raises(asyncpg.ForeignKeyViolationError, match="does not state the seal"):
                await conn.execute(
                    "INSERT INTO checkpoints (seq, hash, signed_at, kid, balances_digest, signature) "
                    f"SELECT $1, decode({head}, 'hex'), now(), kid, decode(repeat('00', 32), 'hex'), "
                    "decode(repeat('00', 64), 'hex') FROM signing_keys LIMIT 1",
                    seq,
                )

    asyncio.run(main())


UNBALANCED = {
    "one asset": [("a", "PT", 100), ("b", "PT", -90)],
    "per asset, though the total is zero": [("a", "PT", 100), ("b", "JPY", -100)],
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("legs", UNBALANCED.values(), ids=UNBALANCED.keys())
def test_unbalanced_entry_refused_at_commit(
    seeded_url: str, legs: list[tuple[str, str, int]], role: str
) -> None:
    async def main() -> None:
        async with connected(seeded_url, role) as conn:
            entries, postings = await table_count(conn, "entries"), await table_count(conn, "postings")
            entry_id = uuid.uuid4()
            transaction = conn.transaction()
            await transaction.start()
            await insert_entry(conn, entry_id, legs)  # accepted row by row: the check is deferred
            with pytest.raises(asyncpg.CheckViolationError, match="does not balance"):
                await transaction.commit()
            assert (await table_count(conn, "entries"), await table_count(conn, "postings")) == (
                entries,
                postings,
            )

    asyncio.run(main())


def test_a_balanced_entry_is_accepted(seeded_url: str) -> None:
    """The control for the refusals: the same statements with balanced postings commit."""

    async def main() -> None:
        async with connected(seeded_url) as conn:
            entries = await table_count(conn, "entries")
            async with conn.transaction():
                await insert_entry(
                    conn, uuid.uuid4(), [("a", "PT", 100), ("b", "PT", -40), ("issuance", "PT", -60)]
                )
            assert await table_count(conn, "entries") == entries + 1

    asyncio.run(main())


@pytest.mark.parametrize("postings", [[], [("a", "PT", 5)]], ids=["no posting", "one posting"])
def test_entry_needs_two_postings(seeded_url: str, postings: list[tuple[str, str, int]]) -> None:
    async def main() -> None:
        async with connected(seeded_url) as conn:
            entries = await table_count(conn, "entries")
            transaction = conn.transaction()
            await transaction.start()
            await insert_entry(conn, uuid.uuid4(), postings)
            with pytest.raises(asyncpg.CheckViolationError, match="needs at least two"):
                await transaction.commit()
            assert await table_count(conn, "entries") == entries

    asyncio.run(main())


def test_zero_amount_refused(seeded_url: str) -> None:
    async def main() -> None:
        async with connected(seeded_url) as conn:
            postings = await table_count(conn, "postings")
            with pytest.raises(asyncpg.CheckViolationError) as refused:
                async with conn.transaction():
                    await insert_entry(conn, uuid.uuid4(), [("a", "PT", 0), ("b", "PT", 0)])
            assert refused.value.constraint_name == "posting_not_zero"
            assert await table_count(conn, "postings") == postings

    asyncio.run(main())


NEGATIVE = {
    "posted below zero": "UPDATE balances SET posted = 1 WHERE account = 'a' AND asset = 'PT'",
    "held beyond the balance": "UPDATE balances SET pending = 701 WHERE account = 'a' AND asset = 'PT'",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("sql", NEGATIVE.values(), ids=NEGATIVE.keys())
def test_negative_balance_refused_where_forbidden(seeded_url: str, sql: str, role: str) -> None:
    async def main() -> None:
        async with connected(seeded_url, role) as conn:
            before = await fingerprint(conn, "balances")
            with pytest.raises(asyncpg.CheckViolationError) as refused:
                await conn.execute(sql)
            assert refused.value.constraint_name == "balance_not_negative"
            assert await fingerprint(conn, "balances") == before
            # The account that may go negative may: the issuance's normal balance is already -1000 PT.
            await conn.execute(
                "UPDATE balances SET posted = posted + 1 WHERE account = 'issuance' AND asset = 'PT'"
            )

    asyncio.run(main())


def test_may_go_negative_cannot_be_flipped_on_a_balance(seeded_url: str) -> None:
    """The flag on `balances` is a copy of the account's; the foreign key keeps it exact."""

    async def main() -> None:
        async with connected(seeded_url) as conn:
            with pytest.raises(asyncpg.ForeignKeyViolationError):
                await conn.execute("UPDATE balances SET may_go_negative = true WHERE account = 'a'")

    asyncio.run(main())


async def _head(conn: asyncpg.Connection) -> tuple[int, bytes, bytes]:
    row = await conn.fetchrow("SELECT seq, prev_hash, hash FROM seals ORDER BY seq DESC LIMIT 1")
    return row["seq"], bytes(row["prev_hash"]), bytes(row["hash"])


SEAL_CASES = {
    "gap": lambda seq, prev, head: (seq + 2, head),
    "wrong prev_hash": lambda seq, prev, head: (seq + 1, bytes(32)),
    "head again": lambda seq, prev, head: (seq, prev),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", SEAL_CASES)
def test_seal_must_follow_the_head(seeded_url: str, case: str, role: str) -> None:
    async def main() -> None:
        async with connected(seeded_url, role) as conn:
            unsealed = uuid.uuid4()
            async with conn.transaction():
                await insert_entry(conn, unsealed, [("a", "PT", 1), ("b", "PT", -1)])
            seq, prev, head = await _head(conn)
            bad_seq, bad_prev = SEAL_CASES[case](seq, prev, head)
            insert = "INSERT INTO seals (seq, entry_id, prev_hash, hash) VALUES ($1, $2, $3, $4)"
            with pytest.raises(asyncpg.CheckViolationError, match="does not follow the head"):
                await conn.execute(insert, bad_seq, unsealed, bad_prev, bytes(32))
            assert await _head(conn) == (seq, prev, head)
            await conn.execute(insert, seq + 1, unsealed, head, bytes(32))  # the one seal that follows
            assert (await _head(conn))[0] == seq + 1

    asyncio.run(main())


OLD_ENTRY_ADDITIONS = {
    "one posting": [("a", "PT", 7)],
    "a balanced pair": [("a", "PT", 7), ("b", "PT", -7)],
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("legs", OLD_ENTRY_ADDITIONS.values(), ids=OLD_ENTRY_ADDITIONS.keys())
def test_postings_cannot_be_added_to_an_old_entry(
    seeded_url: str, legs: list[tuple[str, str, int]], role: str
) -> None:
    async def main() -> None:
        async with connected(seeded_url, role) as conn:
            before = await fingerprint(conn, "postings")
            with pytest.raises(asyncpg.CheckViolationError, match="postings cannot be added"):
                async with conn.transaction():
                    await insert_postings(conn, OLD_ENTRY, legs, first_idx=2)
            assert await fingerprint(conn, "postings") == before

    asyncio.run(main())


MISSING_ENTRY = uuid.UUID("00000000-0000-4000-8000-0000000000ff")
NAMING_AN_ENTRY = {  # a row of each table that names an entry, with its entry as the one parameter
    "seal_queue": "INSERT INTO seal_queue (entry_id, created_at) VALUES ($1, now())",
    "idempotency_keys": "INSERT INTO idempotency_keys (scope, key, request_hash, result, entry_id) "
    "VALUES ('test', 'k', '\\x00', '{}', $1)",
    "spent_tokens": "INSERT INTO spent_tokens (token, entry_id) VALUES ('a new token', $1)",
}
UPDATABLE = ("seal_queue", "idempotency_keys")  # spent tokens refuse every UPDATE


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("table", NAMING_AN_ENTRY)
def test_rows_may_only_name_entries_of_the_journal(seeded_url: str, table: str, role: str) -> None:
    """Checked per statement (migration 0015), and unlike a foreign key also in replica mode."""

    async def main() -> None:
        async with connected(seeded_url, role) as conn:
            before = await fingerprint(conn, table)
            with pytest.raises(asyncpg.ForeignKeyViolationError, match="not in the journal"):
                await conn.execute(NAMING_AN_ENTRY[table], MISSING_ENTRY)
            assert await fingerprint(conn, table) == before
            await conn.execute(NAMING_AN_ENTRY[table], OLD_ENTRY)  # an entry that is there: accepted
            assert (await fingerprint(conn, table))[0] == before[0] + 1
            if table in UPDATABLE:
                named = await fingerprint(conn, table)
                with pytest.raises(asyncpg.ForeignKeyViolationError, match="not in the journal"):
                    await conn.execute(f"UPDATE {table} SET entry_id = $1", MISSING_ENTRY)
                assert await fingerprint(conn, table) == named

    asyncio.run(main())
