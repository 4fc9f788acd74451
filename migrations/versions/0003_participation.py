"""Participation: programs, events, check-ins, and the index that keeps the expiry job cheap.

A check-in is unique per (event, resident) here as well as by its spent token, so that two phones racing, even
through two service processes, get one grant. Check-ins are append-only like the journal they point to.

`balances_points_due` holds only point lots that still hold something: the expiry job reads the lots whose
date has passed without walking every lot ever created (docs/expiry.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from sqlscripts import run_script

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
