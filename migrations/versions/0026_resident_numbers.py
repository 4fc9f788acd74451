"""Residents' short numbers: eight digits a person can say and type (the last a Damm check digit, so that
one mistyped digit or two swapped neighbours are caught before anything is looked up), random and unique.
A counter clerk finds a resident by it, and a resident gives points to a friend by typing it. Existing
residents get one here; `accounts.residents.create` gives every new one its own.

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0026"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
