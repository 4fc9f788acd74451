-- Back to the foreign keys.
ALTER TABLE postings ADD CONSTRAINT postings_entry_id_fkey
    FOREIGN KEY (entry_id) REFERENCES entries (id);
ALTER TABLE seal_queue ADD CONSTRAINT seal_queue_entry_id_fkey
    FOREIGN KEY (entry_id) REFERENCES entries (id);
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_entry_id_fkey
    FOREIGN KEY (entry_id) REFERENCES entries (id);
ALTER TABLE spent_tokens ADD CONSTRAINT spent_tokens_entry_id_fkey
    FOREIGN KEY (entry_id) REFERENCES entries (id);

DROP TRIGGER seal_queue_names_entries_on_insert ON seal_queue;
DROP TRIGGER seal_queue_names_entries_on_update ON seal_queue;
DROP TRIGGER idempotency_keys_names_entries_on_insert ON idempotency_keys;
DROP TRIGGER idempotency_keys_names_entries_on_update ON idempotency_keys;
DROP TRIGGER spent_tokens_names_entries_on_insert ON spent_tokens;

DROP FUNCTION rows_name_entries();
