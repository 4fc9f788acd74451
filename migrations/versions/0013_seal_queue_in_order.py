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

from sqlscripts import run_script

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
