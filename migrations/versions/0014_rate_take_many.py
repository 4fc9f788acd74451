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

import importlib.util
from pathlib import Path

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TAKE_MANY = r"""
CREATE FUNCTION rate_take_many(requests int[], keys text[], steps float8[], bursts float8[]) RETURNS float8[]
LANGUAGE plpgsql AS $$
-- keys[i] belongs to request requests[i]; a request's keys are contiguous, requests numbered 1, 2, ...
-- Answers, per request: 0 when admitted (and charged), else the seconds until it would be.
DECLARE
    moment timestamptz := clock_timestamp();
    locked text[];
    tats timestamptz[];
    waits float8[] := '{}';
    total int := coalesce(array_length(keys, 1), 0);
    first int := 1;
    last int;
    wait float8;
    i int;
BEGIN
    INSERT INTO rate_limits (key, tat)
    SELECT DISTINCT k, moment FROM unnest(keys) AS k ORDER BY k
    ON CONFLICT (key) DO NOTHING;
    SELECT array_agg(r.key ORDER BY r.key), array_agg(r.tat ORDER BY r.key) INTO locked, tats
    FROM (SELECT key, tat FROM rate_limits WHERE key = ANY(keys) ORDER BY key FOR UPDATE) AS r;
    WHILE first <= total LOOP
        last := first;
        WHILE last < total AND requests[last + 1] = requests[first] LOOP
            last := last + 1;
        END LOOP;
        wait := 0;
        FOR i IN first..last LOOP
            wait := greatest(wait, extract(epoch FROM greatest(tats[array_position(locked, keys[i])], moment)
                                                      - moment) + steps[i] - bursts[i]);
        END LOOP;
        IF wait <= 0 THEN
            wait := 0;
            FOR i IN first..last LOOP
                tats[array_position(locked, keys[i])] :=
                    greatest(tats[array_position(locked, keys[i])], moment) + make_interval(secs => steps[i]);
            END LOOP;
        END IF;
        waits := waits || wait;
        first := last + 1;
    END LOOP;
    UPDATE rate_limits AS r SET tat = u.tat FROM unnest(locked, tats) AS u(key, tat)
    WHERE r.key = u.key AND r.tat <> u.tat;
    RETURN waits;
END $$
"""


def upgrade() -> None:
    op.execute(TAKE_MANY)
    op.execute("DROP FUNCTION rate_take(text[], float8[], float8[])")


def downgrade() -> None:
    spec = importlib.util.spec_from_file_location("limits_0011", Path(__file__).with_name("0011_limits.py"))
    assert spec is not None and spec.loader is not None
    limits_0011 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(limits_0011)
    op.execute(limits_0011.TAKE)
    op.execute("DROP FUNCTION rate_take_many(int[], text[], float8[], float8[])")
