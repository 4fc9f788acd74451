ALTER TABLE transit_readers ADD COLUMN revoked_at timestamptz;

-- Once revoked, a reader stays revoked: the moment is never changed or cleared.
CREATE FUNCTION transit_readers_keep_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.revoked_at IS NOT NULL AND NEW.revoked_at IS DISTINCT FROM OLD.revoked_at THEN
        RAISE EXCEPTION 'a revoked reader stays revoked';
    END IF;
    IF NEW.id <> OLD.id OR NEW.operator_id <> OLD.operator_id OR NEW.public_key <> OLD.public_key THEN
        RAISE EXCEPTION 'a reader''s id, operator and key never change';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER transit_readers_keep_revocation BEFORE UPDATE ON transit_readers
    FOR EACH ROW EXECUTE FUNCTION transit_readers_keep_revocation();
ALTER TABLE transit_readers ENABLE ALWAYS TRIGGER transit_readers_keep_revocation;
