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

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_CHECK = r"""
CREATE OR REPLACE FUNCTION postings_join_own_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mine xid := pg_current_xact_id()::xid;
    foreign_entry uuid;
BEGIN
    SELECT a.entry_id INTO foreign_entry FROM (SELECT DISTINCT entry_id FROM added) AS a
    WHERE %s
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry %% was written by an earlier transaction; postings cannot be added to it',
            foreign_entry USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

BY_KEY = "(SELECT e.xmin FROM entries e WHERE e.id = a.entry_id) IS DISTINCT FROM mine"
ANTI_JOIN_0010 = "NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = a.entry_id AND e.xmin = mine)"


def upgrade() -> None:
    op.execute(_CHECK % BY_KEY)


def downgrade() -> None:
    op.execute(_CHECK % ANTI_JOIN_0010)
