"""Riding the community bus and on-demand transit: operators, routes, fare rules, taps and bookings.

Fare rules are versions, each in force from a moment on, so a tap uploaded a day late is priced by the rule
of its own time and every fare entry names the rule that produced it. Taps, fare rules and the end of a
booking are append-only, like the journal they explain (the same trigger refuses UPDATE, DELETE and
TRUNCATE): a tap once charged stays as it was charged. The seed row is CONTRACT.md's defaults.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from sqlscripts import run_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
