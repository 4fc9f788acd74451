"""Checkpoints of the empty journal, witnesses and their cosignatures.

An export answers with a checkpoint made for it (issue 22), and a new install's journal is empty: its
checkpoint states seq 0 and the genesis hash, which no seal carries. So the foreign key from `checkpoints.seq`
to `seals` gives way to a trigger that asks more of a checkpoint: seq 0 with thirty-two zero bytes, or the seq
and the hash of a seal. `witnesses` are the independent parties' registered Ed25519 keys; `cosignatures` are
their signed statements that a checkpoint extends the last one they saw. Both are append-only.

Revision ID: 0025
Revises: 0017
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0025"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
