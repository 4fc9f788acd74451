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
END $$;

DROP FUNCTION rate_take(text[], float8[], float8[]);
