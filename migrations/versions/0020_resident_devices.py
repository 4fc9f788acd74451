"""A resident's devices: one-time enrollment codes (only their hash), passkeys (WebAuthn credentials),
single-use WebAuthn challenges, server-side sessions (only the cookie's hash), and the record of a lost
phone's revocation, with the resident's revoked token hashes so that a revoked token answers
`credential_revoked` rather than a bare 401.

Revision ID: 0020
Revises: 0023
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0020"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
