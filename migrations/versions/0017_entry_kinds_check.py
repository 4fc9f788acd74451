"""An entry's kind is one the service posts: `CHECK (kind IN (...))` on `entries.kind`, `entries_kind_known`.

0001 only asked a kind to look like a word, so a typo in a new command or a hand-written INSERT could add a
kind that no statement, audit series or translation knows. The list is every kind the service posts
(`kind=` in src/mitapo: points, money, payments, transit, the engine's funding and reversal), and `transfer`,
the default kind of the engine's `ledger.transfer`, which the ledger's own tests and the benchmarks post.
Adding a kind means a migration that replaces this constraint, and the engine's catalog of kinds beside it.

Added plainly (validated at once): the migration job runs before the service starts, so no writer waits on
the table lock while existing entries are checked, and a database holding an unknown kind stops the
migration, naming the constraint, instead of keeping a constraint that is not true of its rows.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from sqlscripts import run_script

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
