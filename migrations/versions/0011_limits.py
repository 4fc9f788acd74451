"""Abuse limits shared by every worker: one row per limited key (a resident's payments, an address's
check-ins, an address's bad secrets), holding the key's theoretical arrival time (GCRA, the token bucket as
one timestamp).

`rate_take(keys, steps, bursts)` admits a request only when every key has room, and then charges all of them;
otherwise it charges none and answers how many seconds to wait. One statement, rows locked in key order, so
workers in several processes agree and never deadlock on it.

The table is UNLOGGED: a limit is not worth a WAL flush per request, and after a crash every bucket starts
empty again, which only forgives. It is never a part of the journal.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""

from sqlscripts import run_script

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
