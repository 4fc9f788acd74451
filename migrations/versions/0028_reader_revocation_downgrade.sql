DROP TRIGGER transit_readers_keep_revocation ON transit_readers;
DROP FUNCTION transit_readers_keep_revocation();
ALTER TABLE transit_readers DROP COLUMN revoked_at;
