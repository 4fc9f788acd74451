CREATE FUNCTION rows_name_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing uuid;
BEGIN
    SELECT a.entry_id INTO missing FROM (SELECT DISTINCT entry_id FROM added WHERE entry_id IS NOT NULL) AS a
    WHERE (SELECT e.id FROM entries e WHERE e.id = a.entry_id) IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'a row of % names entry %, which is not in the journal', TG_TABLE_NAME, missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER seal_queue_names_entries_on_insert AFTER INSERT ON seal_queue
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION rows_name_entries();
ALTER TABLE seal_queue ENABLE ALWAYS TRIGGER seal_queue_names_entries_on_insert;
CREATE TRIGGER seal_queue_names_entries_on_update AFTER UPDATE ON seal_queue
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION rows_name_entries();
ALTER TABLE seal_queue ENABLE ALWAYS TRIGGER seal_queue_names_entries_on_update;
CREATE TRIGGER idempotency_keys_names_entries_on_insert AFTER INSERT ON idempotency_keys
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION rows_name_entries();
ALTER TABLE idempotency_keys ENABLE ALWAYS TRIGGER idempotency_keys_names_entries_on_insert;
CREATE TRIGGER idempotency_keys_names_entries_on_update AFTER UPDATE ON idempotency_keys
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION rows_name_entries();
ALTER TABLE idempotency_keys ENABLE ALWAYS TRIGGER idempotency_keys_names_entries_on_update;
CREATE TRIGGER spent_tokens_names_entries_on_insert AFTER INSERT ON spent_tokens
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION rows_name_entries();
ALTER TABLE spent_tokens ENABLE ALWAYS TRIGGER spent_tokens_names_entries_on_insert;

ALTER TABLE postings DROP CONSTRAINT postings_entry_id_fkey;

ALTER TABLE seal_queue DROP CONSTRAINT seal_queue_entry_id_fkey;

ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_entry_id_fkey;

ALTER TABLE spent_tokens DROP CONSTRAINT spent_tokens_entry_id_fkey;
