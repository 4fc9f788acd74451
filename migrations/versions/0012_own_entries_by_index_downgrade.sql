-- 0010's check, looking up entries by an anti-join.
CREATE OR REPLACE FUNCTION postings_join_own_entries() RETURNS trigger LANGUAGE plpgsql AS $$
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
