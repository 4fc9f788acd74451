"""Paying at shops: merchants, payment requests, payments, refunds, cashback, settlements, webhooks.

The ledger holds the money; these tables hold what the ledger cannot say by itself: which lots a payment
took (so a refund gives points back with their original expiry), which request a payment paid (a request is
paid at most once: a UNIQUE column, besides the writer's spent token), and the order of a payment's refunds
(UNIQUE (payment_id, seq): two refunds can never both be "the next one").

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from sqlscripts import run_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
