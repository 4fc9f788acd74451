"""The journal: accounts, balances, entries, postings, holds, idempotency, sealing, checkpoints, principals.

The database itself enforces the ledger's rules, so that no bug in the service (and no hand-written SQL) can
break them: a deferred constraint trigger refuses an entry whose postings do not sum to zero per asset;
row and TRUNCATE triggers refuse any change to the journal, and are ENABLE ALWAYS so that they also fire under
`session_replication_role = replica`; CHECK constraints refuse zero amounts and negative balances where an
account may not go negative; a trigger keeps `seq` gapless and the hash chain linked.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from sqlscripts import run_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    raise RuntimeError("the journal is never dropped by a migration")
