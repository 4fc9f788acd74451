-- Back to 0001's per-row checks.
CREATE OR REPLACE FUNCTION entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM assert_entry_balanced(NEW.id);
    RETURN NULL;
END $$;

CREATE FUNCTION posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entries WHERE id = NEW.entry_id AND xmin = pg_current_xact_id()::xid) THEN
        RAISE EXCEPTION 'entry % was written by an earlier transaction; postings cannot be added to it',
            NEW.entry_id USING ERRCODE = 'check_violation';
    END IF;
    PERFORM assert_entry_balanced(NEW.entry_id);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER posting_balanced AFTER INSERT ON postings DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION posting_balanced();
ALTER TABLE postings ENABLE ALWAYS TRIGGER posting_balanced;

DROP TRIGGER postings_join_own_entries ON postings;

DROP FUNCTION postings_join_own_entries();
