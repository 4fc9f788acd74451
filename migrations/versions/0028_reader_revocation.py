"""A transit reader can be revoked: a lost or stolen reader's key stops signing taps that count, at once.
`revoked_at` is set once and never cleared (the staff action log says who and why); a revoked reader's key
stays registered, so that it cannot be registered again as a new reader.

Revision ID: 0028
Revises: 0020
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
