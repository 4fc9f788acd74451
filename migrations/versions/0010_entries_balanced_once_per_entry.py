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

from sqlscripts import run_script

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
