"""Top-ups, donations and closures refuse changes in replica mode too; `make_append_only(table)` for the rest.

0004 created the triggers that make `topups`, `donations` and `closures` append-only without `ENABLE ALWAYS`,
unlike those of 0001, 0003 and 0006, so under `session_replication_role = replica` (a logical-replication
apply worker, a restore, a person at a psql prompt who sets it) an UPDATE, DELETE or TRUNCATE of the money
trail went through. 0004 stays as it ran; this revision turns the triggers on always where it ran.

It does so with `make_append_only(regclass)`, the one way a table is made append-only from now on: it
(re)creates the row trigger that refuses UPDATE and DELETE and the statement trigger that refuses TRUNCATE,
both calling `refuse_journal_change()`, and enables both ALWAYS. A later revision's SQL says
`SELECT make_append_only('table');`. Only the owner runs it (EXECUTE is revoked from PUBLIC); it runs with
the caller's rights, so it can do nothing the caller could not.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from sqlscripts import run_script

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
