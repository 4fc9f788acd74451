"""Residents: a principal with a wallet (point lots by expiry date, and money) and a fare category.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from sqlscripts import run_script

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
