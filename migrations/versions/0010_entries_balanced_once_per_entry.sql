CREATE OR REPLACE FUNCTION entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    unbalanced text;
BEGIN
    SELECT coalesce(sum(t.n), 0), string_agg(t.asset || ' ' || t.total, ', ') FILTER (WHERE t.total <> 0)
    INTO n, unbalanced
    FROM (SELECT asset, sum(amount) AS total, count(*) AS n FROM postings WHERE entry_id = NEW.id
          GROUP BY asset) AS t;
    IF n < 2 THEN
        RAISE EXCEPTION 'entry % has % posting(s); an entry needs at least two', NEW.id, n
            USING ERRCODE = 'check_violation';
    END IF;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'entry % does not balance: %', NEW.id, unbalanced USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION postings_join_own_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    mine xid := pg_current_xact_id()::xid;
    foreign_entry uuid;
BEGIN
    SELECT a.entry_id INTO foreign_entry FROM (SELECT DISTINCT entry_id FROM added) AS a
    WHERE NOT EXISTS (SELECT 1 FROM entries e WHERE e.id = a.entry_id AND e.xmin = mine)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry % was written by an earlier transaction; postings cannot be added to it',
            foreign_entry USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER postings_join_own_entries AFTER INSERT ON postings
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION postings_join_own_entries();
ALTER TABLE postings ENABLE ALWAYS TRIGGER postings_join_own_entries;

DROP TRIGGER posting_balanced ON postings;

DROP FUNCTION posting_balanced();
