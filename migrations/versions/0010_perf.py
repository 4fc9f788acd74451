"""The double-entry check, once per entry instead of three times: the same refusals at a sixth of the cost.

0001 checked balance at commit from a deferred trigger on every entry row and on every posting row, each
check two queries: three checks and six queries for a two-legged entry, about 100 µs of a group-commit
batch's commit per entry, more than all its inserts. The posting-row check had two jobs. One, refusing a
posting that joins an entry of another transaction, needs no deferral: a statement-level trigger now does it
with one query per INSERT, however many rows. The other, the balance check, is already done at commit for
every entry of the transaction by the entry-row trigger, and since a posting may only join an entry of its own
transaction, that one check per entry sees every posting the transaction gave it. The entry check itself is
now one query, inline in the trigger. Every refusal stays, with the same messages: fewer than two postings
and unbalanced entries at COMMIT, postings for an old entry at once; the triggers stay ENABLE ALWAYS.

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-22
"""

from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None

ENTRY_BALANCED = r"""
CREATE OR REPLACE FUNCTION entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    unbalanced text;
BEGIN
    SELECT coalesce(sum(t.n), 0), string_agg(t.asset || ' ' || t.total, ', ') FILTER (WHERE t.total <> 0)
    INTO n, unbalanced
    FROM (SELECT asset, sum(amount) AS total, count(*) AS n FROM postings WHERE entry_id = NEW.id
          GROUP BY asset) AS t;
    IF n < 2 THEN
        RAISE EXCEPTION 'entry % has % posting(s); an entry needs at least two', NEW.id, n
            USING ERRCODE = 'check_violation';
    END IF;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'entry % does not balance: %', NEW.id, unbalanced USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

ENTRY_BALANCED_0001 = r"""
CREATE OR REPLACE FUNCTION entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assert_entry_balanced(NEW.id);
    RETURN NULL;
END $$
"""

POSTINGS_JOIN_OWN_ENTRIES = r"""
CREATE FUNCTION postings_join_own_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mine xid := pg_current_xact_id()::xid;
    foreign_entry uuid;
BEGIN
    SELECT a.entry_id INTO foreign_entry FROM (SELECT DISTINCT entry_id FROM added) AS a
    WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = a.entry_id AND e.xmin = mine)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % was written by an earlier transaction; postings cannot be added to it',
            foreign_entry USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$
"""

UPGRADE = (
    ENTRY_BALANCED,
    POSTINGS_JOIN_OWN_ENTRIES,
    "CREATE TRIGGER postings_join_own_entries AFTER INSERT ON postings REFERENCING NEW TABLE AS added "
    "FOR EACH STATEMENT EXECUTE FUNCTION postings_join_own_entries()",
    "ALTER TABLE postings ENABLE ALWAYS TRIGGER postings_join_own_entries",
    "DROP TRIGGER posting_balanced ON postings",
    "DROP FUNCTION posting_balanced()",
)

POSTING_BALANCED_0001 = r"""
CREATE FUNCTION posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.entry_id AND xmin = pg_current_xact_id()::xid) THEN
        RAISE EXCEPTION 'entry % was written by an earlier transaction; postings cannot be added to it',
            NEW.entry_id USING ERRCODE = 'check_violation';
    END IF;
    PERFORM assert_entry_balanced(NEW.entry_id);
    RETURN NULL;
END $$
"""

DOWNGRADE = (
    ENTRY_BALANCED_0001,
    POSTING_BALANCED_0001,
    "CREATE CONSTRAINT TRIGGER posting_balanced AFTER INSERT ON postings "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION posting_balanced()",
    "ALTER TABLE postings ENABLE ALWAYS TRIGGER posting_balanced",
    "DROP TRIGGER postings_join_own_entries ON postings",
    "DROP FUNCTION postings_join_own_entries()",
)


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    """Back to 0001's per-row checks."""
    for statement in DOWNGRADE:
        op.execute(statement)
