CREATE TABLE transit_operators (
    id          text PRIMARY KEY REFERENCES principals (id),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE transit_routes (
    id           text PRIMARY KEY,
    operator_id  text NOT NULL REFERENCES transit_operators (id),
    code         text NOT NULL CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$'),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind         text NOT NULL CHECK (kind IN ('bus', 'on_demand')),
    adult_fare   bigint CHECK (adult_fare BETWEEN 0 AND 100000),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (operator_id, code)
);

CREATE TABLE fare_rules (
    id                       text PRIMARY KEY,
    effective_from           timestamptz NOT NULL,
    default_adult_fare       bigint NOT NULL CHECK (default_adult_fare BETWEEN 0 AND 100000),
    reduced_percent          integer NOT NULL CHECK (reduced_percent BETWEEN 0 AND 100),
    round_to                 integer NOT NULL CHECK (round_to BETWEEN 1 AND 1000),
    transfer_discount        bigint NOT NULL CHECK (transfer_discount BETWEEN 0 AND 100000),
    transfer_window_minutes  integer NOT NULL CHECK (transfer_window_minutes BETWEEN 0 AND 1440),
    cap_adult                bigint NOT NULL CHECK (cap_adult BETWEEN 0 AND 1000000),
    cap_child                bigint NOT NULL CHECK (cap_child BETWEEN 0 AND 1000000),
    cap_concession           bigint NOT NULL CHECK (cap_concession BETWEEN 0 AND 1000000),
    created_at               timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX fare_rules_in_force ON fare_rules (effective_from DESC, created_at DESC);

INSERT INTO fare_rules (id, effective_from, default_adult_fare, reduced_percent, round_to, transfer_discount,
                        transfer_window_minutes, cap_adult, cap_child, cap_concession)
VALUES ('fr_default', '2000-01-01T00:00:00+09:00', 210, 50, 10, 100, 60, 500, 250, 250);

CREATE TABLE transit_bookings (
    id           text PRIMARY KEY,
    resident_id  text NOT NULL REFERENCES residents (id),
    route_id     text NOT NULL REFERENCES transit_routes (id),
    category     text NOT NULL CHECK (category IN ('adult', 'child', 'concession')),
    fare_rule    text NOT NULL REFERENCES fare_rules (id),
    fare         bigint NOT NULL CHECK (fare >= 0),
    points_held  bigint NOT NULL CHECK (points_held >= 0),
    money_held   bigint NOT NULL CHECK (money_held >= 0),
    pickup_at    timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (points_held + money_held = fare),
    CHECK (expires_at > pickup_at)
);

CREATE INDEX transit_bookings_expiry ON transit_bookings (expires_at);

-- Which holds a booking placed: one per account the funding plan would take the fare from.
CREATE TABLE transit_booking_holds (
    hold_id     uuid PRIMARY KEY REFERENCES holds (id),
    booking_id  text NOT NULL REFERENCES transit_bookings (id)
);

CREATE INDEX transit_booking_holds_booking ON transit_booking_holds (booking_id);

-- A resident's tap at a reader, or the end of an on-demand ride; `id` is the pay code's or the booking's.
CREATE TABLE transit_taps (
    id           text PRIMARY KEY,
    resident_id  text NOT NULL REFERENCES residents (id),
    operator_id  text NOT NULL REFERENCES transit_operators (id),
    route_id     text NOT NULL REFERENCES transit_routes (id),
    booking_id   text UNIQUE REFERENCES transit_bookings (id),
    tapped_at    timestamptz NOT NULL,
    service_day  date NOT NULL,
    category     text NOT NULL CHECK (category IN ('adult', 'child', 'concession')),
    fare_rule    text NOT NULL REFERENCES fare_rules (id),
    fare         bigint NOT NULL CHECK (fare >= 0),
    discount     bigint NOT NULL CHECK (discount BETWEEN 0 AND fare),
    charged      bigint NOT NULL CHECK (charged BETWEEN 0 AND fare - discount),
    points_used  bigint NOT NULL CHECK (points_used >= 0),
    money_used   bigint NOT NULL CHECK (money_used >= 0),
    entry_id     uuid REFERENCES entries (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (points_used + money_used = charged),
    CHECK ((entry_id IS NULL) = (charged = 0))
);

CREATE INDEX transit_taps_resident_time ON transit_taps (resident_id, tapped_at);

CREATE INDEX transit_taps_operator ON transit_taps (operator_id, created_at);

-- How a booking ended; the primary key lets it end once.
CREATE TABLE transit_booking_ends (
    booking_id  text PRIMARY KEY REFERENCES transit_bookings (id),
    outcome     text NOT NULL CHECK (outcome IN ('completed', 'cancelled', 'no_show')),
    ended_by    text NOT NULL,
    tap_id      text REFERENCES transit_taps (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((outcome = 'completed') = (tap_id IS NOT NULL))
);

CREATE TRIGGER fare_rules_append_only BEFORE UPDATE OR DELETE ON fare_rules
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER fare_rules_no_truncate BEFORE TRUNCATE ON fare_rules
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
ALTER TABLE fare_rules ENABLE ALWAYS TRIGGER fare_rules_append_only;
ALTER TABLE fare_rules ENABLE ALWAYS TRIGGER fare_rules_no_truncate;

CREATE TRIGGER transit_taps_append_only BEFORE UPDATE OR DELETE ON transit_taps
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER transit_taps_no_truncate BEFORE TRUNCATE ON transit_taps
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
ALTER TABLE transit_taps ENABLE ALWAYS TRIGGER transit_taps_append_only;
ALTER TABLE transit_taps ENABLE ALWAYS TRIGGER transit_taps_no_truncate;

CREATE TRIGGER transit_booking_ends_append_only BEFORE UPDATE OR DELETE ON transit_booking_ends
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER transit_booking_ends_no_truncate BEFORE TRUNCATE ON transit_booking_ends
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
ALTER TABLE transit_booking_ends ENABLE ALWAYS TRIGGER transit_booking_ends_append_only;
ALTER TABLE transit_booking_ends ENABLE ALWAYS TRIGGER transit_booking_ends_no_truncate;
