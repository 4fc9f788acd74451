"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from sqlscripts import run_script

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)  # ${up_revision}_<what it changes>.sql beside this file


def downgrade() -> None:
    run_script(__file__, "downgrade")  # <this file's name>_downgrade.sql
