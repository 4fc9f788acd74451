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

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLE = r"""
CREATE UNLOGGED TABLE rate_limits (
    key  text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 300),
    tat  timestamptz NOT NULL
)
"""

INDEX = "CREATE INDEX rate_limits_tat ON rate_limits (tat)"

TAKE = r"""
CREATE FUNCTION rate_take(keys text[], steps float8[], bursts float8[]) RETURNS float8
LANGUAGE plpgsql AS $$
DECLARE
    moment timestamptz := clock_timestamp();
    wait float8 := 0;
BEGIN
    INSERT INTO rate_limits (key, tat)
    SELECT k, moment FROM unnest(keys) AS k ORDER BY k
    ON CONFLICT (key) DO NOTHING;
    SELECT coalesce(max(extract(epoch FROM greatest(r.tat, moment) - moment) + u.step - u.burst), 0)
    INTO wait
    FROM (SELECT key, tat FROM rate_limits WHERE key = ANY(keys) ORDER BY key FOR UPDATE) AS r
    JOIN unnest(keys, steps, bursts) AS u(key, step, burst) USING (key);
    IF wait > 0 THEN
        RETURN wait;
    END IF;
    UPDATE rate_limits AS r SET tat = greatest(r.tat, moment) + make_interval(secs => u.step)
    FROM unnest(keys, steps) AS u(key, step)
    WHERE r.key = u.key;
    RETURN 0;
END $$;
"""


def upgrade() -> None:
    for statement in (TABLE, INDEX, TAKE):  # one at a time: asyncpg prepares each, one command each
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP FUNCTION rate_take(text[], float8[], float8[])")
    op.execute("DROP TABLE rate_limits")
