CREATE TABLE event_cancellations (
    event_id     text PRIMARY KEY REFERENCES events (id),
    cancelled_by text NOT NULL REFERENCES principals (id),
    reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    cancelled_at timestamptz NOT NULL DEFAULT now()
);
SELECT make_append_only('event_cancellations');
