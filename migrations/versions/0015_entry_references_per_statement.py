"""Rows that name an entry are checked once per statement, not once per row: the same refusals, cheaper.

Every entry the writer commits adds rows to four tables that name it: two postings, its seal queue row and
its idempotency record (and a spent token for some). Each carried a foreign key to `entries`, and PostgreSQL
checks a foreign key row by row, with a query and a row lock on the entry each time. EXPLAIN ANALYZE of one
batch of 32 transfers put those checks at 1.6 ms of its 8.2 ms write statement, and this change lowered the
writer's backend CPU from 273-299 to 247-263 µs per entry (a probe running the writer's statements in a loop;
docs/benchmarks.md).

The entries they name can never go away: `entries` refuses UPDATE, DELETE and TRUNCATE with triggers that
stay on in replica mode. So only the inserting side needs checking, and a statement-level trigger does it
with one index lookup per distinct entry: postings already had one (`postings_join_own_entries`, which asks
more: the entry must be of the same transaction); the seal queue, idempotency records and spent tokens get
`rows_name_entries`, on INSERT and on UPDATE where the table allows updates. A row naming an entry that is not
in the journal is refused as before with `foreign_key_violation`, and now also in replica mode, where
PostgreSQL's foreign keys are off. The foreign keys of other tables, written once per payment or check-in,
stay as they are.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ROWS_NAME_ENTRIES = r"""
CREATE FUNCTION rows_name_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    SELECT a.entry_id INTO missing FROM (SELECT DISTINCT entry_id FROM added WHERE entry_id IS NOT NULL) AS a
    WHERE (SELECT e.id FROM entries e WHERE e.id = a.entry_id) IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a row of % names entry %, which is not in the journal', TG_TABLE_NAME, missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$
"""

# table -> the events its rows may name an entry through (spent tokens are never updated: append-only)
CHECKED = {
    "seal_queue": ("INSERT", "UPDATE"),
    "idempotency_keys": ("INSERT", "UPDATE"),
    "spent_tokens": ("INSERT",),
}
# postings.entry_id is checked by postings_join_own_entries (0010, 0012)
FOREIGN_KEYS = {"postings": "postings_entry_id_fkey"} | {t: f"{t}_entry_id_fkey" for t in CHECKED}


def _trigger(table: str, event: str) -> str:
    return f"{table}_names_entries_on_{event.lower()}"


def upgrade() -> None:
    op.execute(ROWS_NAME_ENTRIES)
    for table, events in CHECKED.items():
        for event in events:
            op.execute(
                f"CREATE TRIGGER {_trigger(table, event)} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION rows_name_entries()"
            )
            op.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {_trigger(table, event)}")
    for table, constraint in FOREIGN_KEYS.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")


def downgrade() -> None:
    """Back to the foreign keys."""
    for table, constraint in FOREIGN_KEYS.items():
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {constraint} FOREIGN KEY (entry_id) REFERENCES entries (id)"
        )
    for table, events in CHECKED.items():
        for event in events:
            op.execute(f"DROP TRIGGER {_trigger(table, event)} ON {table}")
    op.execute("DROP FUNCTION rows_name_entries()")
