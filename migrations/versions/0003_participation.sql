CREATE TABLE programs (
    id                text PRIMARY KEY,
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    points_valid_days integer NOT NULL CHECK (points_valid_days BETWEEN 1 AND 3660),
    monthly_cap       bigint CHECK (monthly_cap > 0),
    annual_cap        bigint CHECK (annual_cap > 0),
    created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
    id           text PRIMARY KEY,
    program_id   text NOT NULL REFERENCES programs (id),
    organizer_id text NOT NULL REFERENCES principals (id),
    title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    points       bigint NOT NULL CHECK (points > 0),
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    capacity     integer CHECK (capacity > 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);

CREATE INDEX events_organizer ON events (organizer_id, starts_at);

CREATE TABLE checkins (
    event_id    text NOT NULL REFERENCES events (id),
    resident_id text NOT NULL REFERENCES residents (id),
    program_id  text NOT NULL REFERENCES programs (id),
    points      bigint NOT NULL CHECK (points > 0),
    entry_id    uuid NOT NULL UNIQUE REFERENCES entries (id),
    claimed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, resident_id)
);

CREATE INDEX checkins_program ON checkins (program_id) INCLUDE (points);

CREATE TRIGGER checkins_append_only BEFORE UPDATE OR DELETE ON checkins
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER checkins_no_truncate BEFORE TRUNCATE ON checkins
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
ALTER TABLE checkins ENABLE ALWAYS TRIGGER checkins_append_only;
ALTER TABLE checkins ENABLE ALWAYS TRIGGER checkins_no_truncate;

CREATE INDEX balances_points_due ON balances (expires_on, account)
    WHERE expires_on IS NOT NULL AND posted <> 0;
