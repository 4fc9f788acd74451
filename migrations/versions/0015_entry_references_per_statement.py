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

from sqlscripts import run_script

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
