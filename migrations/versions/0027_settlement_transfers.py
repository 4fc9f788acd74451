"""The city's record that a settlement's bank transfer was made: `settlement_transfers`, one row per
settlement, append-only.

Marking a settlement transferred is a fact about the bank, not a change of the settlement: it is recorded,
never an UPDATE, with who recorded it, the day the bank executed the transfer and the bank's reference, so
that the auditors see when the city's payable was actually paid out and by whose word.

Revision ID: 0027
Revises: 0020
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0027"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
