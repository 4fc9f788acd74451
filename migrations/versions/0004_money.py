"""Money and donations: top-ups by channel, premium campaigns, recipients, donations, matching, closures.

The journal holds every movement; these tables hold what the journal does not say: which channel's reference a
top-up came with (for reconciling a bank's statement), who donated and whether anonymously, which campaigns
and matching offers exist, and when a resident was closed. Top-ups, donations and closures are a trail, so
they are append-only like the journal. Inserting a closure closes the resident and disables their secret in
the same transaction as the closing entry, so no crash can leave a paid-out resident able to sign in.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from sqlscripts import run_script

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
