"""Residents: a principal with a wallet (point lots by expiry date, and money) and a fare category.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE residents (
            id            text PRIMARY KEY REFERENCES principals (id),
            name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
            fare_category text NOT NULL DEFAULT 'adult'
                          CHECK (fare_category IN ('adult', 'child', 'concession')),
            created_at    timestamptz NOT NULL DEFAULT now(),
            closed_at     timestamptz
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE residents")
