"""An organizer's cancelled events: `event_cancellations`, one row per event, append-only.

A cancellation is recorded, never an UPDATE of the event: the row is written by the writer with the counter
`event:<id>:cancelled` that every later claim of the event checks under lock (so a claim racing the
cancellation either lands before it or is refused), and the row says who cancelled and why.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
