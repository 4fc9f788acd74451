"""Postings still join only an entry of their own transaction; the check looks each entry up by its key.

0010's statement-level check asked for the added postings' entries with `NOT EXISTS (... entries e WHERE e.id
= a.entry_id AND e.xmin = mine)`, and PostgreSQL answered that anti-join by reading the whole `entries` table
into a hash: 4.1 ms of a 7.5 ms write statement for a batch of 32 transfers with a few thousand entries in the
journal (EXPLAIN ANALYZE, docs/benchmarks.md), and more as the journal grows. A correlated subquery per
distinct entry can only be answered through `entries_pkey`: 0.08 ms for the same batch, whatever the journal's
size. Same refusal, same message, same error code; the trigger stays ENABLE ALWAYS.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from sqlscripts import run_script

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
