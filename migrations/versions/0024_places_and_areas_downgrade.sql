DROP TABLE expiry_reminders;
DROP TABLE push_subscriptions;
DROP INDEX events_upcoming;
ALTER TABLE merchants DROP COLUMN area;
ALTER TABLE events DROP COLUMN area, DROP COLUMN place;
