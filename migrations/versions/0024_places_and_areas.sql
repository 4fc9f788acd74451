ALTER TABLE events
    ADD COLUMN place text CHECK (place IS NULL OR char_length(place) BETWEEN 1 AND 100),
    ADD COLUMN area text CHECK (area IS NULL OR char_length(area) BETWEEN 1 AND 100);
ALTER TABLE merchants
    ADD COLUMN area text CHECK (area IS NULL OR char_length(area) BETWEEN 1 AND 100);
CREATE INDEX events_upcoming ON events (ends_at);

-- Expiry reminders by Web Push (issue 20): a resident's consent is a subscription they can withdraw; each
-- reminder (a lot's date, 14 or 3 days before) is sent once and remembered.
CREATE TABLE push_subscriptions (
    endpoint text PRIMARY KEY CHECK (char_length(endpoint) BETWEEN 8 AND 2000),
    resident_id text NOT NULL,
    p256dh text NOT NULL CHECK (char_length(p256dh) BETWEEN 1 AND 200),
    auth text NOT NULL CHECK (char_length(auth) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX push_subscriptions_resident ON push_subscriptions (resident_id);
CREATE TABLE expiry_reminders (
    resident_id text NOT NULL,
    expires_on date NOT NULL,
    days_before integer NOT NULL CHECK (days_before IN (14, 3)),
    points bigint NOT NULL CHECK (points > 0),
    sent_at timestamptz NOT NULL,
    PRIMARY KEY (resident_id, expires_on, days_before)
);
SELECT make_append_only('expiry_reminders');
