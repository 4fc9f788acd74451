ALTER TABLE entries DROP CONSTRAINT entries_kind_known;
