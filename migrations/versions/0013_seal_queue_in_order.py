"""The seal queue keeps each entry's time, so that the sealer reads its next entries from the queue alone.

The sealer asked for its next entries with `seal_queue JOIN entries ORDER BY e.created_at, e.id LIMIT n`.
With the journal growing by thousands of entries a second, PostgreSQL's statistics lag behind and it answered
that join by reading the whole `entries` table into a hash every time: 19.7 ms a call with 26,000 entries in
the journal, called about 28 times a second under load, more than half a CPU, and more as the journal grows
(docs/benchmarks.md). The queue now carries a copy of `created_at`, written by the writer in the same
statement as the entry, and an index in the sealer's order: the next entries are the first rows of that
index, whatever the journal's size.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE seal_queue ADD COLUMN created_at timestamptz")
    op.execute("UPDATE seal_queue q SET created_at = e.created_at FROM entries e WHERE e.id = q.entry_id")
    op.execute("ALTER TABLE seal_queue ALTER COLUMN created_at SET NOT NULL")
    op.execute("CREATE INDEX seal_queue_in_order ON seal_queue (created_at, entry_id)")


def downgrade() -> None:
    op.execute("DROP INDEX seal_queue_in_order")
    op.execute("ALTER TABLE seal_queue DROP COLUMN created_at")
