ALTER TABLE programs ADD COLUMN max_points_per_event bigint CHECK (max_points_per_event > 0);

CREATE TABLE program_organizers (
    program_id   text NOT NULL REFERENCES programs (id),
    organizer_id text NOT NULL REFERENCES principals (id),
    granted_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (program_id, organizer_id)
);
