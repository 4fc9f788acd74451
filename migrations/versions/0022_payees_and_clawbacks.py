"""Bank details of recipients and transit operators, `payee_bank_accounts`, so that the Zengin file pays them
as it pays shops (whose details stay on `merchants`).

Append-only: registering new details adds a row, and the newest row of a payee is the one paid; the old ones
stay, so an auditor sees where each transfer went and when the details changed.

And `cashback_clawbacks`: the cashback a refund after the credit took back, and what the resident owes of it
(append-only too; the outstanding debt is the sum of `points_owed`).

Revision ID: 0022
Revises: 0018
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0022"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
