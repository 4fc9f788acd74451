CREATE TABLE recipients (
    id          text PRIMARY KEY,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE campaigns (
    id                 text PRIMARY KEY,
    program_id         text NOT NULL REFERENCES programs (id),
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    rate_percent       integer NOT NULL CHECK (rate_percent BETWEEN 1 AND 1000),
    per_resident_cap   bigint NOT NULL CHECK (per_resident_cap > 0),
    starts_at          timestamptz NOT NULL,
    ends_at            timestamptz NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at)
);

CREATE INDEX campaigns_period ON campaigns (starts_at, ends_at);

CREATE TABLE matchings (
    id                text PRIMARY KEY,
    program_id        text NOT NULL REFERENCES programs (id),
    rate_percent      integer NOT NULL CHECK (rate_percent BETWEEN 1 AND 1000),
    per_donation_cap  bigint NOT NULL CHECK (per_donation_cap > 0),
    total_cap         bigint CHECK (total_cap > 0),
    starts_at         timestamptz,
    ends_at           timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at)
);

CREATE TABLE matching_recipients (
    matching_id   text NOT NULL REFERENCES matchings (id),
    recipient_id  text NOT NULL REFERENCES recipients (id),
    PRIMARY KEY (matching_id, recipient_id)
);

CREATE INDEX matching_recipients_recipient ON matching_recipients (recipient_id);

CREATE TABLE topups (
    entry_id      uuid PRIMARY KEY REFERENCES entries (id),
    resident_id   text NOT NULL REFERENCES residents (id),
    channel       text NOT NULL,
    external_ref  text NOT NULL,
    amount        bigint NOT NULL CHECK (amount > 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel, external_ref)
);

CREATE TABLE donations (
    entry_id      uuid PRIMARY KEY REFERENCES entries (id),
    resident_id   text NOT NULL REFERENCES residents (id),
    recipient_id  text NOT NULL REFERENCES recipients (id),
    points        bigint NOT NULL CHECK (points > 0),
    anonymous     boolean NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX donations_recipient ON donations (recipient_id, created_at);

CREATE TABLE closures (
    resident_id       text PRIMARY KEY REFERENCES residents (id),
    entry_id          uuid REFERENCES entries (id),
    channel           text NOT NULL,
    money_paid        bigint NOT NULL CHECK (money_paid >= 0),
    points_forfeited  bigint NOT NULL CHECK (points_forfeited >= 0),
    closed_at         timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION close_resident() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE residents SET closed_at = NEW.closed_at WHERE id = NEW.resident_id;
    UPDATE principals SET disabled_at = NEW.closed_at WHERE id = NEW.resident_id;
    RETURN NULL;
END $$;

CREATE TRIGGER closures_close_resident AFTER INSERT ON closures
    FOR EACH ROW EXECUTE FUNCTION close_resident();

-- Append-only, but not ENABLE ALWAYS: these did not fire under session_replication_role = replica until
-- 0016 (make_append_only) turned them on always. Kept as it ran: databases already migrated ran it so.
CREATE TRIGGER topups_append_only BEFORE UPDATE OR DELETE ON topups
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER topups_no_truncate BEFORE TRUNCATE ON topups
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

CREATE TRIGGER donations_append_only BEFORE UPDATE OR DELETE ON donations
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER donations_no_truncate BEFORE TRUNCATE ON donations
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();

CREATE TRIGGER closures_append_only BEFORE UPDATE OR DELETE ON closures
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER closures_no_truncate BEFORE TRUNCATE ON closures
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
