ALTER TABLE seal_queue ADD COLUMN created_at timestamptz;

UPDATE seal_queue q SET created_at = e.created_at FROM entries e WHERE e.id = q.entry_id;

ALTER TABLE seal_queue ALTER COLUMN created_at SET NOT NULL;

CREATE INDEX seal_queue_in_order ON seal_queue (created_at, entry_id);
