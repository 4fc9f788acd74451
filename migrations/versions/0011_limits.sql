CREATE UNLOGGED TABLE rate_limits (
    key  text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 300),
    tat  timestamptz NOT NULL
);

CREATE INDEX rate_limits_tat ON rate_limits (tat);

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
