"""Credentials that can be rotated and revoked, the city's counter staff (`clerk`), and the staff action log.

- `principals.role` admits `clerk`: city counter staff (enrol residents, top up at the counter).
- `principals.revoked_at`: set when the principal's secrets were revoked; every secret of it is refused
  (`credential_revoked`) from the next request on. A new secret issued later clears it.
- `retired_secrets`: a principal's earlier secrets, each with the moment it stops (`valid_until`): a rotated
  secret keeps working for the grace period, a revoked one not at all. Kept after they stop, so that a
  retired secret is answered `credential_revoked` rather than the `unauthorized` of a typo.
- `staff_actions`: who did what to whom and why (revocations, rotations, principals created), append-only
  like the journal (`make_append_only`, migration 0016), read by auditors at `GET /v1/audit/staff-actions`.

Revision ID: 0019
Revises: 0025
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0019"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
