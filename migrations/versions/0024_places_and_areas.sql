ALTER TABLE events
    ADD COLUMN place text CHECK (place IS NULL OR char_length(place) BETWEEN 1 AND 100),
    ADD COLUMN area text CHECK (area IS NULL OR char_length(area) BETWEEN 1 AND 100);
ALTER TABLE merchants
    ADD COLUMN area text CHECK (area IS NULL OR char_length(area) BETWEEN 1 AND 100);
CREATE INDEX events_upcoming ON events (ends_at);
