"""The abuse limits take for many requests in one statement: `rate_take_many`, the group commit of the limits.

Every limited request (a payment, a pay code, a check-in) took from its buckets with a statement of its own
on the lookup pool before its work began: with 32 payments in flight, a fifth of the service process's CPU
went to those statements (py-spy, docs/benchmarks.md). Now a process sends the takes that arrive while the
previous one runs as one call. Each request is decided in arrival order against the buckets as the requests
before it in the call left them, all or nothing as before; the rows are locked in key order in one
statement, so workers in several processes still agree and never deadlock on them. `rate_take`, which took
for one request, is replaced.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from sqlscripts import run_script

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
