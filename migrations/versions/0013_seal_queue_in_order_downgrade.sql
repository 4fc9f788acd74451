DROP INDEX seal_queue_in_order;

ALTER TABLE seal_queue DROP COLUMN created_at;
