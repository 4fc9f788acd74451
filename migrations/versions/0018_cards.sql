CREATE TABLE cards (
    id           text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 100),
    number       text NOT NULL UNIQUE CHECK (number ~ '^[0-9]{16}$'),
    resident_id  text NOT NULL REFERENCES residents (id),
    generation   integer NOT NULL CHECK (generation > 0),
    pin_hash     text NOT NULL CHECK (pin_hash LIKE '$argon2id$%'),
    failed_pins  integer NOT NULL DEFAULT 0 CHECK (failed_pins BETWEEN 0 AND 5),
    locked_at    timestamptz,
    issued_by    text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (resident_id, generation)
);

-- A payment made with a card (the shop typed or scanned it, the holder entered the PIN) says so.
ALTER TABLE payments DROP CONSTRAINT payments_source_check;

ALTER TABLE payments ADD CONSTRAINT payments_source_check
    CHECK (source IN ('dynamic', 'static', 'charge', 'card'));
