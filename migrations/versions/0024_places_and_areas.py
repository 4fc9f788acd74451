"""Where things happen: an event's `place` and `area`, and a shop's `area` (a コミュニティ住区 or town
name), so that residents can find what to join and where to pay near them (`GET /v1/events/upcoming`,
`GET /v1/shops`). Both are optional, one line of at most 100 characters. And the rows of expiry reminders by
Web Push: a resident's `push_subscriptions` (their consent, withdrawn by deleting it) and the
`expiry_reminders` sent (append-only: each is sent once).

Revision ID: 0024
Revises: 0021
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0024"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
